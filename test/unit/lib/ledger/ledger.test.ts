import { TransientError } from '../../../../src/lib/errors';
import { LedgerConflictError } from '../../../../src/lib/ledger/ledger';

describe('LedgerConflictError', () => {
  const vmKey = '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-1';

  it('is a transient error (re-read and retry) with a stable code and the VM in its context', () => {
    const error = new LedgerConflictError(vmKey);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      name: 'LedgerConflictError',
      kind: 'transient',
      code: 'ledger-conflict',
      context: { vmKey },
      message: `Ledger row for ${vmKey} was changed by another writer`,
    });
    expect(error.cause).toBeUndefined();
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('keeps the storage error that caused it', () => {
    const cause = Object.assign(new Error('Precondition Failed'), { statusCode: 412 });
    expect(new LedgerConflictError(vmKey, { cause }).cause).toBe(cause);
  });
});
