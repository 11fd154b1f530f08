import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { PAGE_SIZE } from '../../simulator/src/paging';
import { deployedWorkerArguments } from '../../tools/infra/workerArguments';
import { requestJson } from '../../tools/shared/httpsJson';
import { SIM_SUBSCRIPTION_ID, SIM_VAULT_RG } from '../../tools/stack/localSettings';
import { simGet, simPost } from '../../tools/stack/simControl';
import { stackRuntime } from '../../tools/stack/stackRuntime';
import type { Stack } from '../../tools/stack/startStack';
import { repoRoot, type SimRequest, startBenchStack } from '../benchStack';
import { figure, type WorkloadResult } from '../types';
import { seedReportLedger } from './reportLedger';

const run = promisify(execFile);
const SUB = SIM_SUBSCRIPTION_ID;
/** ARM's real read bucket per subscription (arm-throttling.md): every vault here is in one subscription. */
const READ_BUCKET = { size: 250, refillPerSecond: 25 };
/** 25 vaults need 25 regions: one vault per region and subscription (AUTOPROTECT_VAULTS). The stack has the first 2. */
const REGIONS = [
  'eastus',
  'westeurope',
  'northeurope',
  'westus3',
  'southeastasia',
  'eastus2',
  'westus',
  'westus2',
  'centralus',
  'northcentralus',
  'southcentralus',
  'canadacentral',
  'brazilsouth',
  'uksouth',
  'francecentral',
  'germanywestcentral',
  'swedencentral',
  'switzerlandnorth',
  'norwayeast',
  'japaneast',
  'koreacentral',
  'australiaeast',
  'centralindia',
  'uaenorth',
  'southafricanorth',
] as const;
const STALE_PERCENT = 2;

interface ChildResult {
  ms: number;
  maxRssMb: number;
  pages?: number;
  items?: number;
  /** Peaks of process.memoryUsage() (rss, heapUsed, external, ...), sampled every 100 ms. */
  peakMemoryMb?: Record<string, number>;
  /** `ledger`: the rows the table client listed. */
  rows?: number;
  totals?: { protectedItems: number; stale: number; failed: number; firstBackupFailed: number; pending: number };
  restorePointTimes?: number;
  /** `report`: the rows its ledger listed, the time that took, its point reads, and its peak RSS before the listing. */
  ledgerRows?: number;
  ledgerScanMs?: number;
  ledgerGets?: number;
  rssMbBeforeLedgerScan?: number;
}

/**
 * Workload 4: `items` protected items over `vaults` vaults in one subscription (2 % IRPending with old jobs, half of
 * them with a failed first backup), and a ledger of `ledgerRows` rows (reportLedger.ts: 90 % protected, matching the
 * vaults' items). The report runs in its own process (peak RSS: its VmHWM) under ARM's real read bucket, reset just
 * before; its time is compared with the bucket's bound for the pages it must read (computed from the simulator's page
 * size) plus the ledger scan's floor, measured just before in a process that only lists the rows (the report reads
 * the vaults, then the ledger, then the VMs: one after the other). On request (`BENCH_REPORT_FLOOR=1`), before it, the
 * SDK floor pages through the same items without throttling. Calls from the request log.
 */
