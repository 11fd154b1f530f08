import { onceUntilFailure } from '../../../src/lib/onceUntilFailure';

describe('onceUntilFailure', () => {
  it('runs the action once for every call while it succeeds', async () => {
    const action = jest.fn(async () => 'created');
    const ready = onceUntilFailure(action);
    await Promise.all([ready(), ready()]);
    await ready();
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('runs it again on the call after a failure, and hands the failure to the calls that waited for it', async () => {
    const action = jest.fn().mockRejectedValueOnce(new Error('storage down')).mockResolvedValue(undefined);
    const ready = onceUntilFailure(action);
    const waiting = [ready(), ready()];
    await expect(waiting[0]).rejects.toThrow('storage down');
    await expect(waiting[1]).rejects.toThrow('storage down');
    await ready();
    await ready();
    expect(action).toHaveBeenCalledTimes(2);
  });
});
