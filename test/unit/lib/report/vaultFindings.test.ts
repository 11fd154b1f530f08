import type { ProtectedItemInfo } from '../../../../src/lib/azure/ports';
import { remediationFor } from '../../../../src/lib/report/remediation';
import { containerKey, scanVault } from '../../../../src/lib/report/vaultFindings';
import { parseVmResourceId } from '../../../../src/lib/resourceId';
import { HOUR } from '../../../helpers/factories/report';
import { TEST_SUBSCRIPTION, vaultRoute, vmId } from '../../../helpers/factories/rules';
import { FakeBackupGateway } from '../../../helpers/fakes/fakeAzure';

const now = new Date('2026-03-02T12:00:00Z');
const STALE_AFTER = 24 * HOUR;
const ago = (ms: number) => new Date(now.getTime() - ms);

/** A vault with fake items and jobs, and a scan of it that records the VMs it reports protected. */
function harness(staleAfterMs = STALE_AFTER) {
  const backup = new FakeBackupGateway(() => now);
  const vault = vaultRoute('eastus');
  const protectedVms: string[] = [];
  const restorePoints: string[] = [];
  const scan = () =>
    scanVault(backup, vault, {
      now,
      staleAfterMs,
      onProtectedVm: (vmKey, hasRestorePoint) => {
        protectedVms.push(vmKey);
        if (hasRestorePoint) restorePoints.push(vmKey);
      },
    });
  const vm = (name: string, resourceGroup = 'rg-app') => parseVmResourceId(vmId(name, resourceGroup));
  /** An item stored under a raw key, for shapes setItem cannot build (no parseable VM id). */
  const rawItem = (name: string, item: ProtectedItemInfo) =>
    backup.items.set(`${vault.vaultId.toLowerCase()}|${name}`, item);
  return { backup, vault, protectedVms, restorePoints, scan, vm, rawItem };
}

