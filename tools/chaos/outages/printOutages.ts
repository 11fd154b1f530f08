import type { OutageRunResult, WindowResult } from './outageTypes';

const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

function rss(peaks: Record<string, number>): string {
  return Object.entries(peaks)
    .map(([name, mb]) => `${name} ${mb.toFixed(0)}`)
    .join(', ');
}

function row(window: WindowResult): string {
  const cells = [
    `${window.name} (${window.variants.join(' then ')})`,
    seconds(window.outageMs),
    String(window.vms),
    String(window.protected),
    String(window.lost),
    window.jobsPerVm.min === window.jobsPerVm.max
      ? String(window.jobsPerVm.max)
      : `${window.jobsPerVm.min}..${window.jobsPerVm.max}`,
    String(window.backlogAtEnd),
    seconds(window.recoveryMs),
    `${seconds(window.bound.totalMs)} (${window.bound.waitFor} ${seconds(window.bound.waitMs)} + queue poll ${seconds(window.bound.pollMs)} + write bucket ${seconds(window.bound.bucketMs)} + one VM ${seconds(window.bound.floorMs)})`,
    rss(window.peakRssMb),
    String(window.hits),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The run as a Markdown table (one row per outage) and its totals, as docs/guarantees.md shows them. */
export function outageTable(result: OutageRunResult): string[] {
  const { counts } = result.verdict;
  return [
    '| outage | lasted | VMs | protected | lost | Backup jobs per VM | backlog at its end | recovery | bound | peak RSS MiB | connections / requests hit |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...result.windows.map(row),
    '',
    `All ${counts.vms} VMs: ${counts.protected} protected, ${counts.skipped} skipped, ${counts.failed} failed, ${counts.lost} lost, ${counts.wrong} wrong; ` +
      `Backup jobs per protected VM ${result.jobsPerVm.min}..${result.jobsPerVm.max}; ` +
      `poison ${counts.poisonLeft}, left in the queue ${counts.requestsLeft}, stuck ledger rows ${result.stuckRows}.`,
    `Runner RSS before the outages (MiB): ${rss(result.baselineRssMb)}; lifetime peak (VmHWM): ${rss(result.lifetimePeakRssMb)}.`,
    `Report during the storage outage: ${result.report.duringOutage?.outcome ?? 'not run'}, latest unchanged ${String(result.report.duringOutage?.latestUnchanged)}; ` +
      `rerun after it: ${result.report.after?.outcome ?? 'not run'}, latest replaced ${String(result.report.after?.latestReplaced)}.`,
    `Event Grid: ${result.events.published} events, ${result.events.deliveries} deliveries, ${result.events.retried} retried, ${result.events.lost} dead-lettered.`,
    `Webhook outage: ${result.webhook.deadLettered} events dead-lettered (${result.webhook.inDeadLetterFiles} VMs in the dead-letter files), ` +
      `${result.webhook.reportedUnprotected} VMs listed unprotected by the report, ${result.webhook.swept} enqueued by the sweep.`,
  ];
}

export function printOutages(result: OutageRunResult, say: (line: string) => void): void {
  say(`outage run: seed ${result.seed}, ${result.vmCount} VMs, ${seconds(result.durationMs)}`);
  for (const line of outageTable(result)) say(line);
  for (const problem of result.problems.slice(0, 50)) say(`PROBLEM ${problem}`);
  say(result.problems.length === 0 ? 'outage run PASSED' : 'outage run FAILED');
}
