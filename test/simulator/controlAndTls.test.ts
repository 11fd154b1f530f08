import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

import type { FullOperationResponse } from '@azure/core-client';
import { createPipelineRequest } from '@azure/core-rest-pipeline';

import { DEFAULT_SEED, type SimulatorHandle, startSimulator } from '../../simulator/src/index';
import { parseArgs, runStandalone } from '../../simulator/src/standalone';
import { backupClient, control, createVm, EAST_VAULT, enableProtection, SUB, useTestSimulator } from './helpers';

describe('simulator: HTTPS with its own CA', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sim-tls-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a CA on first start, reuses it on the next, and serves a certificate for IP 127.0.0.1 and localhost', async () => {
    const first = await startSimulator({ port: 0, quiet: true, dataDir });
    const second = await startSimulator({ port: 0, quiet: true, dataDir });
    try {
      expect(second.caCert).toBe(first.caCert);
      expect(readFileSync(first.caCertPath, 'utf8')).toBe(first.caCert);
      const served = await peerCertificate(first);
      expect(served.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(served.subjectAltName).toContain('DNS:localhost');
      expect(served.checkIssued(new X509Certificate(first.caCert))).toBe(true);
      await expect(fetch(`${first.url}/_sim/state`)).rejects.toThrow();
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('runs standalone: parses flags, prints the endpoint and "CA certificate: <path>", loads a seed file', async () => {
    expect(() => parseArgs(['--port', 'abc'])).toThrow(/--port/);
    const seedFile = join(dataDir, 'seed.json');
    writeFileSync(
      seedFile,
      JSON.stringify({ ...DEFAULT_SEED, vaults: [{ resourceGroup: 'rg-x', name: 'rsv-custom', location: 'westus2' }] }),
    );
    const lines: string[] = [];
    const sim = await runStandalone(parseArgs(['--port', '0', '--seed', seedFile, '--data-dir', dataDir]), (line) =>
      lines.push(line),
    );
    try {
      expect(lines.some((l) => l.includes(`https://127.0.0.1:${sim.port}`))).toBe(true);
      expect(lines).toContain(`CA certificate: ${sim.caCertPath}`);
      const state = await control<{ vaults: Array<{ name: string; location: string }> }>(sim, 'GET', 'state');
      expect(state.body.vaults).toEqual([expect.objectContaining({ name: 'rsv-custom', location: 'westus2' })]);
    } finally {
      await sim.stop();
    }
  });
});

function peerCertificate(sim: SimulatorHandle): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}/_sim/state`, { ca: sim.caCert }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerX509Certificate();
      res.resume();
      if (cert) resolve(cert);
      else reject(new Error('no peer certificate'));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('simulator: control API', () => {
  const sim = useTestSimulator();

  it('exposes the default seed and the documented state shape', async () => {
    const vmId = await createVm(sim(), 'vm-state', { location: 'eastus' });
    const client = backupClient(sim());
    await enableProtection(client, EAST_VAULT, 'rg-app', 'vm-state');
    const state = await control<Record<string, unknown>>(sim(), 'GET', 'state');
    expect(state.body.subscriptions).toEqual([SUB]);
    expect(state.body.vaults).toEqual([
      expect.objectContaining({
        id: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
        location: 'eastus',
      }),
      expect.objectContaining({
        id: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-westeurope`,
        location: 'westeurope',
      }),
    ]);
    expect((state.body.policies as Array<{ id: string }>).map((p) => p.id.split('/').pop()).sort()).toEqual([
      'DefaultPolicy',
      'DefaultPolicy',
      'EnhancedPolicy',
      'EnhancedPolicy',
    ]);
    expect(state.body.vms).toEqual([expect.objectContaining({ id: vmId, location: 'eastus', tags: {} })]);
    expect(state.body.protectedItems).toEqual([
      expect.objectContaining({
        sourceResourceId: vmId,
        protectionState: 'IRPending',
        lastBackupStatus: '',
        vaultId: expect.stringContaining('/vaults/rsv-eastus') as unknown,
      }),
    ]);
    expect((state.body.protectedItems as Array<{ policyId: string }>)[0]?.policyId).toMatch(
      /\/backupPolicies\/DefaultPolicy$/,
    );
    expect(state.body.jobs).toEqual([
      expect.objectContaining({
        operation: 'ConfigureBackup',
        entityFriendlyName: 'vm-state',
        vaultId: expect.stringContaining('rsv-eastus') as unknown,
      }),
    ]);
    expect(state.body.requests).toMatchObject({
      total: 1,
      throttled: 0,
      byOperation: { ProtectedItems_CreateOrUpdate: 1 },
    });
  });

  it('logs requests with time, method, path, operationId, status and subscription', async () => {
    const log = await control<{ entries: Array<Record<string, unknown>> }>(sim(), 'GET', 'requests');
    expect(log.body.entries[0]).toMatchObject({
      method: 'PUT',
      operationId: 'ProtectedItems_CreateOrUpdate',
      status: 202,
      subscriptionId: SUB,
      time: expect.any(String) as unknown,
    });
  });

  it('changes timing at run time, adds a seed and resets to the start state', async () => {
    const timing = await control<{ backupJobMs: number }>(sim(), 'POST', 'timing', { backupJobMs: 123 });
    expect(timing.body.backupJobMs).toBe(123);
    await control(sim(), 'POST', 'seed', {
      ...DEFAULT_SEED,
      vaults: [{ resourceGroup: 'rg-backup', name: 'rsv-westus2', location: 'westus2' }],
    });
    expect((await control<{ vaults: unknown[] }>(sim(), 'GET', 'state')).body.vaults).toHaveLength(3);
    await control(sim(), 'POST', 'reset');
    const after = await control<{
      vaults: unknown[];
      vms: unknown[];
      protectedItems: unknown[];
      requests: { total: number };
    }>(sim(), 'GET', 'state');
    expect(after.body).toMatchObject({ vms: [], protectedItems: [], requests: { total: 0 } });
    expect(after.body.vaults).toHaveLength(2);
    expect((await control<{ timing: { backupJobMs: number } }>(sim(), 'GET', 'settings')).body.timing.backupJobMs).toBe(
      400,
    );
  });

  it('refuses invalid control bodies with 400 and unknown endpoints with 404', async () => {
    expect((await control(sim(), 'POST', 'vms', { name: 'x' })).status).toBe(400);
    expect(
      (
        await control(sim(), 'POST', 'vms', {
          resourceGroup: 'rg',
          name: 'x',
          location: 'eastus',
          guestAgent: 'sleepy',
        })
      ).status,
    ).toBe(400);
    expect((await control(sim(), 'GET', 'nothing')).status).toBe(404);
  });

  it('serves operation status at the absolute Azure-AsyncOperation URL through the SDK pipeline (LRO polling)', async () => {
    await createVm(sim(), 'vm-lro', { location: 'eastus' });
    const client = backupClient(sim());
    const raw: FullOperationResponse = await enableProtection(client, EAST_VAULT, 'rg-app', 'vm-lro');
    const url = raw.headers.get('azure-asyncoperation') ?? '';
    expect(url).toContain(';');
    const poll = async () =>
      JSON.parse((await client.pipeline.sendRequest(client, createPipelineRequest({ url }))).bodyAsText ?? '{}') as {
        status: string;
      };
    expect((await poll()).status).toBe('InProgress');
    for (let i = 0; i < 100 && (await poll()).status === 'InProgress'; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect((await poll()).status).toBe('Succeeded');
  });
});