describe('scanVault', () => {
  it('counts items by state and reports every VM it protects, whatever the state', async () => {
    const h = harness();
    const a = h.vm('vm-a');
    const b = h.vm('vm-b');
    const c = h.vm('vm-c');
    h.backup.setItem(h.vault, a, { protectionState: 'Protected' });
    h.backup.setItem(h.vault, b, { protectionState: 'Protected' });
    h.backup.setItem(h.vault, c, { protectionState: 'ProtectionStopped' });
    h.rawItem('odd', { protectionState: 'Protected', vmResourceId: '/not/a/vm' });
    const d = h.vm('vm-d');
    h.backup.setItem(h.vault, d, { protectionState: 'ProtectionStopped', lastBackupTime: ago(HOUR) });

    const scan = await h.scan();

    expect(scan).toEqual({ itemCount: 5, itemsByState: { Protected: 3, ProtectionStopped: 2 }, findings: [] });
    expect(h.protectedVms).toEqual([a.key, b.key, c.key, d.key]);
    // A restore point: Protected, or a last backup (a stopped item keeps its data).
    expect(h.restorePoints).toEqual([a.key, b.key, d.key]);
  });

  it('does not list jobs when no item is pending', async () => {
    const h = harness();
    h.backup.setItem(h.vault, h.vm('vm-a'), { protectionState: 'Protected' });
    await h.scan();
    expect(h.backup.count('listJobs')).toBe(0);
  });

  it('lists jobs once for the vault, over twice the stale age but at least 7 days, up to a minute ahead', async () => {
    for (const [staleAfterMs, windowMs] of [
      [STALE_AFTER, 7 * 24 * HOUR],
      [5 * 24 * HOUR, 10 * 24 * HOUR],
    ] as const) {
      const h = harness(staleAfterMs);
      h.backup.setItem(h.vault, h.vm('vm-1'));
      h.backup.setItem(h.vault, h.vm('vm-2'));
      const listJobs = jest.spyOn(h.backup, 'listJobs');
      await h.scan();
      expect(listJobs).toHaveBeenCalledTimes(1);
      expect(listJobs).toHaveBeenCalledWith(h.vault, {
        from: new Date(now.getTime() - windowMs),
        to: new Date(now.getTime() + 60_000),
      });
    }
  });

  it('reports an item pending past the stale age with its last Backup job and the job’s error', async () => {
    const h = harness();
    const vm = h.vm('vm-stuck');
    h.backup.setItem(h.vault, vm, { policyName: 'DefaultPolicy', friendlyName: 'Stuck VM' });
    const configure = ago(30 * HOUR);
    h.backup.addJob(h.vault, vm, { operation: 'ConfigureBackup', status: 'Completed', startTime: configure });
    h.backup.addJob(h.vault, vm, {
      jobId: 'job-backup',
      operation: 'Backup',
      status: 'Failed',
      startTime: ago(29 * HOUR),
      endTime: ago(28 * HOUR),
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
      errorMessage: 'VM Agent unable to communicate with Azure Backup.',
    });

    const { findings } = await h.scan();

    expect(findings).toEqual([
      {
        kind: 'stale',
        group: 'attention',
        vmResourceId: vm.id,
        vmName: 'Stuck VM',
        subscriptionId: TEST_SUBSCRIPTION,
        resourceGroup: 'rg-app',
        region: 'eastus',
        reason: 'initial-backup-failed',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        errorMessage: 'VM Agent unable to communicate with Azure Backup.',
        action: remediationFor('stale', 'initial-backup-failed', 'UserErrorGuestAgentStatusUnavailable'),
        troubleshootingUrl:
          'https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout',
        since: configure.toISOString(),
        ageMs: 30 * HOUR,
        vaultId: h.vault.vaultId,
        vaultName: 'rsv-eastus',
        policyName: 'DefaultPolicy',
        protectionState: 'IRPending',
        lastJob: {
          jobId: 'job-backup',
          operation: 'Backup',
          status: 'Failed',
          startTime: ago(29 * HOUR).toISOString(),
          endTime: ago(28 * HOUR).toISOString(),
        },
      },
    ]);
  });

  it('names the reason after what happened: backup status, never started, or no job at all', async () => {
    const h = harness();
    const running = h.vm('vm-running');
    const neverStarted = h.vm('vm-never-started');
    const noJob = h.vm('vm-no-job');
    for (const vm of [running, neverStarted, noJob]) h.backup.setItem(h.vault, vm);
    h.backup.addJob(h.vault, running, { operation: 'ConfigureBackup', status: 'Completed', startTime: ago(48 * HOUR) });
    h.backup.addJob(h.vault, running, { operation: 'Backup', status: 'InProgress', startTime: ago(47 * HOUR) });
    h.backup.addJob(h.vault, neverStarted, {
      operation: 'ConfigureBackup',
      status: 'Completed',
      startTime: ago(48 * HOUR),
    });

    const { findings } = await h.scan();

    expect(findings.map((finding) => [finding.vmName, finding.reason, finding.lastJob?.operation])).toEqual([
      ['vm-running', 'initial-backup-inprogress', 'Backup'],
      ['vm-never-started', 'initial-backup-never-started', 'ConfigureBackup'],
      ['vm-no-job', 'initial-backup-pending', undefined],
    ]);
    const withoutJob = findings[2];
    expect(withoutJob?.since).toBeUndefined();
    expect(withoutJob?.ageMs).toBeUndefined();
    expect(withoutJob?.action).toBe(remediationFor('stale', 'initial-backup-pending'));
  });

  it('reports items configured within the stale age as pending, the boundary included, and older ones as stale', async () => {
    const h = harness();
    const edge = h.vm('vm-edge');
    const older = h.vm('vm-older');
    h.backup.setItem(h.vault, edge);
    h.backup.setItem(h.vault, older);
    h.backup.addJob(h.vault, edge, { operation: 'ConfigureBackup', status: 'Completed', startTime: ago(STALE_AFTER) });
    h.backup.addJob(h.vault, older, {
      operation: 'ConfigureBackup',
      status: 'Completed',
      startTime: ago(STALE_AFTER + 1),
    });
    const { findings } = await h.scan();
    expect(findings.map((finding) => [finding.vmName, finding.kind, finding.group])).toEqual([
      ['vm-edge', 'pending', 'pending'],
      ['vm-older', 'stale', 'attention'],
    ]);
    expect(findings[0]?.action).toBe(remediationFor('pending', 'initial-backup-never-started'));
  });

  it('measures from the latest ConfigureBackup job and reports the latest Backup job', async () => {
    const h = harness();
    const vm = h.vm('vm-retried');
    h.backup.setItem(h.vault, vm);
    h.backup.addJob(h.vault, vm, { operation: 'ConfigureBackup', status: 'Failed', startTime: ago(100 * HOUR) });
    h.backup.addJob(h.vault, vm, { operation: 'ConfigureBackup', status: 'Completed', startTime: ago(30 * HOUR) });
    h.backup.addJob(h.vault, vm, {
      operation: 'Backup',
      status: 'Failed',
      startTime: ago(20 * HOUR),
      errorCode: 'New',
    });
    h.backup.addJob(h.vault, vm, {
      operation: 'Backup',
      status: 'Completed',
      startTime: ago(29 * HOUR),
      errorCode: 'Old',
    });

    const [finding] = (await h.scan()).findings;

    expect(finding).toMatchObject({ ageMs: 30 * HOUR, reason: 'initial-backup-failed', errorCode: 'New' });
  });

  it('ignores jobs of other containers, jobs without a container and operations other than the two it reads', async () => {
    const h = harness();
    const vm = h.vm('vm-pending');
    h.backup.setItem(h.vault, vm);
    h.backup.addJob(h.vault, vm, { operation: 'ConfigureBackup', status: 'Completed', startTime: ago(30 * HOUR) });
    h.backup.addJob(h.vault, h.vm('vm-other'), { operation: 'Backup', status: 'Failed', startTime: ago(HOUR) });
    h.backup.addJob(h.vault, vm, { operation: 'Restore', status: 'Failed', startTime: ago(HOUR) });
    h.backup.addJob(h.vault, vm, { operation: 'Backup', containerName: undefined, startTime: ago(HOUR) });

    const [finding] = (await h.scan()).findings;
    expect(finding).toMatchObject({
      reason: 'initial-backup-never-started',
      lastJob: expect.objectContaining({ operation: 'ConfigureBackup' }),
    });
  });

  it('matches item and job containers in either naming and letter case', async () => {
    const h = harness();
    const vm = h.vm('MyVM', 'MyRG');
    h.backup.setItem(h.vault, vm, { containerName: 'IaasVMContainer;iaasvmcontainerv2;MyRG;MyVM' });
    h.backup.addJob(h.vault, vm, {
      operation: 'CONFIGUREBACKUP',
      status: 'Completed',
      containerName: 'iaasvmcontainerv2;myrg;myvm',
      startTime: ago(30 * HOUR),
    });
    const [finding] = (await h.scan()).findings;
    expect(finding).toMatchObject({ reason: 'initial-backup-never-started', ageMs: 30 * HOUR });
  });

  it('finds the container of an item without one from its VM id, and takes any letter case of IRPending', async () => {
    const h = harness();
    const vm = h.vm('vm-no-container');
    h.backup.setItem(h.vault, vm, { containerName: undefined, protectionState: 'irpending' });
    h.backup.addJob(h.vault, vm, { operation: 'ConfigureBackup', status: 'Completed', startTime: ago(30 * HOUR) });
    const { findings, itemsByState } = await h.scan();
    expect(itemsByState).toEqual({ irpending: 1 });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.ageMs).toBe(30 * HOUR);
  });

  it('reports a pending item whose VM id cannot be parsed as it is, and skips one it cannot key at all', async () => {
    const h = harness();
    h.rawItem('classic', {
      protectionState: 'IRPending',
      containerName: 'iaasvmcontainer;iaasvmcontainerv2;rg;classic',
      vmResourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ClassicCompute/virtualMachines/classic',
    });
    h.rawItem('keyless', { protectionState: 'IRPending' });

    const { findings, itemCount } = await h.scan();

    expect(itemCount).toBe(2);
    expect(findings).toEqual([
      expect.objectContaining({
        vmResourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ClassicCompute/virtualMachines/classic',
        vmName: '',
        subscriptionId: undefined,
        reason: 'initial-backup-pending',
      }),
    ]);
    expect(h.protectedVms).toEqual([]);
  });
});

