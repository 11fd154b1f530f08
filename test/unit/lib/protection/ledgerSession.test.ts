import { PermanentError, TransientError } from '../../../../src/lib/errors';
import { LedgerConflictError } from '../../../../src/lib/ledger/ledger';
import type { LedgerChanges, NewLedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { LedgerSession } from '../../../../src/lib/protection/ledgerSession';
import { ledgerRow } from '../../../helpers/factories/protection';
import { vmFacts } from '../../../helpers/factories/rules';
import { FakeClock } from '../../../helpers/fakes/fakeQueues';
import { InMemoryLedger } from '../../../helpers/fakes/inMemoryLedger';

const vm = vmFacts().vm;

/** A session on a claimed row; `writes` lists the changes of every ledger update, in order. */
async function claimedSession(row: Partial<NewLedgerEntry> = {}) {
  const ledger = new InMemoryLedger();
  const clock = new FakeClock();
  const writes: LedgerChanges[] = [];
  const update = ledger.update.bind(ledger);
  ledger.update = (entry, changes) => {
    writes.push(changes);
    return update(entry, changes);
  };
  const entry = await ledger.create(
    ledgerRow(vm, { leaseOwner: 'inv-a', leaseExpiresAt: '2026-03-01T10:05:00.000Z', ...row }),
  );
  const session = new LedgerSession(ledger, entry, clock);
  const stored = async () => (await ledger.get(vm.key))!;
  return { ledger, clock, writes, session, entry, stored };
}

describe('LedgerSession', () => {
  describe('save and stage', () => {
    it('writes the changes with lastChanged from the clock, and keeps the written row as its entry', async () => {
      const { session, clock, stored, entry } = await claimedSession();
      clock.advance(5_000);
      const saved = await session.save({ reason: 'why' });
      expect(saved).toMatchObject({ reason: 'why', lastChanged: '2026-03-01T10:00:05.000Z' });
      expect(saved.etag).not.toBe(entry.etag);
      expect(session.entry).toEqual(saved);
      expect(await stored()).toEqual(saved);
    });

    it('holds staged changes until the next write, which carries them once', async () => {
      const { session, writes, stored } = await claimedSession();
      session.stage({ rule: 'r1', vaultId: 'v1' });
      session.stage({ rule: 'r2', policyName: 'p' });
      expect(writes).toEqual([]);
      expect((await stored()).rule).toBeUndefined();

      await session.save({ status: 'protecting' });
      expect(writes[0]).toMatchObject({ rule: 'r2', vaultId: 'v1', policyName: 'p', status: 'protecting' });
      await session.save({ reason: 'next' });
      expect(writes[1]).not.toHaveProperty('rule');
      expect(await stored()).toMatchObject({ rule: 'r2', vaultId: 'v1', policyName: 'p', reason: 'next' });
    });

    it("lets the write's own changes win over staged ones", async () => {
      const { session } = await claimedSession();
      session.stage({ rule: 'decision', vaultId: 'v1' });
      expect(await session.save({ rule: 'override' })).toMatchObject({ rule: 'override', vaultId: 'v1' });
    });

    it('fails (LedgerConflictError) when another writer changed the row, keeping its entry as it was', async () => {
      const { ledger, session, entry } = await claimedSession();
      await ledger.update(entry, { leaseOwner: 'inv-b' });
      await expect(session.save({ status: 'protecting' })).rejects.toBeInstanceOf(LedgerConflictError);
      expect(session.entry).toEqual(entry);
      expect((await ledger.get(vm.key))?.leaseOwner).toBe('inv-b');
    });
  });

  it('beginAzureStep marks the row protecting with the step as reason, clearing an earlier error code', async () => {
    const { session, stored } = await claimedSession({ errorCode: 'operation-in-progress', reason: 'retrying: x' });
    await session.beginAzureStep('enabling-protection');
    const row = await stored();
    expect(row).toMatchObject({ status: 'protecting', reason: 'enabling-protection', leaseOwner: 'inv-a' });
    expect(row).not.toHaveProperty('errorCode');
  });

  describe('finish', () => {
    it('records the final status and releases the claim, clearing the error code', async () => {
      const { session, stored } = await claimedSession({ errorCode: 'ResourceRequestsThrottled' });
      await session.finish('protected', { reason: 'already-protected' });
      const row = await stored();
      expect(row).toMatchObject({ status: 'protected', reason: 'already-protected' });
      expect(row).not.toHaveProperty('errorCode');
      expect(row).not.toHaveProperty('leaseOwner');
      expect(row).not.toHaveProperty('leaseExpiresAt');
    });

    it('keeps an error code given with the status, and the staged decision', async () => {
      const { session, stored } = await claimedSession();
      session.stage({ rule: 'vault-route', vaultId: 'v1' });
      await session.finish('failed', { reason: 'unknown-policy', errorCode: 'unknown-policy' });
      expect(await stored()).toMatchObject({
        status: 'failed',
        errorCode: 'unknown-policy',
        rule: 'vault-route',
        vaultId: 'v1',
      });
    });

    it('keeps the first 1000 characters of the reason', async () => {
      const { session } = await claimedSession();
      const entry = await session.finish('failed', { reason: 'x'.repeat(1_200) });
      expect(entry.reason).toBe('x'.repeat(1_000));
    });
  });

  describe('recordError', () => {
    it('makes the row failed with the code and message of a permanent error, releasing the claim', async () => {
      const { session, stored } = await claimedSession({ status: 'protecting' });
      await session.recordError(new PermanentError('Could not enable protection', { code: 'UserErrorX' }));
      const row = await stored();
      expect(row).toMatchObject({ status: 'failed', reason: 'Could not enable protection', errorCode: 'UserErrorX' });
      expect(row).not.toHaveProperty('leaseOwner');
    });

    it('keeps the status on a transient error, notes the retry, and releases the claim', async () => {
      const { session, stored } = await claimedSession({ status: 'protecting' });
      await session.recordError(new TransientError('throttled', { code: 'ResourceRequestsThrottled' }));
      const row = await stored();
      expect(row).toMatchObject({
        status: 'protecting',
        reason: 'retrying: throttled',
        errorCode: 'ResourceRequestsThrottled',
      });
      expect(row).not.toHaveProperty('leaseOwner');
      expect(row).not.toHaveProperty('leaseExpiresAt');
    });

    it('keeps the first 1000 characters of a transient reason', async () => {
      const { session } = await claimedSession();
      const entry = await session.recordError(new TransientError('y'.repeat(2_000)));
      expect(entry.reason).toBe(`retrying: ${'y'.repeat(990)}`);
    });
  });

  describe('operations', () => {
    it('appends an operation as kind:id', async () => {
      const { session, stored } = await claimedSession({ operationIds: ['enable:op-1'] });
      await session.appendOperation('backup', 'op-2');
      expect((await stored()).operationIds).toEqual(['enable:op-1', 'backup:op-2']);
    });

    it('writes nothing for an operation without an id', async () => {
      const { session, writes, entry } = await claimedSession();
      expect(await session.appendOperation('enable', undefined)).toEqual(entry);
      expect(writes).toEqual([]);
    });

    it.each([
      { operationIds: [], latest: undefined },
      { operationIds: ['enable:op-1', 'backup:op-2'], latest: { kind: 'backup', operationId: 'op-2' } },
      { operationIds: ['backup:a:b'], latest: { kind: 'backup', operationId: 'a:b' } },
      { operationIds: ['enable:op-1', 'no-separator'], latest: undefined },
    ])('latestOperation of $operationIds is $latest', async ({ operationIds, latest }) => {
      const { session } = await claimedSession({ operationIds });
      expect(session.latestOperation()).toEqual(latest);
    });

    it('finds the most recent operation of a kind', async () => {
      const { session } = await claimedSession({
        operationIds: ['enable:op-1', 'backup:op-2', 'enable:op-3', 'backup:op-4', 'enable:op-5'],
      });
      expect(session.lastOperation('backup')).toBe('op-4');
      expect(session.lastOperation('enable')).toBe('op-5');
      const none = await claimedSession({ operationIds: ['enable:op-1'] });
      expect(none.session.lastOperation('backup')).toBeUndefined();
    });
  });
});
