import { createHash } from 'node:crypto';

import type { ContainerClient } from '@azure/storage-blob';

import type { ComplianceReport } from '../../../src/lib/report/reportTypes';
import { ChaosRunError } from '../errors';
import type { RunnerFleet } from '../runnerFleet';

const REPORT_FUNCTION = 'reportPendingBackups';
const LATEST = ['latest.html', 'latest.csv', 'latest.json'] as const;

/**
 * Runs the report's timer function once through the host's admin API of `chaos-1` (as the schedule would) and
 * resolves with how the host says the invocation ended, from its "Executed 'Functions.reportPendingBackups'" line.
 */
export async function invokeReport(
  fleet: RunnerFleet,
  hostLog: readonly string[],
  timeoutMs: number,
): Promise<'succeeded' | 'failed'> {
  const runner = fleet.runner('chaos-1');
  if (!runner) throw new ChaosRunError('runner chaos-1 is not running');
  const from = hostLog.length;
  await runner.invoke(REPORT_FUNCTION);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of hostLog.slice(from)) {
      const outcome = /Executed 'Functions\.reportPendingBackups' \((Succeeded|Failed)/.exec(line)?.[1];
      if (outcome) return outcome === 'Succeeded' ? 'succeeded' : 'failed';
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new ChaosRunError(`the report run did not end within ${timeoutMs} ms`);
}

/** The latest.* report blobs as they are now: content hash and ETag of each (undefined when absent). */
export async function latestReportBlobs(
  container: ContainerClient,
): Promise<Record<string, { etag: string; sha256: string } | undefined>> {
  const entries = await Promise.all(
    LATEST.map(async (name) => {
      const blob = container.getBlockBlobClient(name);
      if (!(await blob.exists())) return [name, undefined] as const;
      const body = await blob.downloadToBuffer();
      const properties = await blob.getProperties();
      return [name, { etag: properties.etag ?? '', sha256: createHash('sha256').update(body).digest('hex') }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** latest.json parsed. */
export async function latestReport(container: ContainerClient): Promise<ComplianceReport> {
  const body = await container.getBlockBlobClient('latest.json').downloadToBuffer();
  return JSON.parse(body.toString('utf8')) as ComplianceReport;
}
