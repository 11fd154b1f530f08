import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { vmIdOf } from '../../../simulator/src/store/model';
import type { LedgerEntry } from '../../../src/lib/ledger/ledgerEntry';
import { azuriteConnectionString } from '../../azurite/startAzurite';
import { readHostJson } from '../../local-runner/hostJson';
import { stackRuntime } from '../../stack/stackRuntime';
import { ISOLATED_STACK, startStack, VM_WRITE_SUBSCRIPTION, vmWriteSubscription } from '../../stack/startStack';
import { CHAOS_RULES, type PlannedVm, seededRandom } from '../chaosPlan';
import { eventCounts, replaceRunnerWithFleet, type SimEvents, waitSettled } from '../chaosStack';
import { ChaosRunError } from '../errors';
import type { RunnerFleet } from '../runnerFleet';
import { scanForSecrets, type SecretFinding } from '../scanSecrets';
import { SimControl, withRetries } from '../simControl';
import { collectScannedTexts, secretsOf, StackStorage } from '../stackReadings';
import { ProxyGroup, TcpProxy } from '../tcpProxy';
import { type ChaosVerdict, type SimFacts, verifyChaos } from '../verifyChaos';
import { outageAppSettings, type OutagePlan, type OutageSettings, type OutageWindow, planOutages } from './outagePlan';
import { createPaced, runOutage, sleepUntil } from './outageWindow';
import { backoffWaitBoundMs, bucketDrainBoundMs, eventGridWaitBoundMs } from './recoveryBounds';
import { invokeReport, latestReport, latestReportBlobs } from './reportProbe';
import { readRss, RssSampler } from './rssSampler';
import { type JobsPerVm, jobsPerVm, outageProblems, stuckRows } from './verifyOutages';
import { deadLetteredSubjects, runSweep, setDifference, takeWebhookDown } from './webhookOutage';

export interface OutageRunOptions {
  repoRoot: string;
  seed: number;
  settings: OutageSettings;
  say: (line: string) => void;
}

/**
 * A recovery bound: the longest wait of the mechanism that waits longest, the queue trigger's longest poll interval
 * (host.json), ARM's write bucket for the backlog, and one VM's protection once everything answers.
 */
export interface RecoveryBound {
  waitMs: number;
  /** Which mechanism sets `waitMs`. */
  waitFor: string;
  pollMs: number;
  bucketMs: number;
  floorMs: number;
  totalMs: number;
}

export interface WindowResult {
  name: string;
  target: 'storage' | 'arm' | 'webhook';
  variants: string[];
  /** How long the outage lasted. */
  outageMs: number;
  vms: number;
  protected: number;
  lost: number;
  jobsPerVm: { min: number; max: number };
  /** VMs without a final ledger row when the outage ended. */
  backlogAtEnd: number;
  /** From the end of the outage (for the webhook: from the sweep) until the backlog drained; undefined: never. */
  recoveryMs: number | undefined;
  bound: RecoveryBound;
  /** Peak resident set of each runner during the outage and its recovery, MiB. */
  peakRssMb: Record<string, number>;
  /** Connections (storage, webhook) or requests (ARM) the outage refused or held. */
  hits: number;
}

export interface OutageRunResult {
  seed: number;
  vmCount: number;
  durationMs: number;
  verdict: ChaosVerdict;
  windows: WindowResult[];
  stuckRows: number;
  jobsPerVm: JobsPerVm;
  baselineRssMb: Record<string, number>;
  /** VmHWM of each runner at the end of the run, MiB. */
  lifetimePeakRssMb: Record<string, number>;
  report: {
    duringOutage?: { outcome: string; latestUnchanged: boolean };
    after?: { outcome: string; latestReplaced: boolean };
  };
  webhook: { deadLettered: number; inDeadLetterFiles: number; reportedUnprotected: number; swept: number };
  /** Event Grid over the whole run: events published, deliveries, retries, dead-lettered or dropped. */
  events: { published: number; deliveries: number; retried: number; lost: number };
  secretFindings: SecretFinding[];
  /** Every problem: the chaos verdict's and the outage checks'. Empty when the run passed. */
  problems: string[];
}

const SIM_TIMING = { configureBackupMs: 300, backupOperationMs: 100, backupJobMs: 1_500, retryAfterSeconds: 1 };
/** One VM's protection once everything is up: enable, a check-back, trigger, a check-back (simulator timings). */
const PROTECTION_FLOOR_MS =
  SIM_TIMING.configureBackupMs + SIM_TIMING.backupOperationMs + 2 * SIM_TIMING.retryAfterSeconds * 1000;
