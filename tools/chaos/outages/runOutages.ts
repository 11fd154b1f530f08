import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { azuriteConnectionString } from '../../azurite/startAzurite';
import { readHostJson } from '../../local-runner/hostJson';
import { stackRuntime } from '../../stack/stackRuntime';
import {
  ISOLATED_STACK,
  type Stack,
  startStack,
  VM_WRITE_SUBSCRIPTION,
  vmWriteSubscription,
} from '../../stack/startStack';
import { CHAOS_RULES, CHAOS_SIM_TIMING, seededRandom } from '../chaosPlan';
import { eventCounts, replaceRunnerWithFleet, type SimEvents } from '../chaosStack';
import { scanForSecrets } from '../scanSecrets';
import { SimControl } from '../simControl';
import { collectScannedTexts, secretsOf, StackStorage } from '../stackReadings';
import { ProxyGroup, TcpProxy } from '../tcpProxy';
import { type SimFacts, verifyChaos } from '../verifyChaos';
import { outageAppSettings, planOutages } from './outagePlan';
import { OutageRun, type RunParts, SETTLE_LIMIT_MS } from './outageRun';
import type { OutageRunOptions, OutageRunResult } from './outageTypes';
import { lifetimePeaks } from './rssSampler';
import { jobsPerVm, outageProblems, stuckRows, windowCounts } from './verifyOutages';

export type { OutageRunOptions, OutageRunResult, WindowResult } from './outageTypes';

/** One VM's protection once everything is up: enable, a check-back, trigger, a check-back (simulator timings). */
const PROTECTION_FLOOR_MS =
  CHAOS_SIM_TIMING.configureBackupMs +
  CHAOS_SIM_TIMING.backupOperationMs +
  2 * CHAOS_SIM_TIMING.retryAfterSeconds * 1000;

/**
 * The outage run (issue 18): the local stack with two runners whose storage goes through a proxy, then, in turn,
 * storage unreachable (refused, then blackholed) while VMs are created and the report's timer run hits it; ARM
 * answering 503 to everything, then dropping every connection; inside the first ARM outage, the webhook unreachable
 * until Event Grid dead-letters, and the operator's recovery (the report lists the VMs, `autoprotect sweep` enqueues
 * them). After each outage the backlog must drain; at the end every VM is in its final state with one backup, nothing
 * in the poison queue, no stuck ledger row. Throws ChaosRunError only when the run itself could not be carried out.
 */
