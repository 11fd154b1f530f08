import { createLogger } from '../../../src/lib/logger';
import type { ProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import type { ProtectionMessageDeps } from '../../../src/lib/protection/handleProtectionMessage';
import type { ProtectionSettings } from '../../../src/lib/protection/runProtectionWorkflow';
import { parseVmResourceId, type VmResourceId } from '../../../src/lib/resourceId';
import { FakeBackupGateway, FakeVmReader } from '../fakes/fakeAzure';
import { FakeClock, RecordingPoisonQueue, RecordingRequestQueue } from '../fakes/fakeQueues';
import { InMemoryLedger } from '../fakes/inMemoryLedger';
import { InMemoryRejectStore } from '../fakes/inMemoryRejectStore';
import { capturingContext } from '../logCapture';
import { rulesConfig, TEST_SUBSCRIPTION, vaultRoute, vmId } from './rules';

export function protectionRequest(overrides: Partial<ProtectionRequest> = {}): ProtectionRequest {
  return {
    version: 1,
    vmResourceId: vmId(),
    subscriptionId: TEST_SUBSCRIPTION,
    eventId: 'event-1',
    eventTime: '2026-03-01T09:59:58Z',
    correlationId: 'corr-1',
    source: 'event',
    attempt: 1,
    ...overrides,
  };
}

export function protectionSettings(overrides: Partial<ProtectionSettings> = {}): ProtectionSettings {
  return {
    rules: rulesConfig(),
    vaults: [vaultRoute('eastus'), vaultRoute('westeurope')],
    dryRun: false,
    backupExpiryDays: 30,
    invocationBudgetMs: 60_000,
    leaseMs: 300_000,
    ...overrides,
  };
}

/** Everything protectVm needs, as fakes: one VM (vm-web-1 in eastus) and both vaults with DefaultPolicy. */
export function protectionHarness(
  options: {
    settings?: Partial<ProtectionSettings>;
    tags?: Record<string, string>;
    location?: string;
    maxAttempts?: number;
  } = {},
) {
  const settings = protectionSettings(options.settings);
  const clock = new FakeClock();
  const ledger = new InMemoryLedger();
  const vms = new FakeVmReader();
  const backup = new FakeBackupGateway(() => clock.now());
  for (const vault of settings.vaults) backup.addPolicy(vault, 'DefaultPolicy').addPolicy(vault, 'EnhancedPolicy');
  const vm: VmResourceId = parseVmResourceId(vmId());
  vms.add({ vm, location: options.location ?? 'eastus', tags: options.tags ?? {} });
  const requests = new RecordingRequestQueue();
  const poison = new RecordingPoisonQueue();
  const rejects = new InMemoryRejectStore();
  const { context, logs } = capturingContext('protectVm');
  let owners = 0;
  const deps = (): ProtectionMessageDeps => ({
    ledger,
    vms,
    backup,
    clock,
    settings,
    poll: { minIntervalMs: 100, maxIntervalMs: 1_000 },
    logger: createLogger(context),
    owner: `owner-${++owners}`,
    requests,
    poison,
    rejects,
    maxAttempts: options.maxAttempts ?? 3,
    retry: { baseDelayMs: 5_000, maxDelayMs: 900_000 },
    random: () => 0.5,
  });
  const vault = settings.vaults[0]!;
  return { settings, clock, ledger, vms, backup, vm, vault, requests, poison, rejects, context, logs, deps };
}
