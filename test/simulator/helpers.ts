import { Agent, request } from 'node:https';

import { ComputeManagementClient } from '@azure/arm-compute';
import {
  type AzureIaaSComputeVMProtectedItem,
  type ProtectedItemResource,
  RecoveryServicesBackupClient,
} from '@azure/arm-recoveryservicesbackup';
import type { FullOperationResponse } from '@azure/core-client';
import type { TokenCredential } from '@azure/identity';

import {
  DEFAULT_SEED,
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
  type VmShape,
} from '../../simulator/src/index';

export const SUB = DEFAULT_SEED.subscriptionId;
export const VAULT_RG = 'rg-backup';
export const EAST_VAULT = 'rsv-eastus';
export const WEST_VAULT = 'rsv-westeurope';

/** The id of a vault of the default seed. */
export function simVaultId(name: string): string {
  return `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${name}`;
}

/** App settings that point autoprotect at this simulator and the seed's two vaults (eastus, westeurope). */
export function simulatorAppSettings(
  sim: SimulatorHandle,
  storageConnection: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AzureWebJobsStorage: storageConnection,
    AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
    AUTOPROTECT_VAULTS: JSON.stringify([
      { region: 'eastus', vaultId: simVaultId(EAST_VAULT) },
      { region: 'westeurope', vaultId: simVaultId(WEST_VAULT) },
    ]),
    AUTOPROTECT_ARM_ENDPOINT: sim.url,
    AUTOPROTECT_ARM_CA_CERT: sim.caCertPath,
    ...extra,
  };
}

/** Short timings so a whole protect + backup cycle takes well under a second. */
export const FAST_TIMING = {
  configureBackupMs: 150,
  backupOperationMs: 50,
  backupJobMs: 400,
  deleteMs: 150,
  retryAfterSeconds: 0,
};

export function startTestSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  return startSimulator({ port: 0, quiet: true, ...options, timing: { ...FAST_TIMING, ...options.timing } });
}

/**
 * A simulator for the enclosing describe: started before its first test, stopped after its last. Call the returned
 * function inside tests and hooks to get it.
 */
export function useTestSimulator(options: SimulatorOptions = {}): () => SimulatorHandle {
  let sim: SimulatorHandle | undefined;
  beforeAll(async () => {
    sim = await startTestSimulator(options);
  });
  afterAll(async () => {
    await sim?.stop();
  });
  return () => {
    if (!sim) throw new Error('The test simulator is not running (use it inside tests and hooks)');
    return sim;
  };
}

