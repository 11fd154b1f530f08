import { detached, withDetachedStrings } from '../../../../src/lib/report/detached';

describe('detached', () => {
  it('copies a string, including one cut from a JSON body, with the same value', () => {
    const [parsed] = JSON.parse(
      '["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-é"]',
    );
    expect(detached(parsed as string)).toBe(parsed);
    expect(detached('')).toBe('');
  });

  it('replaces the string fields of a record in place and leaves the others as they are', () => {
    const lastJob = { status: 'Failed' };
    const record = { reason: 'failed', retries: 2, since: undefined, lastJob };
    const result = withDetachedStrings(record);
    expect(result).toBe(record);
    expect(result).toEqual({ reason: 'failed', retries: 2, since: undefined, lastJob });
    expect(result.lastJob).toBe(lastJob);
  });
});
