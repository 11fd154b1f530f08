import { claimVm } from '../../src/lib/ledger/claimVm';
import { type Ledger, LedgerConflictError } from '../../src/lib/ledger/ledger';
import { parseVmResourceId } from '../../src/lib/resourceId';
import { vmId } from './factories/rules';

/** The behaviour every Ledger implementation must have; run against the in-memory fake and the Table ledger. */
export function describeLedgerContract(name: string, makeLedger: () => Ledger | Promise<Ledger>): void {
  describe(`${name} (ledger contract)`, () => {
    const now = new Date('2026-01-01T00:00:00Z');
    let ledger: Ledger;
    let vmCounter = 0;
    const nextVm = () =>
      parseVmResourceId(vmId(`vm-contract-${++vmCounter}-${Math.random().toString(36).slice(2, 8)}`, 'RG-Mixed'));

    beforeEach(async () => {
      ledger = await makeLedger();
    });

    it('creates a row on the first claim and reads it back', async () => {
      const vm = nextVm();
      const result = await claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now, attempt: 1, eventId: 'ev-1' });
      expect(result.claimed).toBe(true);
      const row = await ledger.get(vm.key);
      expect(row).toMatchObject({
        vmKey: vm.key,
        vmResourceId: vm.id,
        status: 'requested',
        leaseOwner: 'a',
        lastEventId: 'ev-1',
        attempts: 1,
        operationIds: [],
        jobIds: [],
      });
      expect(row?.leaseExpiresAt).toBe('2026-01-01T00:01:00.000Z');
    });

    it('refuses a second claim while the lease is held, and grants it once the lease expired', async () => {
      const vm = nextVm();
      await claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now, attempt: 1 });
      const blocked = await claimVm(ledger, {
        vm,
        owner: 'b',
        leaseMs: 60_000,
        now: new Date(now.getTime() + 1_000),
        attempt: 1,
      });
      expect(blocked).toEqual({ claimed: false, heldBy: 'a', leaseExpiresAt: '2026-01-01T00:01:00.000Z' });
      const granted = await claimVm(ledger, {
        vm,
        owner: 'b',
        leaseMs: 60_000,
        now: new Date(now.getTime() + 61_000),
        attempt: 2,
      });
      expect(granted.claimed).toBe(true);
      expect((await ledger.get(vm.key))?.leaseOwner).toBe('b');
    });

    it('lets exactly one of two concurrent claims win', async () => {
      const vm = nextVm();
      const results = await Promise.all([
        claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now, attempt: 1 }),
        claimVm(ledger, { vm, owner: 'b', leaseMs: 60_000, now, attempt: 1 }),
      ]);
      expect(results.filter((result) => result.claimed)).toHaveLength(1);
      const winner = results.find((result) => result.claimed);
      expect((await ledger.get(vm.key))?.leaseOwner).toBe(winner?.claimed ? winner.entry.leaseOwner : 'none');
    });

    it('lets exactly one of two concurrent take-overs of an expired lease win', async () => {
      const vm = nextVm();
      await claimVm(ledger, { vm, owner: 'old', leaseMs: 1_000, now, attempt: 1 });
      const later = new Date(now.getTime() + 5_000);
      const results = await Promise.all([
        claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now: later, attempt: 2 }),
        claimVm(ledger, { vm, owner: 'b', leaseMs: 60_000, now: later, attempt: 2 }),
      ]);
      expect(results.filter((result) => result.claimed)).toHaveLength(1);
    });

    it('rejects an update made with a stale etag', async () => {
      const vm = nextVm();
      const claim = await claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now, attempt: 1 });
      if (!claim.claimed) throw new Error('claim expected');
      const updated = await ledger.update(claim.entry, { status: 'protecting', operationIds: ['op-1'] });
      await expect(ledger.update(claim.entry, { status: 'failed' })).rejects.toBeInstanceOf(LedgerConflictError);
      const next = await ledger.update(updated, {
        status: 'backup-triggered',
        jobIds: ['job-1'],
        leaseOwner: undefined,
        leaseExpiresAt: undefined,
      });
      const row = await ledger.get(vm.key);
      expect(row).toMatchObject({
        status: 'backup-triggered',
        operationIds: ['op-1'],
        jobIds: ['job-1'],
        etag: next.etag,
      });
      expect(row?.leaseOwner).toBeUndefined();
    });

    it('rejects creating a row that exists', async () => {
      const vm = nextVm();
      await claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now, attempt: 1 });
      const base = {
        vmKey: vm.key,
        vmResourceId: vm.id,
        subscriptionId: vm.subscriptionId,
        status: 'requested' as const,
        attempts: 1,
        operationIds: [],
        jobIds: [],
        firstSeen: '',
        lastChanged: '',
      };
      await expect(ledger.create(base)).rejects.toBeInstanceOf(LedgerConflictError);
    });

    it('lists rows filtered by status', async () => {
      const failedVm = nextVm();
      const skippedVm = nextVm();
      for (const [vm, status] of [
        [failedVm, 'failed'],
        [skippedVm, 'skipped'],
      ] as const) {
        const claim = await claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now, attempt: 1 });
        if (!claim.claimed) throw new Error('claim expected');
        await ledger.update(claim.entry, { status, reason: `because-${status}` });
      }
      const failed: string[] = [];
      for await (const row of ledger.list({ statuses: ['failed'] })) failed.push(row.vmKey);
      expect(failed).toContain(failedVm.key);
      expect(failed).not.toContain(skippedVm.key);
    });

    it('keeps the first backup fields, and clears those set to undefined', async () => {
      const vm = nextVm();
      const claim = await claimVm(ledger, { vm, owner: 'a', leaseMs: 60_000, now, attempt: 1 });
      if (!claim.claimed) throw new Error('claim expected');
      const story = {
        status: 'first-backup-failed' as const,
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        errorMessage: 'VM Agent unable to communicate with Azure Backup.',
        protectionEnabledAt: '2026-01-01T00:00:41.000Z',
        firstBackupTriggeredAt: '2026-01-01T00:00:42.000Z',
        firstBackupReads: 7,
        backupAttempts: [
          {
            trigger: 'first' as const,
            at: '2026-01-01T00:00:42.000Z',
            jobId: 'j1',
            status: 'Failed',
            endedAt: '2026-01-01T00:03:00.000Z',
            errorCode: 'UserErrorGuestAgentStatusUnavailable',
          },
          { trigger: 'retry' as const, at: '2026-01-01T00:08:00.000Z', after: 'UserErrorGuestAgentStatusUnavailable' },
        ],
        checkBackToken: 'token-1',
        nextCheckBackAt: '2026-01-01T00:10:00.000Z',
      };
      const written = await ledger.update(claim.entry, story);
      expect(await ledger.get(vm.key)).toMatchObject(story);
      await ledger.update(written, { status: 'protected', checkBackToken: undefined, nextCheckBackAt: undefined });
      const cleared = await ledger.get(vm.key);
      expect(cleared?.checkBackToken).toBeUndefined();
      expect(cleared?.nextCheckBackAt).toBeUndefined();
      expect(cleared).toMatchObject({ status: 'protected', firstBackupReads: 7, backupAttempts: story.backupAttempts });
      const listed: string[] = [];
      for await (const row of ledger.list({ statuses: ['protected'] })) listed.push(row.vmKey);
      expect(listed).toContain(vm.key);
    });
  });
}
