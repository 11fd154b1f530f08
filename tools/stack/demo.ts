import { relative } from 'node:path';

import type { ContainerClient } from '@azure/storage-blob';

import { vmIdOf } from '../../simulator/src/store/model';
import type { Ledger } from '../../src/lib/ledger/ledger';
import type { ReportHeadline } from '../../src/lib/report/reportTypes';
import { type LedgerView, progressOf, type SimStateView, type VmProgress } from './demoProgress';
import { DEMO_VMS, type DemoVm } from './demoVms';
import { LiveView } from './liveView';
import { saveReportLocally } from './reportFiles';
import { simGet, simPatch, simPost } from './simControl';
import { stackRuntime } from './stackRuntime';
import type { Stack } from './startStack';

export interface DemoResult {
  progress: VmProgress[];
  allAsExpected: boolean;
  reportPath?: string;
  reportSummary?: ReportHeadline;
}

export interface DemoOptions {
  repoRoot: string;
  timeoutMs: number;
  say: (line: string) => void;
}

/** Creates the demo VMs in the simulator, follows them to their final state, then runs the compliance report. */
export async function runDemo(stack: Stack, options: DemoOptions): Promise<DemoResult> {
  const subscriptionId = stack.info.subscriptionIds[0] ?? '';
  // The app's own adapters, built once (the ledger is read every 500 ms below).
  const { adapters, clients } = stackRuntime(stack);
  const ledger = adapters.ledger;
  const reportsContainer = clients.reportsContainer;
  options.say('');
  options.say(`Creating ${DEMO_VMS.length} VMs in the simulator (each write emits a ResourceWriteSuccess event):`);
  for (const vm of DEMO_VMS) {
    options.say(`  ${vm.name.padEnd(12)} ${vm.location.padEnd(11)} ${vm.why}`);
    await createVm(stack, subscriptionId, vm);
  }
  options.say('');

  const view = new LiveView();
  const deadline = Date.now() + options.timeoutMs;
  const readyAgents = new Set<string>();
  let progress: VmProgress[];
  for (;;) {
    progress = await snapshot(stack, subscriptionId, ledger);
    view.update(progress);
    await makeAgentsReady(stack, subscriptionId, progress, readyAgents, view);
    if (progress.every((p) => p.terminal) || Date.now() > deadline) break;
    await sleep(500);
  }
  const unexpected = progress.filter(
    (p) =>
      !p.terminal ||
      p.outcome !== p.vm.expected ||
      (p.vm.expected === 'protected' && p.vm.expectedPolicy !== undefined && p.policy !== p.vm.expectedPolicy) ||
      (p.vm.expectedBackupJobs !== undefined && p.backupJobs !== p.vm.expectedBackupJobs),
  );
  const allAsExpected = unexpected.length === 0;
  options.say('');
  for (const p of unexpected) {
    const policy = p.vm.expectedPolicy ? ` on ${p.vm.expectedPolicy}` : '';
    const jobs = p.vm.expectedBackupJobs === undefined ? '' : ` with ${p.vm.expectedBackupJobs} Backup job(s)`;
    options.say(
      `  unexpected: ${p.vm.name} is ${p.stage} (${p.detail}, ${p.policy ?? 'no policy'}, ${p.backupJobs} Backup job(s)); expected ${p.vm.expected}${policy}${jobs}`,
    );
  }

  options.say('Running the compliance report (reportPendingBackups, through the admin API)...');
  const report = await runReport(stack, reportsContainer, options);
  if (report.path) options.say(`Compliance report: ${relative(process.cwd(), report.path) || report.path}`);
  return { progress, allAsExpected, reportPath: report.path, reportSummary: report.summary };
}

async function createVm(stack: Stack, subscriptionId: string, vm: DemoVm): Promise<void> {
  await simPost(stack, 'vms', {
    subscriptionId,
    resourceGroup: vm.resourceGroup,
    name: vm.name,
    location: vm.location,
    tags: vm.tags,
    guestAgent: vm.guestAgent,
    ...vm.shape,
    emitEvents: true,
  });
}

/**
 * A VM whose guest agent comes up late (app-01): once its first Backup job has failed, the demo makes the agent ready,
 * as an agent finishing its start-up would (PATCH /_sim/vms/..., no event). autoprotect's retry then succeeds.
 */
async function makeAgentsReady(
  stack: Stack,
  subscriptionId: string,
  progress: readonly VmProgress[],
  done: Set<string>,
  view: LiveView,
): Promise<void> {
  for (const p of progress) {
    if (!p.vm.agentReadyAfterFirstFailure || done.has(p.vm.name) || p.stage !== 'backup-retrying') continue;
    await simPatch(stack, `vms/${subscriptionId}/${p.vm.resourceGroup}/${p.vm.name}`, { guestAgent: 'ready' });
    done.add(p.vm.name);
    view.note(p.vm, 'guest agent ready now (the demo patched the simulated VM); the retry will find it');
  }
}

async function snapshot(stack: Stack, subscriptionId: string, ledger: Ledger): Promise<VmProgress[]> {
  const state = await simGet<SimStateView>(stack, 'state');
  const rows = await readLedger(ledger);
  return DEMO_VMS.map((vm) => progressOf(vm, vmIdOf(subscriptionId, vm.resourceGroup, vm.name), state, rows));
}

/** Reads the ledger through the app's own TableLedger (the rows `autoprotect status` shows). */
async function readLedger(ledger: Ledger): Promise<Map<string, LedgerView>> {
  const rows = new Map<string, LedgerView>();
  for await (const entry of ledger.list()) rows.set(entry.vmKey, entry);
  return rows;
}

async function runReport(
  stack: Stack,
  container: ContainerClient,
  options: DemoOptions,
): Promise<{ path?: string; summary?: ReportHeadline }> {
  const startedAt = Date.now();
  await stack.runner.invoke('reportPendingBackups');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const latest = container.getBlockBlobClient('latest.html');
    const props = await latest.getProperties().catch(() => undefined);
    if (props?.lastModified && props.lastModified.getTime() >= startedAt - 2_000) {
      const html = await latest.downloadToBuffer();
      const json = await container
        .getBlockBlobClient('latest.json')
        .downloadToBuffer()
        .catch(() => undefined);
      const path = saveReportLocally(options.repoRoot, html, json);
      const headline = json ? (JSON.parse(json.toString('utf8')) as { headline?: ReportHeadline }).headline : undefined;
      return { path, summary: headline };
    }
    await sleep(500);
  }
  options.say('The report did not appear in blob storage within 60 s; see .local/logs/host.log');
  return {};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