describe('scanVault on items without a VM id', () => {
  it('keys a pending item by its container alone and names it by its friendly name', async () => {
    const h = harness();
    h.rawItem('no-id', {
      protectionState: 'IRPending',
      containerName: 'iaasvmcontainerv2;rg-old;legacy-vm',
      friendlyName: 'legacy-vm',
    });
    h.backup.jobs.push({
      jobId: 'job-cfg',
      operation: 'ConfigureBackup',
      status: 'Completed',
      containerName: 'iaasvmcontainerv2;rg-old;legacy-vm',
      startTime: ago(30 * HOUR),
      vaultId: h.vault.vaultId,
    });

    const { findings } = await h.scan();

    expect(findings).toEqual([
      expect.objectContaining({
        vmResourceId: '',
        vmName: 'legacy-vm',
        subscriptionId: undefined,
        reason: 'initial-backup-never-started',
        ageMs: 30 * HOUR,
      }),
    ]);
    expect(h.protectedVms).toEqual([]);
  });
});

describe('containerKey', () => {
  it.each([
    ['IaasVMContainer;iaasvmcontainerv2;RG;VM', 'iaasvmcontainerv2;rg;vm'],
    ['iaasvmcontainerv2;rg;vm', 'iaasvmcontainerv2;rg;vm'],
    ['IAASVMCONTAINERV2;RG;VM', 'iaasvmcontainerv2;rg;vm'],
    ['SomeOtherContainer;X', 'someothercontainer;x'],
  ])("keys '%s' as '%s'", (name, key) => {
    expect(containerKey(name)).toBe(key);
  });

  it('has no key for an absent or empty name', () => {
    expect(containerKey(undefined)).toBeUndefined();
    expect(containerKey('')).toBeUndefined();
  });
});
