/** Typed configuration of the simulator: options, their defaults, and the seed shape. */

export interface SimulatorTiming {
  /** ConfigureBackup operation + job duration. */
  configureBackupMs: number;
  /** The backup trigger operation (job creation). */
  backupOperationMs: number;
  /** Backup job duration until Completed/Failed. */
  backupJobMs: number;
  /** Duration of the DELETE (stop protection + delete data) operation. */
  deleteMs: number;
  /** Value of Retry-After on 202s (the real service sends 60). */
  retryAfterSeconds: number;
}

export interface BucketConfig {
  size: number;
  refillPerSecond: number;
}

export interface ThrottlingConfig {
  enabled: boolean;
  reads: BucketConfig;
  writes: BucketConfig;
  deletes: BucketConfig;
}

export interface NoiseConfig {
  /** After a VM create, also emit a write event for a VM update (same subject, with httpRequest). */
  updateAfterCreate: boolean;
  /** After a VM create, also emit a write event for an extension write. */
  extensionWriteAfterCreate: boolean;
  /** Probability (0..1) that a delivery is sent twice. */
  duplicateDeliveryRate: number;
}

export interface EventGridConfig {
  /** Multiplies the real redelivery schedule (10 s, 30 s, 1 min, ...). Default 0.02: first retry after 0.2 s. */
  retryScale: number;
  /** How long the simulator waits for a webhook answer, in ms (real: 30 s). */
  deliveryTimeoutMs: number;
}

/** How Compute refusals the simulator models are answered (simulator/src/vmNames.ts). */
export interface ComputeConfig {
  /** Status and code of the refusal of a VM name Compute refuses. UNVERIFIED: default 400 InvalidParameter. */
  invalidVmName: { statusCode: number; code: string };
}

/**
 * How Recovery Services refuses a VM configuration the chosen policy cannot protect (simulator/src/backupSupport.ts).
 * Azure publishes neither the code nor whether the refusal is synchronous (vm-backup-support.md §1): UNVERIFIED.
 */
export interface RefusalConfig {
  /** `sync-400`: the PUT answers `statusCode` at once. `failed-job`: the PUT is accepted, its ConfigureBackup fails. */
  mode: 'sync-400' | 'failed-job';
  /** HTTP status of the synchronous refusal (`sync-400` mode). */
  statusCode: number;
  /** `error.code` of the refusal (both modes; the failed job's `errorTitle`). */
  code: string;
}

/** Recovery Services behaviour that Azure does not publish, and optional realism (off by default). */
export interface BackupConfig {
  refusal: RefusalConfig;
  /**
   * A VM created less than this many seconds ago cannot be resolved by the protected-item PUT until a refresh of the
   * vault's containers (started after the VM was created) has ended. 0 = off (every VM resolves at once).
   */
  discoveryLagSeconds: number;
}

export interface VaultSeed {
  resourceGroup: string;
  name: string;
  location: string;
  policies?: PolicySeed[];
}

export interface PolicySeed {
  name: string;
  kind: 'IaasV1Daily' | 'IaasV2Hourly' | 'IaasV2Daily';
}

/** The configuration of a VM created by POST /_sim/vms or a seed (simulator/src/vmProfile.ts builds its body). */
export interface VmShape {
  /** Default `TrustedLaunch`: the default for new Gen2 VMs (vm-backup-support.md §1). `Standard` = no securityType. */
  securityType?: 'Standard' | 'TrustedLaunch' | 'ConfidentialVM';
  /** An ephemeral OS disk (`osDisk.diffDiskSettings`). */
  ephemeralOsDisk?: boolean;
  /** Managed data disks; `maxShares` > 1 makes a shared disk (not shown in the VM body). */
  dataDisks?: Array<{ storageAccountType: string; maxShares?: number }>;
  priority?: 'Regular' | 'Spot';
  /** Compute's provisioning state; default `Succeeded`. */
  provisioningState?: 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';
}

export interface VmSeed extends VmShape {
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  guestAgent?: 'ready' | 'unavailable';
}

