import { itemContainerNameOf } from '../../../src/lib/azure/backupNames';
import type {
  AsyncOperationRef,
  BackupGateway,
  BackupJobInfo,
  BackupPolicyInfo,
  BackupStatusInfo,
  JobQuery,
  OperationStatusInfo,
  ProtectedItemInfo,
  VmDetails,
  VmReader,
} from '../../../src/lib/azure/ports';
import type { VaultRoute } from '../../../src/lib/config';
import type { VmResourceId } from '../../../src/lib/resourceId';
import type { PolicyType } from '../../../src/lib/rules/policyFit';

/** VMs kept in memory; `failures` scripts errors thrown by the next getVm calls. */
export class FakeVmReader implements VmReader {
  readonly vms = new Map<string, VmDetails>();
  readonly failures: unknown[] = [];
  getCalls = 0;

  add(details: VmDetails): this {
    this.vms.set(details.vm.key, details);
    return this;
  }

  async getVm(vm: VmResourceId): Promise<VmDetails | null> {
    this.getCalls++;
    const failure = this.failures.shift();
    // Scripted failures are whatever the SDK would throw, RestError-shaped objects included.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (failure !== undefined) throw failure;
    return this.vms.get(vm.key) ?? null;
  }

  async *listVms(subscriptionId: string): AsyncIterable<VmDetails> {
    for (const details of this.vms.values())
      if (details.vm.subscriptionId === subscriptionId.toLowerCase()) yield details;
  }
}

interface FakeOperation {
  vaultId: string;
  pollsLeft: number;
  final: OperationStatusInfo;
  onDone?: () => void;
  /** Azure's `startTime`, answered while it runs (when set). */
  startedAt?: Date;
}

type GatewayMethod = keyof BackupGateway;

/**
 * A Recovery Services vault model with the service's observable behaviour: enabling creates an IRPending item when
 * its operation completes; triggering creates an InProgress Backup job. Counts writes; scripts failures per method.
 */
export class FakeBackupGateway implements BackupGateway {
  /** `{vaultId}|{policy}` (lower case) -> the policy's name and type. */
  readonly policies = new Map<string, BackupPolicyInfo>();
  readonly items = new Map<string, ProtectedItemInfo>();
  readonly statuses = new Map<string, BackupStatusInfo>();
  readonly jobs: Array<BackupJobInfo & { vaultId: string }> = [];
  readonly operations = new Map<string, FakeOperation>();
  readonly failures = new Map<GatewayMethod, unknown[]>();
  readonly calls: Array<{ method: GatewayMethod; vmKey?: string }> = [];
  /** How many polls an enable operation stays InProgress. */
  enablePolls = 1;
  /** Status the next enable operation ends with. */
  enableOutcome: OperationStatusInfo = { status: 'Succeeded' };
  /** When false, enabling starts an operation that never completes on its own. */
  operationsComplete = true;
  /** How many polls a container refresh stays InProgress. */
  refreshPolls = 0;
  private readonly refreshes = new Map<string, number>();
  private counter = 0;

  /** `now` stamps new jobs; listJobs only returns jobs that started inside the query window, like the service. */
  constructor(private readonly now: () => Date = () => new Date()) {}

  addPolicy(vault: VaultRoute, policyName: string, policyType: PolicyType = 'V1'): this {
    this.policies.set(`${vault.vaultId}|${policyName}`.toLowerCase(), { name: policyName, policyType });
    return this;
  }

  removePolicy(vault: VaultRoute, policyName: string): this {
    this.policies.delete(`${vault.vaultId}|${policyName}`.toLowerCase());
    return this;
  }

  setItem(vault: VaultRoute, vm: VmResourceId, item: Partial<ProtectedItemInfo> = {}): void {
    this.items.set(itemKey(vault, vm), {
      protectionState: 'IRPending',
      containerName: itemContainerNameOf(vm),
      friendlyName: vm.name,
      vmResourceId: vm.id,
      ...item,
    });
  }

  addJob(vault: VaultRoute, vm: VmResourceId, job: Partial<BackupJobInfo>): BackupJobInfo {
    const created = {
      jobId: `job-${++this.counter}`,
      operation: 'Backup',
      status: 'InProgress',
      containerName: itemContainerNameOf(vm),
      entityFriendlyName: vm.name,
      startTime: this.now(),
      ...job,
      vaultId: vault.vaultId,
    };
    this.jobs.push(created);
    return created;
  }

  failNext(method: GatewayMethod, ...errors: unknown[]): this {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
    return this;
  }

  count(method: GatewayMethod): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  async getBackupStatus(vm: VmResourceId): Promise<BackupStatusInfo> {
    this.enter('getBackupStatus', vm);
    return this.statuses.get(vm.key) ?? { protected: false };
  }