export const staticCredential: TokenCredential = {
  getToken: async () => ({ token: 'local-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export function backupClient(
  sim: SimulatorHandle,
  retryOptions: { maxRetries: number; retryDelayInMs?: number } = { maxRetries: 0 },
  subscriptionId = SUB,
): RecoveryServicesBackupClient {
  return new RecoveryServicesBackupClient(staticCredential, subscriptionId, {
    endpoint: sim.url,
    agent: new Agent({ ca: sim.caCert }),
    retryOptions,
  });
}

export function computeClient(sim: SimulatorHandle, subscriptionId = SUB): ComputeManagementClient {
  return new ComputeManagementClient(staticCredential, subscriptionId, {
    endpoint: sim.url,
    agent: new Agent({ ca: sim.caCert }),
    retryOptions: { maxRetries: 0 },
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** A hand-made request, for the control API and for replaying recorded traffic verbatim. */
export function rawRequest(
  sim: SimulatorHandle,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${path}`,
      {
        method,
        ca: sim.caCert,
        headers: {
          'content-type': 'application/json',
          ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch (_error) {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export const BEARER = { authorization: 'Bearer local-test-token' };

export async function control<T = Record<string, unknown>>(
  sim: SimulatorHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await rawRequest(sim, method, `/_sim/${path}`, body);
  return { status: res.status, body: res.json as T };
}

/**
 * A VM through POST /_sim/vms. Standard (not Trusted Launch) unless `shape.securityType` says otherwise: the contract
 * suites replay the recorded flows, which protect with DefaultPolicy (V1). The simulator's own default is
 * TrustedLaunch, as in Azure today (test/simulator/backupSupport.test.ts).
 */
export async function createVm(
  sim: SimulatorHandle,
  name: string,
  options: {
    location?: string;
    resourceGroup?: string;
    guestAgent?: 'ready' | 'unavailable';
    emitEvents?: boolean;
    subscriptionId?: string;
    backupJobMs?: number;
    failNextBackupJobs?: number;
  } & VmShape = {},
): Promise<string> {
  const res = await control(sim, 'POST', 'vms', {
    securityType: 'Standard',
    ...options,
    resourceGroup: options.resourceGroup ?? 'rg-app',
    name,
    location: options.location ?? 'eastus',
    emitEvents: options.emitEvents ?? false,
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`createVm failed: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.id);
}

export function names(rg: string, vm: string): { container: string; item: string } {
  return { container: `iaasvmcontainer;iaasvmcontainerv2;${rg};${vm}`, item: `vm;iaasvmcontainerv2;${rg};${vm}` };
}

export function policyId(vault: string, policy = 'DefaultPolicy'): string {
  return `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${vault}/backupPolicies/${policy}`;
}

/** Enables protection with the real SDK and returns the raw 202. */
export async function enableProtection(
  client: RecoveryServicesBackupClient,
  vault: string,
  rg: string,
  vm: string,
  policy = 'DefaultPolicy',
): Promise<FullOperationResponse> {
  let raw: FullOperationResponse | undefined;
  const n = names(rg, vm);
  await client.protectedItems.createOrUpdate(
    vault,
    VAULT_RG,
    'Azure',
    n.container,
    n.item,
    {
      properties: {
        protectedItemType: 'Microsoft.Compute/virtualMachines',
        sourceResourceId: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${vm}`,
        policyId: policyId(vault, policy),
      },
    },
    {
      onResponse: (r) => {
        raw = r;
      },
    },
  );
  if (!raw) throw new Error('no response');
  return raw;
}

/** Enables protection and waits until its ConfigureBackup operation has succeeded. */
export async function protectAndWait(
  client: RecoveryServicesBackupClient,
  vault: string,
  rg: string,
  vm: string,
): Promise<void> {
  const opId = operationIdOf(await enableProtection(client, vault, rg, vm));
  await pollUntil(
    () => client.backupOperationStatuses.get(vault, VAULT_RG, opId),
    (s) => s.status === 'Succeeded',
  );
}

/** Triggers a Backup of a protected VM in the east vault; the raw 202 (its operation id via operationIdOf). */
export async function triggerBackup(
  client: RecoveryServicesBackupClient,
  rg: string,
  vm: string,
): Promise<FullOperationResponse> {
  const n = names(rg, vm);
  let raw: FullOperationResponse | undefined;
  await client.backups.trigger(
    EAST_VAULT,
    VAULT_RG,
    'Azure',
    n.container,
    n.item,
    { properties: { objectType: 'IaasVMBackupRequest' } },
    { onResponse: (response) => (raw = response) },
  );
  if (!raw) throw new Error(`no response to the backup trigger of ${vm}`);
  return raw;
}

export function operationIdOf(raw: FullOperationResponse): string {
  const header = raw.headers.get('azure-asyncoperation');
  if (!header) throw new Error('no Azure-AsyncOperation header');
  return new URL(header).pathname.split('/').pop() ?? '';
}

/** Polls until `read` returns a value `done` accepts; fails after `timeoutMs`. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The IaaS VM view of a protected item (the SDK types `properties` as a union). */
export function vmItem(resource: ProtectedItemResource): AzureIaaSComputeVMProtectedItem {
  return resource.properties as AzureIaaSComputeVMProtectedItem;
}
