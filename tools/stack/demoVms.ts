import type { VmShape } from '../../simulator/src/index';
import type { RulesConfigInput } from './types';

export type DemoOutcome = 'protected' | 'skipped' | 'failed' | 'backup-failed';

export interface DemoVm {
  name: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  guestAgent: 'ready' | 'unavailable';
  /** The VM's configuration; the simulator's default is a Trusted Launch VM, as in Azure today. */
  shape?: VmShape;
  /** The demo makes the guest agent ready once the first Backup job has failed (PATCH /_sim/vms/...). */
  agentReadyAfterFirstFailure?: boolean;
  expected: DemoOutcome;
  expectedPolicy?: string;
  /** Backup jobs the VM ends with: the first and its retries. */
  expectedBackupJobs?: number;
  why: string;
}

/**
 * The demo follows its first backups within seconds: check-backs at 3 s, then every 5 s of job time, and two
 * retries 3 s and 5 s after a failure (the app's defaults are minutes: docs/configuration.md).
 */
export const DEMO_SETTINGS: Readonly<Record<string, string>> = {
  AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT3S,PT5S',
  AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT3S,PT5S',
};

/** The rules the demo runs with: the default opt-out tag, and critical VMs on the enhanced policy. */
export const DEMO_RULES: RulesConfigInput = {
  optOutTag: 'autoprotect:skip',
  policies: [{ tag: 'tier', values: ['critical'], policy: 'EnhancedPolicy' }],
  defaultPolicy: 'DefaultPolicy',
};

/**
 * A handful of VMs across two vault regions (and one region without a vault) that exercise the rules and the VM
 * configurations of today's Azure: Trusted Launch (the default) needs the Enhanced policy, an ephemeral OS disk cannot
 * be backed up.
 */
export const DEMO_VMS: DemoVm[] = [
  {
    name: 'web-01',
    resourceGroup: 'rg-shop',
    location: 'eastus',
    tags: { app: 'shop' },
    guestAgent: 'ready',
    expected: 'protected',
    expectedPolicy: 'EnhancedPolicy',
    why: 'untagged, Trusted Launch: needs EnhancedPolicy',
  },
  {
    name: 'db-01',
    resourceGroup: 'rg-shop',
    location: 'westeurope',
    tags: { tier: 'critical' },
    guestAgent: 'ready',
    expected: 'protected',
    expectedPolicy: 'EnhancedPolicy',
    why: 'tier=critical: EnhancedPolicy',
  },
  {
    name: 'web-02',
    resourceGroup: 'rg-blog',
    location: 'westeurope',
    tags: {},
    guestAgent: 'ready',
    shape: { securityType: 'Standard' },
    expected: 'protected',
    expectedPolicy: 'DefaultPolicy',
    why: 'second region, standard VM: default policy',
  },
  {
    name: 'cache-01',
    resourceGroup: 'rg-shop',
    location: 'eastus',
    tags: {},
    guestAgent: 'ready',
    shape: { ephemeralOsDisk: true },
    expected: 'skipped',
    why: 'ephemeral OS disk: cannot be backed up',
  },
  {
    name: 'scratch-01',
    resourceGroup: 'rg-lab',
    location: 'eastus',
    tags: { 'autoprotect:skip': 'true' },
    guestAgent: 'ready',
    expected: 'skipped',
    why: 'opted out by tag',
  },
  {
    name: 'batch-01',
    resourceGroup: 'rg-batch',
    location: 'westus2',
    tags: {},
    guestAgent: 'ready',
    expected: 'failed',
    why: 'no vault in westus2',
  },
  {
    name: 'app-01',
    resourceGroup: 'rg-app',
    location: 'eastus',
    tags: {},
    guestAgent: 'unavailable',
    agentReadyAfterFirstFailure: true,
    shape: { securityType: 'Standard' },
    expected: 'protected',
    expectedPolicy: 'DefaultPolicy',
    expectedBackupJobs: 2,
    why: 'guest agent not ready at first: retried',
  },
  {
    name: 'legacy-01',
    resourceGroup: 'rg-legacy',
    location: 'eastus',
    tags: {},
    guestAgent: 'unavailable',
    shape: { securityType: 'Standard' },
    expected: 'backup-failed',
    expectedPolicy: 'DefaultPolicy',
    expectedBackupJobs: 3,
    why: 'guest agent unreachable for good',
  },
];
