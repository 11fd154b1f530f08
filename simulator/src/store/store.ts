import {
  type JobRecord,
  type OperationRecord,
  policyKeyOf,
  type PolicyRecord,
  type ProtectedItemRecord,
  type RefreshRecord,
  vaultKeyOf,
  type VaultRecord,
  type VmRecord,
} from './model';

/** A Map that counts its additions and removals, so a view computed from it can be kept until it changes. */
class VersionedMap<K, V> extends Map<K, V> {
  version = 0;

  override set(key: K, value: V): this {
    this.version++;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.version++;
    return super.delete(key);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }
}

/** In-memory state of the simulated cloud. Time-driven transitions are applied lazily by `settle(now)`. */
export class SimulatorStore {
  readonly subscriptions = new Set<string>();
  tenantId = '';
  allowCrossSubscription = true;
  readonly resourceGroups = new Set<string>();
  readonly vaults = new Map<string, VaultRecord>();
  readonly policies = new Map<string, PolicyRecord>();
  readonly vms = new Map<string, VmRecord>();
  readonly protectedItems = new VersionedMap<string, ProtectedItemRecord>();
  readonly operations = new Map<string, OperationRecord>();
  readonly jobs = new Map<string, JobRecord>();
  /** Discovery refresh operations by id. */
  readonly refreshOperations = new Map<string, RefreshRecord>();

  clear(): void {
    this.subscriptions.clear();
    this.resourceGroups.clear();
    this.vaults.clear();
    this.policies.clear();
    this.vms.clear();
    this.protectedItems.clear();
    this.operations.clear();
    this.jobs.clear();
    this.refreshOperations.clear();
  }

  vault(subscriptionId: string, resourceGroup: string, name: string): VaultRecord | undefined {
    return this.vaults.get(vaultKeyOf(subscriptionId, resourceGroup, name));
  }

  policy(vaultKey: string, name: string): PolicyRecord | undefined {
    return this.policies.get(policyKeyOf(vaultKey, name));
  }

  policiesOf(vaultKey: string): PolicyRecord[] {
    return [...this.policies.values()].filter((p) => p.vaultKey === vaultKey);
  }

  vm(id: string): VmRecord | undefined {
    return this.vms.get(id.toLowerCase());
  }

  /**
   * The vault's items, ordered by source VM id (case-insensitive), as the list pages serve them. Cached until an item
   * is added or removed: a 250,000-item report reads 1,250 pages, and grouping and sorting every item for each page
   * made the simulator, not the rate ARM grants, the limit (bench workload 4). Callers must not change the array.
   */
  itemsOf(vaultKey: string): ReadonlyArray<[string, ProtectedItemRecord]> {
    if (this.itemsByVault?.version !== this.protectedItems.version) {
      const byVault = new Map<string, Array<[string, ProtectedItemRecord]>>();
      for (const entry of this.protectedItems) {
        const list = byVault.get(entry[1].vaultKey) ?? [];
        list.push(entry);
        byVault.set(entry[1].vaultKey, list);
      }
      const collator = new Intl.Collator();
      for (const list of byVault.values())
        list.sort(([, a], [, b]) =>
          collator.compare(a.sourceResourceId.toLowerCase(), b.sourceResourceId.toLowerCase()),
        );
      this.itemsByVault = { version: this.protectedItems.version, byVault };
    }
    return this.itemsByVault.byVault.get(vaultKey) ?? [];
  }

  private itemsByVault?: { version: number; byVault: Map<string, Array<[string, ProtectedItemRecord]>> };

  /** The item protecting this VM in any vault, if one exists. */
  itemForVm(vmId: string): [string, ProtectedItemRecord] | undefined {
    const wanted = vmId.toLowerCase();
    for (const entry of this.protectedItems) if (entry[1].sourceResourceId.toLowerCase() === wanted) return entry;
    return undefined;
  }

  /** Lower-cased ids of every VM a protected item (in any vault) points at. */
  protectedVmIds(): Set<string> {
    const ids = new Set<string>();
    for (const item of this.protectedItems.values()) ids.add(item.sourceResourceId.toLowerCase());
    return ids;
  }

  jobsOf(vaultKey: string): JobRecord[] {
    return [...this.jobs.values()].filter((j) => j.vaultKey === vaultKey);
  }

  runningJob(itemKey: string, operation: JobRecord['operation'], now: number): JobRecord | undefined {
    for (const job of this.jobs.values())
      if (job.itemKey === itemKey && job.operation === operation && job.endTime > now) return job;
    return undefined;
  }

  runningOperation(itemKey: string, now: number, kinds: OperationRecord['kind'][]): OperationRecord | undefined {
    for (const op of this.operations.values())
      if (op.itemKey === itemKey && kinds.includes(op.kind) && op.endTime > now) return op;
    return undefined;
  }

  /** Applies every transition whose time has come: finished backups update their item, finished deletes remove it. */
  settle(now: number): void {
    const due = [...this.jobs.values()]
      .filter((j) => !j.settled && j.endTime <= now)
      .sort((a, b) => a.endTime - b.endTime);
    for (const job of due) {
      job.settled = true;
      const item = this.protectedItems.get(job.itemKey);
      if (job.operation === 'Backup' && item) applyBackupOutcome(item, job);
      if (job.operation === 'DeleteBackupData' && item?.deletingUntil !== undefined)
        this.protectedItems.delete(job.itemKey);
    }
  }
}

function applyBackupOutcome(item: ProtectedItemRecord, job: JobRecord): void {
  if (job.outcome.status === 'Completed') {
    const at = new Date(job.endTime).toISOString();
    item.protectionState = 'Protected';
    item.lastBackupStatus = 'Completed';
    item.lastBackupTime = at;
    item.lastRecoveryPoint = at;
    return;
  }
  item.lastBackupStatus = 'Failed';
}