export interface SeedConfig {
  subscriptionId: string;
  tenantId: string;
  /** Other subscriptions of the same tenant that exist (VMs may be created there). */
  extraSubscriptionIds?: string[];
  /**
   * Extra resource groups (in subscriptionId) that exist, besides those of the vaults; POST /_sim/vms creates its
   * group.
   */
  resourceGroups?: string[];
  vaults: VaultSeed[];
  vms?: VmSeed[];
  /** Allow a VM in another subscription of the tenant to be protected (recent Azure behaviour). Default true. */
  allowCrossSubscription?: boolean;
}

export interface SimulatorOptions {
  /** 0 or undefined = a free port. */
  port?: number;
  /** Where the self-signed CA + server cert live; default <repo>/.local/simulator. */
  dataDir?: string;
  seed?: SeedConfig;
  timing?: Partial<SimulatorTiming>;
  throttling?: Partial<ThrottlingConfig>;
  noise?: Partial<NoiseConfig>;
  eventGrid?: Partial<EventGridConfig>;
  compute?: Partial<ComputeConfig>;
  backup?: { refusal?: Partial<RefusalConfig>; discoveryLagSeconds?: number };
  quiet?: boolean;
  /**
   * Print one JSON line per ARM request (level, message "simulator.request", time, method, path, operationId, status,
   * durationMs).
   */
  logRequests?: boolean;
}

export const DEFAULT_TIMING: SimulatorTiming = {
  configureBackupMs: 3000,
  backupOperationMs: 500,
  backupJobMs: 30000,
  deleteMs: 3000,
  retryAfterSeconds: 1,
};

/** Closer to the recorded service: 41 s configure, 1 s trigger, minutes-long backup, Retry-After 60. */
export const REALISTIC_TIMING: SimulatorTiming = {
  configureBackupMs: 41000,
  backupOperationMs: 1000,
  backupJobMs: 10 * 60_000,
  deleteMs: 46000,
  retryAfterSeconds: 60,
};

export const DEFAULT_THROTTLING: ThrottlingConfig = {
  enabled: true,
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

export const DEFAULT_NOISE: NoiseConfig = {
  updateAfterCreate: false,
  extensionWriteAfterCreate: false,
  duplicateDeliveryRate: 0,
};

export const DEFAULT_EVENT_GRID: EventGridConfig = {
  retryScale: 0.02,
  deliveryTimeoutMs: 30000,
};

export const DEFAULT_COMPUTE: ComputeConfig = {
  invalidVmName: { statusCode: 400, code: 'InvalidParameter' },
};

/** The refusal code is a placeholder (UNVERIFIED, docs/simulator.md "VM configurations and policy types"). */
export const DEFAULT_BACKUP: BackupConfig = {
  refusal: { mode: 'sync-400', statusCode: 400, code: 'UserErrorVmConfigurationNotSupportedByPolicy' },
  discoveryLagSeconds: 0,
};

export const DEFAULT_SEED: SeedConfig = {
  subscriptionId: '11111111-1111-1111-1111-111111111111',
  tenantId: '22222222-2222-2222-2222-222222222222',
  vaults: [
    { resourceGroup: 'rg-backup', name: 'rsv-eastus', location: 'eastus' },
    { resourceGroup: 'rg-backup', name: 'rsv-westeurope', location: 'westeurope' },
  ],
  vms: [],
  allowCrossSubscription: true,
};

export const DEFAULT_POLICIES: PolicySeed[] = [
  { name: 'DefaultPolicy', kind: 'IaasV1Daily' },
  { name: 'EnhancedPolicy', kind: 'IaasV2Hourly' },
];

export function mergeThrottling(base: ThrottlingConfig, patch: Partial<ThrottlingConfig>): ThrottlingConfig {
  return {
    enabled: patch.enabled ?? base.enabled,
    reads: { ...base.reads, ...patch.reads },
    writes: { ...base.writes, ...patch.writes },
    deletes: { ...base.deletes, ...patch.deletes },
  };
}