  async policyExists(vault: VaultRoute, policyName: string): Promise<boolean> {
    this.enter('policyExists');
    return this.policies.has(`${vault.vaultId}|${policyName}`.toLowerCase());
  }

  async listPolicies(vault: VaultRoute): Promise<BackupPolicyInfo[]> {
    this.enter('listPolicies');
    const prefix = `${vault.vaultId}|`.toLowerCase();
    return [...this.policies].filter(([key]) => key.startsWith(prefix)).map(([, policy]) => ({ ...policy }));
  }

  async refreshContainers(_vault: VaultRoute): Promise<AsyncOperationRef> {
    this.enter('refreshContainers');
    const operationId = `refresh-${++this.counter}`;
    this.refreshes.set(operationId, this.refreshPolls);
    return { operationId, retryAfterMs: 0 };
  }

  /** Ends every container refresh started so far. */
  endRefreshes(): void {
    for (const operationId of this.refreshes.keys()) this.refreshes.set(operationId, 0);
  }

  async getRefreshStatus(_vault: VaultRoute, operationId: string): Promise<'InProgress' | 'Succeeded'> {
    this.enter('getRefreshStatus');
    const left = this.refreshes.get(operationId) ?? 0;
    if (left <= 0) return 'Succeeded';
    this.refreshes.set(operationId, left - 1);
    return 'InProgress';
  }

  async getProtectedItem(vault: VaultRoute, vm: VmResourceId): Promise<ProtectedItemInfo | null> {
    this.enter('getProtectedItem', vm);
    const item = this.items.get(itemKey(vault, vm));
    return item ? { ...item } : null;
  }

  async enableProtection(vault: VaultRoute, vm: VmResourceId, policyName: string): Promise<AsyncOperationRef> {
    this.enter('enableProtection', vm);
    const operationId = `op-${++this.counter}`;
    const outcome = this.enableOutcome;
    this.operations.set(operationId, {
      vaultId: vault.vaultId,
      pollsLeft: this.operationsComplete ? this.enablePolls : Number.POSITIVE_INFINITY,
      final: outcome,
      onDone: () => {
        if (outcome.status === 'Succeeded') this.setItem(vault, vm, { policyName });
      },
    });
    return { operationId, retryAfterMs: 0 };
  }

  async getOperationStatus(_vault: VaultRoute, operationId: string): Promise<OperationStatusInfo> {
    this.enter('getOperationStatus');
    const operation = this.operations.get(operationId);
    if (!operation) return { status: 'Invalid' };
    if (operation.pollsLeft > 0) {
      operation.pollsLeft--;
      return { status: 'InProgress', ...(operation.startedAt ? { startedAt: operation.startedAt } : {}) };
    }
    if (operation.onDone) {
      operation.onDone();
      operation.onDone = undefined;
    }
    return operation.final;
  }

  async triggerBackup(vault: VaultRoute, vm: VmResourceId, _expiry: Date): Promise<AsyncOperationRef> {
    this.enter('triggerBackup', vm);
    const job = this.addJob(vault, vm, {});
    const operationId = `op-${++this.counter}`;
    this.operations.set(operationId, {
      vaultId: vault.vaultId,
      pollsLeft: 0,
      final: { status: 'Succeeded', jobId: job.jobId },
    });
    return { operationId };
  }

  async *listJobs(vault: VaultRoute, query: JobQuery): AsyncIterable<BackupJobInfo> {
    this.enter('listJobs');
    for (const job of this.jobs) {
      const started = job.startTime?.getTime() ?? 0;
      const inWindow = started >= query.from.getTime() && started <= query.to.getTime();
      if (job.vaultId === vault.vaultId && inWindow && (!query.operation || job.operation === query.operation))
        yield job;
    }
  }

  async getJob(vault: VaultRoute, jobId: string): Promise<BackupJobInfo | null> {
    this.enter('getJob');
    return this.jobs.find((job) => job.vaultId === vault.vaultId && job.jobId === jobId) ?? null;
  }

  async *listProtectedItems(vault: VaultRoute): AsyncIterable<ProtectedItemInfo> {
    this.enter('listProtectedItems');
    const prefix = `${vault.vaultId.toLowerCase()}|`;
    for (const [key, item] of this.items) if (key.startsWith(prefix)) yield { ...item };
  }

  private enter(method: GatewayMethod, vm?: VmResourceId): void {
    this.calls.push({ method, vmKey: vm?.key });
    const failure = this.failures.get(method)?.shift();
    // Scripted failures are whatever the SDK would throw, RestError-shaped objects included.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (failure !== undefined) throw failure;
  }
}

function itemKey(vault: VaultRoute, vm: VmResourceId): string {
  return `${vault.vaultId.toLowerCase()}|${vm.key}`;
}