export async function runReportAtScale(size: {
  items: number;
  vaults: number;
  ledgerRows: number;
  /**
   * Also page through the items with the SDK alone, unthrottled (the floor; about 30 s at full size, no target since
   * the read bucket is the bound): `BENCH_REPORT_FLOOR=1`.
   */
  floor?: boolean;
}): Promise<WorkloadResult> {
  const started = Date.now();
  const stack = await startBenchStack({ timing: {} });
  const vaults = REGIONS.slice(0, size.vaults).map((region) => ({ name: `rsv-${region}`, region }));
  if (vaults.length < size.vaults) throw new Error(`at most ${REGIONS.length} vaults (one per region)`);
  try {
    await simPost(stack, 'throttling', { enabled: false });
    const { tenantId } = await simGet<{ tenantId: string }>(stack, 'state');
    const existing = new Set(stack.info.vaults.map((vault) => vault.vaultId.split('/').at(-1)));
    await simPost(stack, 'seed', {
      subscriptionId: SUB,
      tenantId,
      vaults: vaults
        .filter((vault) => !existing.has(vault.name))
        .map((vault) => ({
          resourceGroup: SIM_VAULT_RG,
          name: vault.name,
          location: vault.region,
          policies: [{ name: 'DefaultPolicy', kind: 'IaasV1Daily' }],
        })),
    });
    const perVault = Math.floor(size.items / vaults.length);
    for (const vault of vaults)
      await simPost(stack, 'bulkProtectedItems', {
        vaultName: vault.name,
        count: perVault,
        stalePercent: STALE_PERCENT,
        createVms: false,
      });
    const stalePerVault = Math.round((perVault * STALE_PERCENT) / 100);
    const vaultIdOf = (name: string) =>
      `/subscriptions/${SUB}/resourceGroups/${SIM_VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${name}`;
    const seedStarted = Date.now();
    const ledgerMix = await seedReportLedger(stackRuntime(stack).clients.ledgerTable, {
      rows: size.ledgerRows,
      subscriptionId: SUB,
      vaults: vaults.map((vault) => ({ ...vault, vaultId: vaultIdOf(vault.name) })),
      perVault,
      stalePerVault,
    });
    const seedMs = Date.now() - seedStarted;

    const env = {
      ...process.env,
      ...stack.info.appSettings,
      AUTOPROTECT_VAULTS: JSON.stringify(
        vaults.map((vault) => ({
          region: vault.region,
          vaultId: vaultIdOf(vault.name),
        })),
      ),
    };
    const floor = (size.floor ?? process.env.BENCH_REPORT_FLOOR === '1') ? await child('floor', env) : undefined;
    const ledgerFloor = await child('ledger', env);
    await warmItemLists(stack, vaults[0]?.name ?? 'rsv-eastus');
    // Reconfiguring the throttle refills every bucket: the report starts with ARM's full read bucket.
    await simPost(stack, 'throttling', { enabled: true, reads: READ_BUCKET });
    const before = (await simGet<{ entries: SimRequest[] }>(stack, 'requests')).entries.length;
    const report = await child('report', env);
    const calls = (await simGet<{ entries: SimRequest[] }>(stack, 'requests')).entries.slice(before);
    await simPost(stack, 'throttling', { enabled: false });

    const itemPages = calls.filter((c) => c.operationId === 'BackupProtectedItems_List').length;
    const jobCalls = calls.filter((c) => c.operationId === 'BackupJobs_List');
    // The request log keeps the path without its query ($skipToken): a vault read with exactly the pages of one jobs
    // listing was listed once.
    const jobPagesByVault = countBy(jobCalls, (c) => c.path.toLowerCase());
    const vmPages = calls.filter((c) => c.operationId === 'VirtualMachines_ListAll').length;
    const perItemCalls = calls.filter((c) =>
      /ProtectedItems_Get|JobDetails_Get|OperationStatuses_Get/.test(c.operationId),
    ).length;
    const throttled = calls.filter((c) => c.status === 429).length;
    // The pages the report must read: every item page, and per vault one jobs listing of a ConfigureBackup job per
    // stale item and a failed Backup job for every second one; the VM listing of the sweep as it was read.
    const pagesPerJobListing = Math.max(1, Math.ceil((stalePerVault + Math.floor(stalePerVault / 2)) / PAGE_SIZE));
    const neededItemPages = vaults.length * Math.max(1, Math.ceil(perVault / PAGE_SIZE));
    const neededJobPages = vaults.length * pagesPerJobListing;
    const neededPages = neededItemPages + neededJobPages + vmPages;
    const readBoundMs = (Math.max(0, neededPages - READ_BUCKET.size) / READ_BUCKET.refillPerSecond) * 1000;
    // The report scans the ledger between the vaults and the VM listing, not beside them: its floor adds to the read
    // bound, less what the bucket refills meanwhile for the VM listing's pages (the exact sequential bound).
    const boundMs = sequentialBoundMs(neededItemPages + neededJobPages, ledgerFloor.ms, vmPages);
    const jobListings = Object.values(jobPagesByVault).filter((pages) => pages === pagesPerJobListing).length;
    const listCallsMet =
      itemPages === neededItemPages && jobListings === vaults.length && jobCalls.length === neededJobPages;
    return {
      name: '4 report',
      workload: 'report',
      size: `${perVault * vaults.length} protected items in ${vaults.length} vaults of one subscription, read bucket ${READ_BUCKET.size} + ${READ_BUCKET.refillPerSecond}/s; ${STALE_PERCENT} % stale IRPending; ledger of ${size.ledgerRows} rows (${Object.entries(
        ledgerMix,
      )
        .map(([status, n]) => `${n} ${status}`)
        .join(', ')})`,
      durationMs: Date.now() - started,
      figures: [
        figure(
          `pages it must read (${PAGE_SIZE} a page): items + jobs + VM listing`,
          `${neededItemPages} + ${neededJobPages} + ${vmPages}`,
        ),
        figure(
          `lower bound from the read bucket ((pages - ${READ_BUCKET.size}) / ${READ_BUCKET.refillPerSecond})`,
          readBoundMs / 1000,
          's',
        ),
        figure('ledger floor: listing its rows with the table client alone (own process)', ledgerFloor.ms / 1000, 's'),
        figure(
          'bound: read bound + ledger floor (the report scans the ledger between vaults and VMs)',
          boundMs / 1000,
          's',
        ),
        figure('report time', report.ms / 1000, 's'),
        figure('of which its ledger scan', (report.ledgerScanMs ?? Number.NaN) / 1000, 's'),
        figure('report time / bound', report.ms / Math.max(1, boundMs), '', {
          text: '<= 1.10',
          met: report.ms <= 1.1 * boundMs,
        }),
        figure('report time / read bound alone', report.ms / Math.max(1, readBoundMs), ''),
        figure(
          'ledger rows read by the report (table client alone)',
          `${report.ledgerRows ?? '?'} (${ledgerFloor.rows ?? '?'})`,
          '',
          {
            text: String(size.ledgerRows),
            met: report.ledgerRows === size.ledgerRows && ledgerFloor.rows === size.ledgerRows,
          },
        ),
        figure('ledger point reads by the report (sweep)', report.ledgerGets ?? Number.NaN),
        figure(
          'list calls: item pages + job listings (their pages) + VM list pages',
          `${itemPages} + ${jobListings} (${jobCalls.length}) + ${vmPages}`,
          '',
          {
            text: `${neededItemPages} + ${vaults.length} (${neededJobPages}) + VM pages`,
            met: listCallsMet,
          },
        ),
        figure('per-item calls', perItemCalls, '', { text: '0', met: perItemCalls === 0 }),
        figure('429s', throttled),
        figure('report peak RSS (VmHWM)', report.maxRssMb, 'MB', { text: '< 256 MB', met: report.maxRssMb < 256 }),
        figure('report peak RSS before its ledger scan', report.rssMbBeforeLedgerScan ?? Number.NaN, 'MB'),
        figure('ledger floor peak RSS (VmHWM)', ledgerFloor.maxRssMb, 'MB'),
        ...(floor
          ? [
              figure('floor: paging the same items with the SDK, no throttling', floor.ms / 1000, 's'),
              figure('floor peak RSS (VmHWM)', floor.maxRssMb, 'MB'),
            ]
          : []),
        figure(
          'stale / failed / first-backup-failed / pending findings',
          `${report.totals?.stale ?? '?'} / ${report.totals?.failed ?? '?'} / ${report.totals?.firstBackupFailed ?? '?'} / ${report.totals?.pending ?? '?'}`,
        ),
        figure('restore points in the time-to-first-restore-point window', report.restorePointTimes ?? Number.NaN),
      ],
      notes: [
        `all calls of the report: ${JSON.stringify(countBy(calls, (c) => c.operationId))}`,
        `ledger seeded in ${(seedMs / 1000).toFixed(1)} s (table transactions of 100)`,
        `memory peaks (MB), report: ${JSON.stringify(report.peakMemoryMb)}; ledger floor: ${JSON.stringify(ledgerFloor.peakMemoryMb)}`,
      ],
    };
  } finally {
    await stack.stop();
  }
}