export async function runOutages(options: OutageRunOptions): Promise<OutageRunResult> {
  const started = Date.now();
  const settings = options.settings;
  const plan = planOutages(seededRandom(options.seed), settings);
  const work = mkdtempSync(join(tmpdir(), 'autoprotect-outages-'));
  const hostLog: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const deadLetterDir = join(work, 'deadletter');
    const stack = await startStack({
      repoRoot: options.repoRoot,
      ...ISOLATED_STACK,
      simTiming: CHAOS_SIM_TIMING,
      rules: CHAOS_RULES,
      extraSettings: outageAppSettings(settings),
      deadLetterDir,
      hostLog: (line) => hostLog.push(line),
    });
    cleanups.push(() => stack.stop());
    const parts = await wireOutages(stack, options, { work, deadLetterDir, hostLog, cleanups });
    const outcome = await new OutageRun(options, settings, plan, parts).execute();

    const { sim, storage, fleet, subscriptionId } = parts;
    const state = await sim.get<SimFacts>('state');
    const ledger = await storage.ledgerRows();
    const verdict = verifyChaos(plan.all, subscriptionId, state, ledger, await storage.queueFacts());
    const stuck = stuckRows(ledger, new Date());
    const jobs = jobsPerVm(plan.all, state.jobs);
    const secretFindings = scanForSecrets(
      await collectScannedTexts(storage, hostLog, await storage.rejectRows()),
      secretsOf(stack, fleet),
    );
    const { pending: _pending, ...events } = eventCounts(await sim.get<SimEvents>('events'));
    return {
      seed: options.seed,
      vmCount: plan.all.length,
      durationMs: Date.now() - started,
      verdict,
      windows: outcome.windows.map(({ plan: vms, ...window }) => ({
        ...window,
        ...windowCounts(vms, subscriptionId, ledger, state.jobs),
      })),
      stuckRows: stuck.length,
      jobsPerVm: jobs,
      baselineRssMb: outcome.baselineRssMb,
      lifetimePeakRssMb: lifetimePeaks(parts.runnerPids()),
      report: outcome.report,
      webhook: outcome.webhook,
      events,
      secretFindings,
      problems: [
        ...verdict.problems,
        ...outageProblems({
          stuck,
          jobs,
          reportDuringOutage: outcome.report.duringOutage,
          reportAfter: outcome.report.after,
          webhook: outcome.webhookProblems,
        }),
        ...outcome.windows
          .filter((window) => window.recoveryMs === undefined)
          .map((window) => `${window.name}: the backlog did not drain within ${SETTLE_LIMIT_MS / 1000} s`),
        ...secretFindings.map((finding) => `secret (${finding.what}) in ${finding.source}`),
      ],
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The stack as the outage run needs it: the runners reach storage only through proxies (queue listener, output
 * binding, timer status, the app's own clients), Event Grid reaches the webhook only through a proxy, Event Grid's
 * clock at the run's scale. This harness and the CLI read Azurite directly.
 */
async function wireOutages(
  stack: Stack,
  options: OutageRunOptions,
  run: { work: string; deadLetterDir: string; hostLog: string[]; cleanups: Array<() => Promise<unknown>> },
): Promise<RunParts> {
  const { azurite } = stack;
  const storageProxy = await ProxyGroup.start([azurite.blobPort, azurite.queuePort, azurite.tablePort]);
  run.cleanups.push(() => storageProxy.stop());
  const proxiedStorage = azuriteConnectionString({
    blobPort: storageProxy.portFor(azurite.blobPort),
    queuePort: storageProxy.portFor(azurite.queuePort),
    tablePort: storageProxy.portFor(azurite.tablePort),
  });
  const fleet = await replaceRunnerWithFleet(stack, options.repoRoot, run.hostLog, {
    queueMessageLeaseMs: options.settings.queueMessageLeaseMs,
    settings: { ...stack.info.appSettings, AzureWebJobsStorage: proxiedStorage },
  });
  run.cleanups.push(() => fleet.stopAll());
  const webhookProxy = await TcpProxy.start(stack.runner.port);
  run.cleanups.push(() => webhookProxy.stop());

  const sim = new SimControl(stack.sim);
  await sim.delete(`eventSubscriptions/${VM_WRITE_SUBSCRIPTION}`);
  const webhookUrl = stack.info.eventGridWebhookUrl.replace(`:${stack.runner.port}/`, `:${webhookProxy.port}/`);
  await sim.post('eventSubscriptions', vmWriteSubscription(webhookUrl, run.deadLetterDir));
  await sim.post('eventGrid', { retryScale: options.settings.eventGridScale });
  const settingsFile = join(run.work, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ IsEncrypted: false, Values: stack.info.appSettings }), { mode: 0o600 });
  return {
    sim,
    storage: new StackStorage(stackRuntime(stack)),
    fleet,
    hostLog: run.hostLog,
    subscriptionId: stack.info.subscriptionIds[0] ?? '',
    storageProxy,
    webhookProxy,
    deadLetterDir: run.deadLetterDir,
    settingsFile,
    work: run.work,
    runnerPids: () =>
      new Map(
        fleet.slots.flatMap((slot) => {
          const pid = fleet.runner(slot.instanceId)?.pid;
          return pid === undefined ? [] : [[slot.instanceId, pid] as const];
        }),
      ),
    bounds: { pollMs: readHostJson(options.repoRoot).queues.maxPollingIntervalMs, floorMs: PROTECTION_FLOOR_MS },
  };
}
