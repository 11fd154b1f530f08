import { readFileSync } from 'node:fs';

import { complianceReportOf, getRuntime } from '../src/lib/appRuntime';
import { runComplianceReport } from '../src/lib/report/runComplianceReport';

/**
 * Runs in its own process (settings from the environment, like the Functions host) so its peak RSS is its own:
 * `report` runs the compliance report with production deps; `floor` only pages through the vaults' protected items
 * with the SDK. Prints one line `BENCH_RESULT {json}`.
 */
async function main(mode: string): Promise<void> {
  const runtime = getRuntime();
  const { config, clients } = runtime;
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
    const report = await runComplianceReport(deps, options);
    detail = { totals: report.totals, problems: report.problems.length };
  }
  const ms = performance.now() - t0;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ mode, ms, maxRssMb: peakRssMb(), ...detail })}\n`);
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
