import { readFileSync } from 'node:fs';

import { complianceReportOf, getRuntime } from '../src/lib/appRuntime';
import type { Ledger } from '../src/lib/ledger/ledger';
import { VAULT_REFRESH_PARTITION } from '../src/lib/ledger/tableVaultRefreshStore';
import { REPORT_LEDGER_FIELDS } from '../src/lib/report/ledgerFindings';
import { runComplianceReport } from '../src/lib/report/runComplianceReport';

/**
 * Runs in its own process (settings from the environment, like the Functions host) so its peak RSS is its own:
 * `report` runs the compliance report with production deps (its ledger counted and timed); `floor` only pages through
 * the vaults' protected items with the SDK; `ledger` only lists the ledger's VM rows with the table client, the
 * columns the report reads (the ledger scan's floor). Prints one line `BENCH_RESULT {json}`.
 */
async function main(mode: string): Promise<void> {
  const runtime = getRuntime();
  const { config, clients } = runtime;
  const memory = sampleMemory();
  const t0 = performance.now();
  let detail: Record<string, unknown>;
  if (mode === 'floor') {
    let items = 0;
    let pages = 0;
    for (const vault of config.vaults) {
      const pager = clients
        .backup(vault.vaultSubscriptionId)
        .backupProtectedItems.list(vault.vaultName, vault.vaultResourceGroup, {
          filter: "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'",
        })
        .byPage();
      for await (const page of pager) {
        pages++;
        items += page.length;
      }
    }
    detail = { items, pages };
  } else if (mode === 'ledger') {
    let rows = 0;
    // The query the report's TableLedger.list sends: VM rows only (the table also holds the vaults' refresh claims),
    // the columns the scan reads.
    const filter = `PartitionKey ne '${VAULT_REFRESH_PARTITION}'`;
    const select = [...REPORT_LEDGER_FIELDS];
    for await (const _row of clients.ledgerTable.listEntities({ queryOptions: { filter, select } })) rows++;
    detail = { rows };
  } else {
    const discard = () => undefined;
    const sink = {
      functionName: 'reportPendingBackups',
      invocationId: 'bench',
      log: discard,
      warn: discard,
      error: discard,
    };
    const { deps, options } = complianceReportOf(runtime, sink);
    const ledger = new CountedLedger(deps.ledger);
    const report = await runComplianceReport({ ...deps, ledger }, options);
    detail = {
      totals: report.totals,
      problems: report.problems.length,
      restorePointTimes: report.timeToRestorePoint.count,
      ledgerRows: ledger.rowsListed,
      ledgerScanMs: ledger.listMs,
      ledgerGets: ledger.gets,
      rssMbBeforeLedgerScan: ledger.peakRssMbBefore,
    };
  }
  const ms = performance.now() - t0;
  const peakMemoryMb = memory.stop();
  process.stdout.write(
    `BENCH_RESULT ${JSON.stringify({ mode, ms, maxRssMb: peakRssMb(), peakMemoryMb, ...detail })}\n`,
  );
}

/**
 * The report's ledger, counting the rows it lists, the time from the listing's start to its end, and the peak RSS
 * when the listing starts (a higher peak at the end is the ledger scan's).
 */
class CountedLedger implements Ledger {
  rowsListed = 0;
  listMs = 0;
  gets = 0;
  peakRssMbBefore: number | undefined;

  constructor(private readonly inner: Ledger) {}

  get: Ledger['get'] = (vmKey) => {
    this.gets++;
    return this.inner.get(vmKey);
  };
  create: Ledger['create'] = (entry) => this.inner.create(entry);
  update: Ledger['update'] = (entry, changes) => this.inner.update(entry, changes);

  async *list(options?: Parameters<Ledger['list']>[0]): ReturnType<Ledger['list']> {
    this.peakRssMbBefore ??= peakRssMb();
    const t0 = performance.now();
    try {
      for await (const row of this.inner.list(options)) {
        this.rowsListed++;
        yield row;
      }
    } finally {
      this.listMs += performance.now() - t0;
    }
  }
}

/**
 * The peaks of process.memoryUsage() sampled every 100 ms, in MB: where the resident set went (JS heap, or buffers
 * outside it), which VmHWM alone does not say.
 */
function sampleMemory(): { stop: () => Record<string, number> } {
  const peaks: Record<string, number> = {};
  const sample = () => {
    for (const [name, bytes] of Object.entries(process.memoryUsage()))
      peaks[name] = Math.max(peaks[name] ?? 0, Math.round(bytes / 1024 / 1024));
  };
  const timer = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** The process's peak resident set (VmHWM, Linux); elsewhere getrusage's maxRSS, the same figure. */
function peakRssMb(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

main(process.argv[2] ?? 'report').catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = 1;
});