/**
 * One unthrottled page of one vault, so the simulator builds its per-vault item lists (all vaults at once, a second or
 * two for 250,000 items) before the report's clock starts, not during its first page.
 */
async function warmItemLists(stack: Stack, vaultName: string): Promise<void> {
  const url = `${stack.sim.url}/subscriptions/${SUB}/resourceGroups/${SIM_VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${vaultName}/backupProtectedItems?api-version=2023-06-01`;
  const response = await requestJson('GET', url, { ca: stack.sim.caCert, headers: { authorization: 'Bearer bench' } });
  if (response.status !== 200) throw new Error(`warming the simulator's item lists answered ${response.status}`);
}

async function child(mode: 'floor' | 'ledger' | 'report', env: NodeJS.ProcessEnv): Promise<ChildResult> {
  // The deployed worker's Node options (its heap limit); BENCH_REPORT_CHILD_ARGS replaces them, e.g. with --trace-gc.
  const nodeArgs = process.env.BENCH_REPORT_CHILD_ARGS?.split(' ').filter(Boolean) ?? deployedWorkerArguments();
  const { stdout } = await run(
    process.execPath,
    [...nodeArgs, join(repoRoot, 'dist', 'bench', 'reportChild.js'), mode],
    {
      env,
      cwd: repoRoot,
      timeout: 240_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`report child (${mode}) printed no result`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult;
}

/**
 * The least time the report can take: the bucket's burst and refill pay for the vault pages, the ledger scan follows
 * (the bucket refills meanwhile, up to its size), then the VM listing's pages.
 */
function sequentialBoundMs(vaultPages: number, ledgerMs: number, vmPages: number): number {
  const { size, refillPerSecond } = READ_BUCKET;
  const vaultsSeconds = Math.max(0, vaultPages - size) / refillPerSecond;
  const leftAfterVaults = Math.max(0, size - vaultPages);
  const beforeVms = Math.min(size, leftAfterVaults + (ledgerMs / 1000) * refillPerSecond);
  const vmsSeconds = Math.max(0, vmPages - beforeVms) / refillPerSecond;
  return (vaultsSeconds + vmsSeconds) * 1000 + ledgerMs;
}

function countBy(calls: SimRequest[], keyOf: (call: SimRequest) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[keyOf(call)] = (counts[keyOf(call)] ?? 0) + 1;
  return counts;
}
