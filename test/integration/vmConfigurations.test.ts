import { DEFAULT_SEED } from '../../simulator/src/index';
import { type RunnerHandle, startRunner } from '../../tools/local-runner/index';
import { requestJson } from '../../tools/shared/httpsJson';
import { simGet } from '../../tools/stack/simControl';
import type { Stack } from '../../tools/stack/startStack';
import {
  backupJobsOf,
  createSimVm,
  itemOf,
  latestReport,
  ledgerRow,
  repoRoot,
  simPost,
  simState,
  startE2eStack,
  waitFor,
} from '../helpers/e2eStack';

/**
 * The VMs Azure creates today, through the runner: Trusted Launch and Premium SSD v2 VMs get an Enhanced policy,
 * unsupported VMs are skipped before any write, a vault without an Enhanced policy fails the VM with what to create,
 * refusals the selection did not foresee are recorded once, a VM still provisioning waits, and a vault that cannot
 * resolve new VMs yet is refreshed once (per vault, also for 50 VMs at once on three runner processes).
 */

interface RequestEntry {
  time: string;
  method: string;
  path: string;
  operationId: string;
}

/** The simulator's request log since `since` (ISO). */
async function requestsSince(stack: Stack, since: string): Promise<RequestEntry[]> {
  const log = await simGet<{ entries: RequestEntry[] }>(stack, 'requests');
  return log.entries.filter((entry) => entry.time >= since);
}

/** Requests that named the VM in a vault (enable, read, trigger), by operationId. */
async function vaultCallsFor(stack: Stack, vmName: string, since: string): Promise<string[]> {
  return (await requestsSince(stack, since))
    .filter((entry) => {
      const path = decodeURIComponent(entry.path).toLowerCase();
      return path.includes('/vaults/') && path.includes(`;${vmName.toLowerCase()}`);
    })
    .map((entry) => entry.operationId);
}

const settled = (status: string | undefined) => status === 'backup-triggered' || status === 'protected';

/** Waits for the VM's ledger row to reach a status `accept` takes, and returns it. */
function rowWhen(stack: Stack, what: string, id: string, accept: (status: string | undefined) => boolean) {
  return waitFor(what, async () => {
    const row = await ledgerRow(stack, id);
    return row && accept(row.status) ? row : undefined;
  });
}