/** Share of a window over which its VMs are created (the outage goes on after the last one). */
const CREATE_SHARE = 0.6;
/** When, into the first ARM outage, the webhook goes down. */
const WEBHOOK_AT = 0.35;
/** How long a backlog may take to drain before the run gives up on it (a problem, not a hang). */
const SETTLE_LIMIT_MS = 240_000;
const REPORT_TIMEOUT_MS = 120_000;

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
  const deadLetterDir = join(work, 'deadletter');
  const hostLog: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const stack = await startStack({
      repoRoot: options.repoRoot,
      ...ISOLATED_STACK,
      simTiming: SIM_TIMING,
      rules: CHAOS_RULES,
      extraSettings: outageAppSettings(settings),
      deadLetterDir,
      hostLog: (line) => hostLog.push(line),
    });
    cleanups.push(() => stack.stop());
    const { azurite } = stack;
    const storageProxy = await ProxyGroup.start([azurite.blobPort, azurite.queuePort, azurite.tablePort]);
    cleanups.push(() => storageProxy.stop());
    // The runners (queue listener, output binding, timer status, the app's own clients) reach storage through the
    // proxy; this harness and the CLI read Azurite directly.
    const proxiedStorage = azuriteConnectionString({
      blobPort: storageProxy.portFor(azurite.blobPort),
      queuePort: storageProxy.portFor(azurite.queuePort),
      tablePort: storageProxy.portFor(azurite.tablePort),
    });
    const fleet = await replaceRunnerWithFleet(stack, options.repoRoot, hostLog, {
      queueMessageLeaseMs: settings.queueMessageLeaseMs,
      settings: { ...stack.info.appSettings, AzureWebJobsStorage: proxiedStorage },
    });
    cleanups.push(() => fleet.stopAll());
    const webhookProxy = await TcpProxy.start(stack.runner.port);
    cleanups.push(() => webhookProxy.stop());

    const sim = new SimControl(stack.sim);
    const storage = new StackStorage(stackRuntime(stack));
    const subscriptionId = stack.info.subscriptionIds[0] ?? '';
    await sim.delete(`eventSubscriptions/${VM_WRITE_SUBSCRIPTION}`);
    await sim.post(
      'eventSubscriptions',
      vmWriteSubscription(
        stack.info.eventGridWebhookUrl.replace(`:${stack.runner.port}/`, `:${webhookProxy.port}/`),
        deadLetterDir,
      ),
    );
    await sim.post('eventGrid', { retryScale: settings.eventGridScale });
    const settingsFile = join(work, 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ IsEncrypted: false, Values: stack.info.appSettings }), {
      mode: 0o600,
    });
    const runnerPids = () =>
      new Map(
        fleet.slots.flatMap((slot) => {
          const pid = fleet.runner(slot.instanceId)?.pid;
          return pid === undefined ? [] : [[slot.instanceId, pid] as const];
        }),
      );

    const run = new OutageRun(options, settings, plan, {
      sim,
      storage,
      fleet,
      hostLog,
      subscriptionId,
      storageProxy,
      webhookProxy,
      deadLetterDir,
      settingsFile,
      work,
      runnerPids,
    });
    const outcome = await run.execute();

    const state = await sim.get<SimFacts>('state');
    const ledger = await storage.ledgerRows();
    const verdict = verifyChaos(plan.all, subscriptionId, state, ledger, await storage.queueFacts());
    const stuck = stuckRows(ledger, new Date());
    const jobs = jobsPerVm(plan.all, state.jobs);
    const rejects = await storage.rejectRows();
    const secretFindings = scanForSecrets(
      await collectScannedTexts(storage, hostLog, rejects),
      secretsOf(stack, fleet),
    );
    const problems = [
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
    ];
    return {
      seed: options.seed,
      vmCount: plan.all.length,
      durationMs: Date.now() - started,
      verdict,
      windows: outcome.windows.map((window) => ({
        ...window,
        ...windowCounts(window.plan, subscriptionId, ledger, state),
      })),
      stuckRows: stuck.length,
      jobsPerVm: jobs,
      baselineRssMb: outcome.baselineRssMb,
      lifetimePeakRssMb: lifetimePeaks(runnerPids()),
      report: outcome.report,
      webhook: outcome.webhook,
      events: (({ pending: _pending, ...counted }) => counted)(eventCounts(await sim.get<SimEvents>('events'))),
      secretFindings,
      problems,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

interface RunParts {
  sim: SimControl;
  storage: StackStorage;
  fleet: RunnerFleet;
  hostLog: string[];
  subscriptionId: string;
  storageProxy: ProxyGroup;
  webhookProxy: TcpProxy;
  deadLetterDir: string;
  settingsFile: string;
  work: string;
  runnerPids: () => ReadonlyMap<string, number>;
}

type MeasuredWindow = Omit<WindowResult, 'vms' | 'protected' | 'lost' | 'jobsPerVm'> & { plan: readonly PlannedVm[] };

/** The run's steps in order, with what they measured. */
class OutageRun {
  /** VMs created so far whose events reached the app (the webhook's VMs join once the sweep has run). */
  private readonly live: PlannedVm[] = [];
  private readonly windows: MeasuredWindow[] = [];
  private readonly report: OutageRunResult['report'] = {};
  private webhook: OutageRunResult['webhook'] = {
    deadLettered: 0,
    inDeadLetterFiles: 0,
    reportedUnprotected: 0,
    swept: 0,
  };
  private readonly webhookProblems: string[] = [];

  constructor(
    private readonly options: OutageRunOptions,
    private readonly settings: OutageSettings,
    private readonly plan: OutagePlan,
    private readonly parts: RunParts,
  ) {}

  async execute() {
    const { say } = this.options;
    say(
      `outages: seed ${this.options.seed}, ${this.plan.all.length} VMs, ${this.plan.windows.map((w) => `${w.name} ${w.seconds} s`).join(', ')}`,
    );
    const baselineSampler = new RssSampler(this.parts.runnerPids).start();
    await createPaced(this.parts.sim, this.plan.baseline, 1_000);
    this.live.push(...this.plan.baseline);
    if ((await this.settle(Date.now())) === undefined) throw new ChaosRunError('the baseline VMs did not settle');
    if ((await invokeReport(this.parts.fleet, this.parts.hostLog, REPORT_TIMEOUT_MS)) !== 'succeeded')
      throw new ChaosRunError('the report failed before any outage');
    const baselineRssMb = baselineSampler.stop();

    for (const window of this.plan.windows) {
      say(
        `outages: ${window.name} (${window.variants.join(' then ')}) for ${window.seconds} s, ${window.vms.length} VMs`,
      );
      await this.runWindow(window);
    }
    return {
      windows: this.windows,
      report: this.report,
      webhook: this.webhook,
      webhookProblems: this.webhookProblems,
      baselineRssMb,
    };
  }

  private async runWindow(window: OutageWindow): Promise<void> {
    const { sim, storageProxy } = this.parts;
    const sampler = new RssSampler(this.parts.runnerPids).start();
    const windowMs = window.seconds * 1000;
    const started = Date.now();
    const outage = runOutage(window, {
      storage: storageProxy,
      sim,
      retryAfterSeconds: this.settings.armRetryAfterSeconds,
    });
    // With the webhook outage inside this window, its VMs come first and the webhook goes down after them, early
    // enough for Event Grid to give up before the outage ends (the backlog's drain is measured without it).
    const hasWebhook = window.webhookVms.length > 0;
    const creating = createPaced(sim, window.vms, windowMs * (hasWebhook ? WEBHOOK_AT - 0.05 : CREATE_SHARE));
    const reportDuring = window.reportDuring ? this.reportDuringOutage(started + windowMs * 0.05) : undefined;
    const webhookDown = hasWebhook
      ? sleepUntil(started + windowMs * WEBHOOK_AT).then(() => this.takeWebhookDown(window.webhookVms, windowMs))
      : undefined;
    await creating;
    this.live.push(...window.vms);
    const hits = await outage;
    const ended = Date.now();
    if (reportDuring) this.report.duringOutage = await reportDuring;
    const backlog = await this.backlog();
    const settledAt = await this.settle(ended);
    this.options.say(
      `outages: ${window.name} over; recovered ${settledAt === undefined ? 'never' : `after ${settledAt - ended} ms`}`,
    );
    this.windows.push({
      name: window.name,
      target: window.target,
      variants: [...window.variants],
      outageMs: ended - started,
      plan: window.vms,
      backlogAtEnd: backlog,
      recoveryMs: settledAt === undefined ? undefined : Math.max(0, settledAt - ended),
      bound: this.boundFor(window, backlog),
      peakRssMb: sampler.stop(),
      hits,
    });
    if (window.target === 'storage') this.report.after = await this.reportAfterOutage();
    if (webhookDown) await this.recoverWebhook(await webhookDown, window.webhookVms);
  }

  /** The timer's report run while storage is down: it must fail and leave the previous latest report as it was. */
  private async reportDuringOutage(at: number): Promise<{ outcome: string; latestUnchanged: boolean }> {
    const before = await latestReportBlobs(this.parts.storage.reports);
    await sleepUntil(at);
    const outcome = await invokeReport(this.parts.fleet, this.parts.hostLog, REPORT_TIMEOUT_MS);
    const after = await latestReportBlobs(this.parts.storage.reports);
    return { outcome, latestUnchanged: JSON.stringify(before) === JSON.stringify(after) };
  }

  /** Rerun once storage is back (the operator's rerun, or the next occurrence): latest is replaced, all three. */
  private async reportAfterOutage(): Promise<{ outcome: string; latestReplaced: boolean }> {
    const before = await latestReportBlobs(this.parts.storage.reports);
    const outcome = await invokeReport(this.parts.fleet, this.parts.hostLog, REPORT_TIMEOUT_MS);
    const after = await latestReportBlobs(this.parts.storage.reports);
    const replaced = Object.keys(before).every((name) => after[name] && after[name]?.etag !== before[name]?.etag);
    return { outcome, latestReplaced: replaced };
  }

  private async takeWebhookDown(vms: readonly PlannedVm[], windowMs: number) {
    const downAt = Date.now();
    const deadLettered = await takeWebhookDown(this.parts.sim, this.parts.webhookProxy, {
      vms,
      subscriptionId: this.parts.subscriptionId,
      scale: this.settings.webhookEventGridScale,
      normalScale: this.settings.eventGridScale,
      create: (batch) => createPaced(this.parts.sim, batch, Math.min(5_000, windowMs * 0.1)),
      // Event Grid's 24 h TTL at its scaled clock, plus room for a busy machine.
      timeoutMs: 86_400_000 * this.settings.webhookEventGridScale * 2 + 30_000,
    });
    return { deadLettered, downMs: Date.now() - downAt, hits: this.parts.webhookProxy.stats.reset };
  }

  /**
   * What an operator does after the webhook was down too long: the report lists the watched VMs nothing protects,
   * the dead-letter container names them, and `autoprotect sweep` enqueues them. All four must be exactly the VMs
   * created while the webhook was down.
   */
  private async recoverWebhook(
    down: { deadLettered: Set<string>; downMs: number; hits: number },
    vms: readonly PlannedVm[],
  ): Promise<void> {
    const { storage, fleet, hostLog, deadLetterDir, settingsFile, work, subscriptionId } = this.parts;
    const missed = new Set(vms.map((vm) => vmIdOf(subscriptionId, vm.resourceGroup, vm.name).toLowerCase()));
    const inFiles = await deadLetteredSubjects(deadLetterDir);
    if ((await invokeReport(fleet, hostLog, REPORT_TIMEOUT_MS)) !== 'succeeded')
      this.webhookProblems.push('the report run after the webhook outage failed');
    const unprotected = new Set(
      (await latestReport(storage.reports)).findings
        .filter((finding) => finding.kind === 'unprotected')
        .map((finding) => finding.vmResourceId.toLowerCase()),
    );
    const sampler = new RssSampler(this.parts.runnerPids).start();
    this.live.push(...vms);
    const backlog = await this.backlog();
    const sweepStarted = Date.now();
    const swept = await runSweep(settingsFile, this.settings.sweepRate, work);
    const settledAt = await this.settle(sweepStarted);
    this.options.say(
      `outages: webhook swept (${swept.size} VMs); recovered ${settledAt === undefined ? 'never' : `after ${settledAt - sweepStarted} ms`}`,
    );
    this.webhookProblems.push(
      ...setDifference('dead-lettered by Event Grid (delivery log)', down.deadLettered, missed),
      ...setDifference('in the dead-letter files', inFiles, missed),
      ...setDifference('listed unprotected by the report', unprotected, missed),
      ...setDifference('enqueued by autoprotect sweep', swept, missed),
    );
    this.webhook = {
      deadLettered: down.deadLettered.size,
      inDeadLetterFiles: inFiles.size,
      reportedUnprotected: unprotected.size,
      swept: swept.size,
    };
    this.windows.push({
      name: 'webhook',
      target: 'webhook',
      variants: ['refuse'],
      outageMs: down.downMs,
      plan: vms,
      backlogAtEnd: backlog,
      recoveryMs: settledAt === undefined ? undefined : Math.max(0, settledAt - sweepStarted),
      bound: this.bound(
        { waitMs: (vms.length / this.settings.sweepRate) * 1000, waitFor: 'the sweep --rate' },
        vms.length,
      ),
      peakRssMb: sampler.stop(),
      hits: down.hits,
    });
  }

  private boundFor(window: OutageWindow, backlog: number): RecoveryBound {
    const { app } = this.settings;
    const retry = { baseDelayMs: app.retryBaseSeconds * 1000, maxDelayMs: app.retryMaxSeconds * 1000 };
    const windowMs = window.seconds * 1000;
    if (window.target === 'arm') {
      const retryAfterMs = window.variants.includes('503') ? this.settings.armRetryAfterSeconds * 1000 : 0;
      return this.bound(
        {
          waitMs: backoffWaitBoundMs(retry, app.maxAttempts, windowMs, retryAfterMs),
          waitFor: 'the re-enqueue backoff',
        },
        backlog,
      );
    }
    const waits: Array<[string, number]> = [
      ['Event Grid retries', eventGridWaitBoundMs(windowMs, this.settings.eventGridScale)],
      ['the queue message lease', this.settings.queueMessageLeaseMs],
      ['the ledger claim lease', app.leaseSeconds * 1000],
      ['the re-enqueue backoff', backoffWaitBoundMs(retry, app.maxAttempts, windowMs)],
    ];
    const [waitFor, waitMs] = waits.reduce((longest, wait) => (wait[1] > longest[1] ? wait : longest));
    return this.bound({ waitMs, waitFor }, backlog);
  }

  private bound(wait: { waitMs: number; waitFor: string }, backlog: number): RecoveryBound {
    const bucketMs = bucketDrainBoundMs(backlog);
    const pollMs = readHostJson(this.options.repoRoot).queues.maxPollingIntervalMs;
    return {
      ...wait,
      pollMs,
      bucketMs,
      floorMs: PROTECTION_FLOOR_MS,
      totalMs: wait.waitMs + pollMs + bucketMs + PROTECTION_FLOOR_MS,
    };
  }

  /** VMs created so far without a final ledger row. */
  private async backlog(): Promise<number> {
    const rows = await withRetries('reading the ledger', () => this.parts.storage.ledgerRows(), 10, 500);
    const final = new Set(rows.filter((row) => FINAL.has(row.status)).map((row) => row.vmKey));
    return this.live.filter(
      (vm) => !final.has(vmIdOf(this.parts.subscriptionId, vm.resourceGroup, vm.name).toLowerCase()),
    ).length;
  }

  private settle(from: number): Promise<number | undefined> {
    return waitSettled(this.parts.storage, this.parts.sim, this.live, this.parts.subscriptionId, {
      deadline: from + SETTLE_LIMIT_MS,
      pollMs: 500,
      say: this.options.say,
    });
  }
}

const FINAL = new Set(['backup-triggered', 'protected', 'skipped', 'failed']);

/** Per window: protected and lost VMs of its own, and Backup jobs per protected VM. */
function windowCounts(
  vms: readonly PlannedVm[],
  subscriptionId: string,
  ledger: readonly LedgerEntry[],
  state: SimFacts,
): Pick<WindowResult, 'vms' | 'protected' | 'lost' | 'jobsPerVm'> {
  const rows = new Map(ledger.map((row) => [row.vmKey, row.status]));
  const counted = jobsPerVm(vms, state.jobs);
  let protectedVms = 0;
  let lost = 0;
  for (const vm of vms) {
    const status = rows.get(vmIdOf(subscriptionId, vm.resourceGroup, vm.name).toLowerCase()) ?? '';
    if (!FINAL.has(status)) lost += 1;
    else if (status === 'protected' || status === 'backup-triggered') protectedVms += 1;
  }
  return { vms: vms.length, protected: protectedVms, lost, jobsPerVm: { min: counted.min, max: counted.max } };
}

function lifetimePeaks(pids: ReadonlyMap<string, number>): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const [name, pid] of pids) {
    const rss = readRss(pid);
    if (rss) peaks[name] = Math.round((rss.peakKb / 1024) * 10) / 10;
  }
  return peaks;
}
