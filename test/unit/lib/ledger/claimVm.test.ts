import { TransientError } from '../../../../src/lib/errors';
import { ClaimHeldError, type ClaimInput, claimVm, isLeaseHeld } from '../../../../src/lib/ledger/claimVm';
import { LedgerConflictError } from '../../../../src/lib/ledger/ledger';
import type { LedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { ledgerRow } from '../../../helpers/factories/protection';
import { vmFacts } from '../../../helpers/factories/rules';
import { InMemoryLedger } from '../../../helpers/fakes/inMemoryLedger';

const vm = vmFacts().vm;
const now = new Date('2026-03-01T10:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);

function claim(overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    vm,
    owner: 'inv-a',
    leaseMs: 60_000,
    now,
    attempt: 1,
    eventId: 'ev-1',
    correlationId: 'corr-1',
    ...overrides,
  };
}

/** A ledger that records the rows its conditional updates were made against. */
class WatchedLedger extends InMemoryLedger {
  readonly updatedFrom: LedgerEntry[] = [];
  override async update(entry: LedgerEntry, changes: Parameters<InMemoryLedger['update']>[1]): Promise<LedgerEntry> {
    this.updatedFrom.push(entry);
    return super.update(entry, changes);
  }
}

describe('claimVm', () => {
  describe('a VM without a row', () => {
    it('creates the row, claimed for this owner until now + leaseMs', async () => {
      const ledger = new InMemoryLedger();
      const result = await claimVm(ledger, claim({ attempt: 2 }));
      const expected = {
        vmKey: vm.key,
        vmResourceId: vm.id,
        subscriptionId: vm.subscriptionId,
        status: 'requested',
        attempts: 2,
        operationIds: [],
        jobIds: [],
        firstSeen: now.toISOString(),
        lastChanged: now.toISOString(),
        lastEventId: 'ev-1',
        lastCorrelationId: 'corr-1',
        leaseOwner: 'inv-a',
        leaseExpiresAt: later(60_000).toISOString(),
      };
      expect(result).toEqual({ claimed: true, entry: { ...expected, etag: expect.any(String) } });
      expect(await ledger.get(vm.key)).toEqual(result.claimed && result.entry);
    });

    it('lets exactly one of two concurrent claimers win; the loser learns who holds the VM', async () => {
      const ledger = new InMemoryLedger();
      const results = await Promise.all([
        claimVm(ledger, claim({ owner: 'a' })),
        claimVm(ledger, claim({ owner: 'b' })),
      ]);
      const winners = results.filter((result) => result.claimed);
      expect(winners).toHaveLength(1);
      const winner = winners[0]?.claimed ? winners[0].entry.leaseOwner : undefined;
      expect(results.find((result) => !result.claimed)).toEqual({
        claimed: false,
        heldBy: winner,
        leaseExpiresAt: later(60_000).toISOString(),
      });
      expect((await ledger.get(vm.key))?.leaseOwner).toBe(winner);
    });

    it('reports an unknown holder when the winner of the race already released the row, or it vanished', async () => {
      for (const winnerRow of [ledgerRow(vm, { status: 'protected' }), undefined]) {
        const ledger = new InMemoryLedger();
        // The row is written between this claimer's read and its create.
        ledger.create = async (entry) => {
          if (winnerRow) await InMemoryLedger.prototype.create.call(ledger, winnerRow);
          throw new LedgerConflictError(entry.vmKey);
        };
        expect(await claimVm(ledger, claim())).toEqual({ claimed: false, heldBy: 'unknown', leaseExpiresAt: '' });
      }
    });

    it('rethrows a failure that is not a lost race', async () => {
      const ledger = new InMemoryLedger();
      const down = new TransientError('table unavailable', { code: 'http-503' });
      ledger.create = () => Promise.reject(down);
      await expect(claimVm(ledger, claim())).rejects.toBe(down);
    });
  });

  describe('a VM with a row', () => {
    it('takes over a released row, keeping its history and identity, conditional on the ETag it read', async () => {
      const ledger = new WatchedLedger();
      const stored = await ledger.create(
        ledgerRow(vm, {
          status: 'backup-triggered',
          operationIds: ['enable:op-1'],
          jobIds: ['job-1'],
          firstSeen: '2026-02-01T00:00:00.000Z',
          lastEventId: 'ev-0',
          lastCorrelationId: 'corr-0',
        }),
      );
      const result = await claimVm(ledger, claim({ attempt: 3, eventId: 'ev-2', correlationId: undefined }));
      expect(result).toMatchObject({
        claimed: true,
        entry: {
          status: 'backup-triggered',
          operationIds: ['enable:op-1'],
          jobIds: ['job-1'],
          firstSeen: '2026-02-01T00:00:00.000Z',
          attempts: 3,
          lastChanged: now.toISOString(),
          lastEventId: 'ev-2',
          // A request without a correlation id keeps the row's.
          lastCorrelationId: 'corr-0',
          leaseOwner: 'inv-a',
          leaseExpiresAt: later(60_000).toISOString(),
        },
      });
      expect(ledger.updatedFrom.map((entry) => entry.etag)).toEqual([stored.etag]);
    });

    it('keeps the last event id when the request carries none', async () => {
      const ledger = new InMemoryLedger();
      await ledger.create(ledgerRow(vm, { lastEventId: 'ev-0' }));
      expect(await claimVm(ledger, claim({ eventId: undefined }))).toMatchObject({ entry: { lastEventId: 'ev-0' } });
    });

    it('takes over an expired lease (expiring now counts as expired)', async () => {
      for (const expiresAt of [later(-1), now]) {
        const ledger = new InMemoryLedger();
        await ledger.create(ledgerRow(vm, { leaseOwner: 'crashed', leaseExpiresAt: expiresAt.toISOString() }));
        expect(await claimVm(ledger, claim())).toMatchObject({ claimed: true, entry: { leaseOwner: 'inv-a' } });
      }
    });

    it('refuses a lease another owner holds, without writing', async () => {
      const ledger = new InMemoryLedger();
      const held = await ledger.create(
        ledgerRow(vm, { status: 'protecting', leaseOwner: 'inv-b', leaseExpiresAt: later(1).toISOString() }),
      );
      expect(await claimVm(ledger, claim())).toEqual({
        claimed: false,
        heldBy: 'inv-b',
        leaseExpiresAt: later(1).toISOString(),
      });
      expect(await ledger.get(vm.key)).toEqual(held);
    });

    it('renews a lease its own owner holds (the same invocation claiming again)', async () => {
      const ledger = new InMemoryLedger();
      await ledger.create(ledgerRow(vm, { leaseOwner: 'inv-a', leaseExpiresAt: later(1_000).toISOString() }));
      expect(await claimVm(ledger, claim({ now: later(500) }))).toMatchObject({
        claimed: true,
        entry: { leaseExpiresAt: later(60_500).toISOString() },
      });
    });

    it('lets exactly one of two concurrent take-overs of an expired lease win', async () => {
      const ledger = new InMemoryLedger();
      await ledger.create(ledgerRow(vm, { leaseOwner: 'crashed', leaseExpiresAt: now.toISOString() }));
      const results = await Promise.all([
        claimVm(ledger, claim({ owner: 'a', now: later(1) })),
        claimVm(ledger, claim({ owner: 'b', now: later(1) })),
      ]);
      expect(results.filter((result) => result.claimed)).toHaveLength(1);
      const holder = (await ledger.get(vm.key))?.leaseOwner;
      expect(['a', 'b']).toContain(holder);
      expect(results.find((result) => !result.claimed)).toMatchObject({ heldBy: holder });
    });

    it('rethrows an update failure that is not a lost race', async () => {
      const ledger = new InMemoryLedger();
      await ledger.create(ledgerRow(vm));
      const down = new Error('table unavailable');
      ledger.update = () => Promise.reject(down);
      await expect(claimVm(ledger, claim())).rejects.toBe(down);
    });
  });
});

describe('isLeaseHeld', () => {
  const row = (lease: Partial<LedgerEntry>): LedgerEntry => ({ ...ledgerRow(vm), etag: 'e', ...lease });

  it.each<{ lease: string; fields: Partial<LedgerEntry>; held: boolean }>([
    { lease: 'no owner', fields: {}, held: false },
    { lease: 'an owner without an expiry', fields: { leaseOwner: 'inv-b' }, held: false },
    { lease: 'the same owner', fields: { leaseOwner: 'inv-a', leaseExpiresAt: later(1).toISOString() }, held: false },
    {
      lease: 'another owner, ahead',
      fields: { leaseOwner: 'inv-b', leaseExpiresAt: later(1).toISOString() },
      held: true,
    },
    {
      lease: 'another owner, ending now',
      fields: { leaseOwner: 'inv-b', leaseExpiresAt: now.toISOString() },
      held: false,
    },
    {
      lease: 'another owner, past',
      fields: { leaseOwner: 'inv-b', leaseExpiresAt: later(-1).toISOString() },
      held: false,
    },
  ])('$lease -> held: $held', ({ fields, held }) => {
    expect(isLeaseHeld(row(fields), 'inv-a', now)).toBe(held);
  });
});

describe('ClaimHeldError', () => {
  it('is a transient claim-held error naming the holder, with the lease as Retry-After', () => {
    const error = new ClaimHeldError(vm.key, 'inv-b', 42_000);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      code: 'claim-held',
      retryAfterMs: 42_000,
      context: { vmKey: vm.key, heldBy: 'inv-b' },
    });
  });
});
