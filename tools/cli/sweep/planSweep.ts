import type { BackupGateway, BackupStatusInfo, VmDetails, VmReader } from '../../../src/lib/azure/ports';
import type { RulesConfig, VaultRoute } from '../../../src/lib/config';
import { hasRestorePoint } from '../../../src/lib/report/vaultFindings';
import { tryParseVmResourceId } from '../../../src/lib/resourceId';
import { backupRequirementOf } from '../../../src/lib/rules/backupRequirement';
import { evaluateVm, normaliseRegion } from '../../../src/lib/rules/evaluateVm';

/** The reason of a VM whose backupStatus could not be read (it is not enqueued; the sweep reports it). */
export const CHECK_FAILED = 'check-failed';

/** What the sweep does with one watched VM, and why. */
export interface SweepDecision {
  vmResourceId: string;
  vmName: string;
  resourceGroup: string;
  location: string;
  action: 'enqueue' | 'leave';
  /**
   * e.g. 'unprotected', 'first-backup-missing', 'protected-in-vault', 'protected-elsewhere', 'opted-out',
   * 'no-vault-for-region', 'check-failed'.
   */
  reason: string;
  /** The rule that decided (rules' wording), when the rules decided. */
  rule?: string;
  vaultName?: string;
  /** The rules' policy; protectVm switches a VM that needs one to the vault's Enhanced policy. */
  policyName?: string;
  /** Why the VM needs an Enhanced (V2) policy, e.g. `trusted-launch` (docs/rules.md). */
  enhancedRequired?: string;
}

export interface SweepPlanOptions {
  subscriptionIds: readonly string[];
  vaults: readonly VaultRoute[];
  rules: RulesConfig;
}

export interface SweepHooks {
  /** Called once the VMs are listed, with how many will be checked. */
  onListed?(count: number): void;
  /** Called after each VM is decided. */
  onDecided?(decision: SweepDecision): void;
  /** A vault whose protected items could not be listed (its VMs are then checked one by one). */
  onVaultError?(vault: VaultRoute, error: unknown): void;
}

/**
 * Decides, for every VM of the watched subscriptions, whether a backfill should enqueue it: not when a configured
 * vault already has a restore point of it (one protected-items pass per vault), not when the rules skip it or route it
 * nowhere, and not when backupStatus says another vault protects it (asked only for VMs the vault passes did not
 * find). A VM protected in a configured vault but still without a first restore point (IRPending: its first backup
 * failed, or never ran) is enqueued too: protectVm then takes its first backup, or leaves it to the check-backs
 * already following one.
 */
export async function planSweep(
  deps: { vms: VmReader; backup: BackupGateway },
  options: SweepPlanOptions,
  hooks: SweepHooks = {},
): Promise<SweepDecision[]> {
  const protectedVms = await protectedVmsOf(deps.backup, options.vaults, hooks);
  const machines: VmDetails[] = [];
  for (const subscriptionId of options.subscriptionIds) {
    for await (const details of deps.vms.listVms(subscriptionId)) machines.push(details);
  }
  hooks.onListed?.(machines.length);
  const decisions: SweepDecision[] = [];
  for (const details of machines) {
    const decision = await decide(deps.backup, details, protectedVms, options);
    decisions.push(decision);
    hooks.onDecided?.(decision);
  }
  return decisions;
}

/** VM key -> the vault that protects it and whether a backup of it completed (a restore point). */
type ProtectedVms = Map<string, { vaultName: string; policyName?: string; restorePoint: boolean }>;

async function protectedVmsOf(
  backup: BackupGateway,
  vaults: readonly VaultRoute[],
  hooks: SweepHooks,
): Promise<ProtectedVms> {
  const found: ProtectedVms = new Map();
  for (const vault of vaults) {
    try {
      for await (const item of backup.listProtectedItems(vault)) {
        const vm = item.vmResourceId ? tryParseVmResourceId(item.vmResourceId) : undefined;
        if (!vm?.ok) continue;
        const restorePoint = hasRestorePoint(item) || found.get(vm.vm.key)?.restorePoint === true;
        found.set(vm.vm.key, { vaultName: vault.vaultName, policyName: item.policyName, restorePoint });
      }
    } catch (error) {
      hooks.onVaultError?.(vault, error);
    }
  }
  return found;
}

async function decide(
  backup: BackupGateway,
  details: VmDetails,
  protectedVms: ProtectedVms,
  options: SweepPlanOptions,
): Promise<SweepDecision> {
  const base = {
    vmResourceId: details.vm.id,
    vmName: details.vm.name,
    resourceGroup: details.vm.resourceGroup,
    location: details.location,
  };
  const item = protectedVms.get(details.vm.key);
  if (item?.restorePoint) return { ...base, action: 'leave', reason: 'protected-in-vault' };
  const decision = evaluateVm(details, options.rules, options.vaults);
  if (decision.action !== 'protect') return { ...base, action: 'leave', reason: decision.reason, rule: decision.rule };
  const requirement = backupRequirementOf(details);
  if (requirement.kind === 'unsupported')
    return { ...base, action: 'leave', reason: requirement.reason, rule: requirement.rule };
  if (item)
    return {
      ...base,
      action: 'enqueue',
      reason: 'first-backup-missing',
      rule: decision.rule,
      vaultName: item.vaultName,
      policyName: item.policyName,
    };
  let status: BackupStatusInfo;
  try {
    status = await backup.getBackupStatus(details.vm, normaliseRegion(details.location));
  } catch (error) {
    return { ...base, action: 'leave', reason: CHECK_FAILED, rule: errorCodeOf(error) };
  }
  if (status.protected)
    return {
      ...base,
      action: 'leave',
      reason: 'protected-elsewhere',
      rule: `backup-status:${status.vaultId?.split('/').at(-1) ?? 'unknown-vault'}`,
    };
  return {
    ...base,
    action: 'enqueue',
    reason: 'unprotected',
    rule: decision.rule,
    vaultName: decision.vault.vaultName,
    policyName: decision.policyName,
    ...(requirement.kind === 'enhanced' ? { enhancedRequired: requirement.causes.join('+') } : {}),
  };
}

function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as { message?: unknown } | null)?.message;
  return `${typeof code === 'string' ? code : 'error'}: ${typeof message === 'string' ? message.split(/\r?\n/)[0] : String(error)}`.slice(
    0,
    200,
  );
}
