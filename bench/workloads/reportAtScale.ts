import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { mapLimit } from '../../tools/shared/mapLimit';
import { simGet, simPost } from '../../tools/stack/simControl';
import { stackRuntime } from '../../tools/stack/stackRuntime';
import type { Stack } from '../../tools/stack/startStack';
import { repoRoot, type SimRequest, startBenchStack } from '../benchStack';
import { figure, type WorkloadResult } from '../types';

const run = promisify(execFile);
const SUB = '11111111-1111-1111-1111-111111111111';
const EXTRA_VAULTS = [
  ['rsv-northeurope', 'northeurope'],
  ['rsv-westus3', 'westus3'],
  ['rsv-southeastasia', 'southeastasia'],
] as const;
const VAULTS = [['rsv-eastus', 'eastus'], ['rsv-westeurope', 'westeurope'], ...EXTRA_VAULTS] as const;

interface ChildResult {
  ms: number;
  maxRssMb: number;
  pages?: number;
  items?: number;
  totals?: { protectedItems: number; stale: number; failed: number };
}

/**
 * Workload 4: `items` protected items over 5 vaults (2 % IRPending with old jobs, half of them with a failed first
 * backup), 1 % of them failed in the ledger. The report runs in its own process (peak RSS); the floor is paging
 * through the same items with the SDK in another process. List calls come from the simulator's request log.
 */
export async function runReportAtScale(size: { items: number }): Promise<WorkloadResult> {
  const started = Date.now();
  const stack = await startBenchStack({ timing: {} });
  try {
    await simPost(stack, 'throttling', { enabled: false });
    const { tenantId } = await simGet<{ tenantId: string }>(stack, 'state');
    await simPost(stack, 'seed', {
      subscriptionId: SUB,
      tenantId,
      vaults: EXTRA_VAULTS.map(([name, location]) => ({
        resourceGroup: 'rg-backup',
        name,
        location,
        policies: [{ name: 'DefaultPolicy', kind: 'IaasV1Daily' }],
      })),
    });
    const perVault = Math.floor(size.items / VAULTS.length);
    for (const [name] of VAULTS)
      await simPost(stack, 'bulkProtectedItems', {
        vaultName: name,
        count: perVault,
        stalePercent: 2,
        createVms: false,
      });
    const failed = await seedFailedLedgerRows(stack, Math.round(size.items / 100));

    const env = {
      ...process.env,
      ...stack.info.appSettings,
      AUTOPROTECT_VAULTS: JSON.stringify(
        VAULTS.map(([name, region]) => ({
          region,
          vaultId: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/${name}`,
        })),
      ),
    };
    const floor = await child('floor', env);
    const before = (await simGet<{ entries: SimRequest[] }>(stack, 'requests')).entries.length;
    const report = await child('report', env);
    const calls = (await simGet<{ entries: SimRequest[] }>(stack, 'requests')).entries.slice(before);
    const itemPages = calls.filter((c) => c.operationId === 'BackupProtectedItems_List').length;
    const jobPages = calls.filter((c) => c.operationId === 'BackupJobs_List').length;
    const perItemCalls = calls.filter((c) =>
      /ProtectedItems_Get|JobDetails_Get|OperationStatuses_Get/.test(c.operationId),
    ).length;
    // Jobs in the report's window per vault: a ConfigureBackup job per stale item, a failed Backup job for every second
    // one.
    const stalePerVault = Math.round((perVault * 2) / 100);
    const pagesPerJobListing = Math.max(1, Math.ceil((stalePerVault + Math.floor(stalePerVault / 2)) / 200));
    const floorPages = floor.pages ?? Number.NaN;
    const listingsMet = itemPages <= floorPages && jobPages <= VAULTS.length * pagesPerJobListing && perItemCalls === 0;
    return {
      name: '4 report at scale',
      size: `${perVault * VAULTS.length} protected items in ${VAULTS.length} vaults, 2 % stale IRPending, ${failed} failed ledger rows`,
      durationMs: Date.now() - started,
      figures: [
        figure('report time', report.ms / 1000, 's'),
        figure('floor: paging the same items with the SDK', floor.ms / 1000, 's'),
        figure('report / floor', report.ms / floor.ms, 'x'),
        figure('list calls: item pages + job listing pages', `${itemPages} + ${jobPages}`, '', {
          text: `<= ${floorPages} item pages (the floor's) + ${VAULTS.length} job listings of ${pagesPerJobListing} page(s)`,
          met: listingsMet,
        }),
        figure('per-item calls', perItemCalls, '', { text: '0', met: perItemCalls === 0 }),
        figure('report peak RSS', report.maxRssMb, 'MB', { text: '< 256 MB', met: report.maxRssMb < 256 }),
        figure('floor peak RSS', floor.maxRssMb, 'MB'),
        figure('stale / failed findings', `${report.totals?.stale ?? '?'} / ${report.totals?.failed ?? '?'}`),
      ],
      notes: [`all calls of the report: ${JSON.stringify(countBy(calls))}`],
    };
  } finally {
    await stack.stop();
  }
}

async function child(mode: 'floor' | 'report', env: NodeJS.ProcessEnv): Promise<ChildResult> {
  const { stdout } = await run(process.execPath, [join(repoRoot, 'dist', 'bench', 'reportChild.js'), mode], {
    env,
    cwd: repoRoot,
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`report child (${mode}) printed no result`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult;
}

async function seedFailedLedgerRows(stack: Stack, count: number): Promise<number> {
  const { ledger } = stackRuntime(stack).adapters;
  const now = new Date().toISOString();
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    20,
    async (i) => {
      const id = `/subscriptions/${SUB}/resourceGroups/rg-failed/providers/Microsoft.Compute/virtualMachines/vm-failed-${i}`;
      await ledger.create({
        vmKey: id.toLowerCase(),
        vmResourceId: id,
        subscriptionId: SUB,
        status: 'failed',
        reason: 'no-vault-for-region',
        errorCode: 'no-vault-for-region',
        attempts: 1,
        operationIds: [],
        jobIds: [],
        firstSeen: now,
        lastChanged: now,
      });
    },
  );
  return count;
}

function countBy(calls: SimRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.operationId] = (counts[call.operationId] ?? 0) + 1;
  return counts;
}