describe('protecting the VMs Azure creates today, end to end', () => {
  let stack: Stack;
  const extraRunners: RunnerHandle[] = [];

  beforeAll(async () => {
    ({ stack } = await startE2eStack({
      // A tag rule that names a Standard policy; westeurope's vault has no Enhanced policy at all.
      rules: {
        policies: [{ tag: 'tier', values: ['bronze'], policy: 'DefaultPolicy' }],
        defaultPolicy: 'DefaultPolicy',
      },
      simOptions: {
        seed: {
          ...DEFAULT_SEED,
          vaults: [
            { resourceGroup: 'rg-backup', name: 'rsv-eastus', location: 'eastus' },
            {
              resourceGroup: 'rg-backup',
              name: 'rsv-westeurope',
              location: 'westeurope',
              policies: [{ name: 'DefaultPolicy', kind: 'IaasV1Daily' }],
            },
          ],
        },
      },
    }));
  }, 60_000);

  afterAll(async () => {
    for (const runner of extraRunners) await runner.stop().catch(() => undefined);
    await stack?.stop();
  }, 60_000);

  it('protects an untagged Trusted Launch VM once, with the V2 policy and exactly one Backup job', async () => {
    const id = await createSimVm(stack, { resourceGroup: 'rg-tl', name: 'vm-tl', location: 'eastus' });
    const state = await waitFor('the item to be Protected', async () => {
      const s = await simState(stack);
      return itemOf(s, id)?.protectionState === 'Protected' ? s : undefined;
    });
    expect(itemOf(state, id)?.policyId?.split('/').pop()).toBe('EnhancedPolicy');
    expect(backupJobsOf(state, 'vm-tl')).toHaveLength(1);
    expect(
      state.jobs.filter((j) => j.operation === 'ConfigureBackup' && j.entityFriendlyName === 'vm-tl'),
    ).toHaveLength(1);
  });

  it('gives a Trusted Launch VM whose tag rule names a Standard policy the vault V2 policy, and says why', async () => {
    const id = await createSimVm(stack, {
      resourceGroup: 'rg-tl',
      name: 'vm-tl-bronze',
      location: 'eastus',
      tags: { tier: 'bronze' },
    });
    const row = await rowWhen(stack, 'the VM to be protected', id, settled);
    expect(row.policyName).toBe('EnhancedPolicy');
    expect(row.rule).toBe(
      'vault-route:eastus->rsv-eastus; policy[0]:tier=bronze->DefaultPolicy; enhanced-required:trusted-launch->EnhancedPolicy (the V2 policy of rsv-eastus)',
    );
    expect(
      itemOf(await simState(stack), id)
        ?.policyId?.split('/')
        .pop(),
    ).toBe('EnhancedPolicy');
  });

  it('gives a VM with a Premium SSD v2 data disk the V2 policy', async () => {
    const id = await createSimVm(stack, {
      resourceGroup: 'rg-disks',
      name: 'vm-pv2',
      location: 'eastus',
      securityType: 'Standard',
      dataDisks: [{ storageAccountType: 'PremiumV2_LRS' }],
    });
    const row = await rowWhen(stack, 'the VM to be protected', id, settled);
    expect(row.policyName).toBe('EnhancedPolicy');
    expect(row.rule).toContain('enhanced-required:premium-ssd-v2->EnhancedPolicy');
  });

  it('skips a VM with an ephemeral OS disk with its reason, sending the vault nothing', async () => {
    const since = new Date().toISOString();
    const id = await createSimVm(stack, {
      resourceGroup: 'rg-eph',
      name: 'vm-ephemeral',
      location: 'eastus',
      ephemeralOsDisk: true,
    });
    const row = await rowWhen(stack, 'a skipped row', id, (status) => status === 'skipped');
    expect(row).toMatchObject({
      reason: 'unsupported:ephemeral-os-disk',
      rule: 'vm-configuration:osDisk.diffDiskSettings',
    });
    expect(await vaultCallsFor(stack, 'vm-ephemeral', since)).toEqual([]);
    expect((await requestsSince(stack, since)).filter((e) => e.path.endsWith('/vm-ephemeral'))).not.toEqual([]);
  });

  it('fails a Trusted Launch VM enhanced-policy-required in a vault without a V2 policy, sending no PUT', async () => {
    const since = new Date().toISOString();
    const id = await createSimVm(stack, { resourceGroup: 'rg-tl', name: 'vm-tl-west', location: 'westeurope' });
    const row = await rowWhen(stack, 'a failed row', id, (status) => status === 'failed');
    expect(row).toMatchObject({
      reason: 'enhanced-policy-required',
      rule: 'vault-route:westeurope->rsv-westeurope; default-policy->DefaultPolicy; enhanced-required:trusted-launch->none in rsv-westeurope',
    });
    expect(await vaultCallsFor(stack, 'vm-tl-west', since)).toEqual([]);
    expect(
      (await requestsSince(stack, since)).filter((e) => e.operationId === 'ProtectedItems_CreateOrUpdate'),
    ).toEqual([]);

    await stack.runner.invoke('reportPendingBackups');
    const report = await waitFor('the report to list vm-tl-west', async () => {
      const r = await latestReport(stack).catch(() => undefined);
      return r?.findings.some((f) => f.vmName === 'vm-tl-west') ? r : undefined;
    });
    const finding = report.findings.find((f) => f.vmName === 'vm-tl-west');
    expect(finding).toMatchObject({ kind: 'failed', reason: 'enhanced-policy-required' });
    expect(finding?.action).toContain('create an Enhanced policy for Azure VMs in vault rsv-westeurope');
    const skipped = report.findings.find((f) => f.vmName === 'vm-ephemeral');
    expect(skipped).toMatchObject({ kind: 'skipped', reason: 'unsupported:ephemeral-os-disk' });
    expect(skipped?.action).toMatch(/ephemeral OS disk/);
  }, 60_000);

  it.each(['sync-400', 'failed-job'] as const)(
    'records a refusal the selection did not foresee (%s) with Azure code and message, and never retries it',
    async (mode) => {
      await simPost(stack, 'backup', { refusal: { mode } });
      try {
        const since = new Date().toISOString();
        const name = `vm-shared-${mode}`;
        // A shared disk is a disk property: the VM body does not show it, so autoprotect picks DefaultPolicy.
        const id = await createSimVm(stack, {
          resourceGroup: 'rg-disks',
          name,
          location: 'eastus',
          securityType: 'Standard',
          dataDisks: [{ storageAccountType: 'Premium_LRS', maxShares: 2 }],
        });
        const row = await rowWhen(stack, 'a failed row', id, (status) => status === 'failed');
        expect(row.errorCode).toBe('UserErrorVmConfigurationNotSupportedByPolicy');
        expect(row.reason).toMatch(/^policy-type-refused: .*shared disks, which only an Enhanced policy/);
        expect(row.attempts).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const puts = (await vaultCallsFor(stack, name, since)).filter((op) => op === 'ProtectedItems_CreateOrUpdate');
        expect(puts).toHaveLength(1);
      } finally {
        await simPost(stack, 'backup', { refusal: { mode: 'sync-400' } });
      }
    },
    60_000,
  );

  it('waits for a VM still being created, without spending attempts, then protects it', async () => {
    const id = await createSimVm(stack, {
      resourceGroup: 'rg-tl',
      name: 'vm-creating',
      location: 'eastus',
      provisioningState: 'Creating',
    });
    await waitFor('the check-back to be recorded', async () => {
      const r = await ledgerRow(stack, id);
      return r?.errorCode === 'operation-in-progress';
    });
    expect(itemOf(await simState(stack), id)).toBeUndefined();
    await simPatchVm(stack, 'rg-tl', 'vm-creating', { provisioningState: 'Succeeded' });
    const row = await waitFor(
      'the VM to be protected',
      async () => {
        const r = await ledgerRow(stack, id);
        return settled(r?.status) ? r : undefined;
      },
      30_000,
    );
    expect(row.attempts).toBe(1);
    expect(row.policyName).toBe('EnhancedPolicy');
  }, 60_000);

  describe('when the vault cannot resolve new VMs yet (discovery lag)', () => {
    beforeAll(async () => {
      await simPost(stack, 'backup', { discoveryLagSeconds: 600 });
    });
    afterAll(async () => {
      await simPost(stack, 'backup', { discoveryLagSeconds: 0 });
    });

    it('refreshes the vault containers once, then protects the VM', async () => {
      const since = new Date().toISOString();
      const id = await createSimVm(stack, { resourceGroup: 'rg-lag', name: 'vm-lag', location: 'eastus' });
      const row = await waitFor(
        'the VM to be protected',
        async () => {
          const r = await ledgerRow(stack, id);
          return settled(r?.status) ? r : undefined;
        },
        30_000,
      );
      expect(row.policyName).toBe('EnhancedPolicy');
      const made = await requestsSince(stack, since);
      expect(made.filter((e) => e.operationId === 'ProtectionContainers_Refresh')).toHaveLength(1);
      expect(made.filter((e) => e.operationId === 'ProtectedItems_CreateOrUpdate')).toHaveLength(2);
    }, 60_000);

    it('sends one refresh per vault for 50 VMs at once on three runner processes', async () => {
      for (const instance of ['local-2', 'local-3']) {
        extraRunners.push(
          await startRunner({
            appDir: repoRoot,
            settings: stack.info.appSettings,
            port: 0,
            onLog: () => undefined,
            instanceId: instance,
          }),
        );
      }
      const names = Array.from({ length: 50 }, (_, index) => `vm-burst-${String(index).padStart(2, '0')}`);
      const regionOf = (index: number) => (index % 2 === 0 ? 'eastus' : 'westeurope');
      // Every VM exists before the first event: create them without events, then write each once more (an update
      // event), all at once.
      await Promise.all(
        names.map((name, index) =>
          simPost(stack, 'vms', {
            resourceGroup: 'rg-burst',
            name,
            location: regionOf(index),
            securityType: 'Standard',
            emitEvents: false,
          }),
        ),
      );
      const since = new Date().toISOString();
      const ids = await Promise.all(
        names.map((name, index) =>
          createSimVm(stack, { resourceGroup: 'rg-burst', name, location: regionOf(index), securityType: 'Standard' }),
        ),
      );

      await waitFor(
        'all 50 VMs to be protected',
        async () => {
          const rows = await Promise.all(ids.map((id) => ledgerRow(stack, id)));
          return rows.every((r) => settled(r?.status));
        },
        90_000,
        500,
      );
      const refreshes = (await requestsSince(stack, since)).filter(
        (e) => e.operationId === 'ProtectionContainers_Refresh',
      );
      expect(refreshes.filter((e) => e.path.includes('/vaults/rsv-eastus/'))).toHaveLength(1);
      expect(refreshes.filter((e) => e.path.includes('/vaults/rsv-westeurope/'))).toHaveLength(1);
      const state = await simState(stack);
      for (const name of names) expect(backupJobsOf(state, name)).toHaveLength(1);
    }, 120_000);
  });
});

/** PATCH /_sim/vms/{sub}/{rg}/{name}: the VM's state changes without a Compute write or an event. */
async function simPatchVm(stack: Stack, resourceGroup: string, name: string, patch: Record<string, string>) {
  const response = await requestJson(
    'PATCH',
    `${stack.sim.url}/_sim/vms/${stack.info.subscriptionIds[0]}/${resourceGroup}/${name}`,
    { ca: stack.sim.caCert, body: patch, timeoutMs: 10_000 },
  );
  if (response.status !== 200) throw new Error(`PATCH answered ${response.status}`);
}
