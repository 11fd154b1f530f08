import { vmIdOf } from '../../../simulator/src/store/model';
import type { PlannedVm } from '../chaosPlan';
import { waitSettled } from '../chaosStack';
import { ChaosRunError } from '../errors';
import type { RunnerFleet } from '../runnerFleet';
import { type SimControl, withRetries } from '../simControl';
import type { StackStorage } from '../stackReadings';
import type { ProxyGroup, TcpProxy } from '../tcpProxy';
import type { OutagePlan, OutageSettings, OutageWindow } from './outagePlan';
import type { MeasuredWindow, OutageRunOptions, ReportChecks, WebhookCounts } from './outageTypes';
import { createPaced, runOutage, sleepUntil } from './outageWindow';
import { type BoundInputs, outageRecoveryBound, recoveryBound } from './recoveryBounds';
import { invokeReport, latestReport, latestReportBlobs } from './reportProbe';
import { RssSampler } from './rssSampler';
import { isFinalStatus } from './verifyOutages';
import { deadLetteredSubjects, runSweep, setDifference, takeWebhookDown } from './webhookOutage';

/** The running stack as the outage run's steps use it. */
export interface RunParts {
  sim: SimControl;
  storage: StackStorage;
  fleet: RunnerFleet;
  hostLog: string[];
  subscriptionId: string;
  storageProxy: ProxyGroup;
  webhookProxy: TcpProxy;
  deadLetterDir: string;
  /** The app's settings (Azurite directly) for `autoprotect sweep --settings`. */
  settingsFile: string;
  work: string;
  runnerPids: () => ReadonlyMap<string, number>;
  /** Queue poll interval and one VM's protection, for the recovery bounds. */
  bounds: Omit<BoundInputs, 'backlog'>;
}

/** Share of a window over which its VMs are created (the outage goes on after the last one). */
const CREATE_SHARE = 0.6;
/** When, into the first ARM outage, the webhook goes down (its VMs are created first). */
const WEBHOOK_AT = 0.35;
/** How long a backlog may take to drain before the run gives up on it (a problem, not a hang). */
export const SETTLE_LIMIT_MS = 240_000;
const REPORT_TIMEOUT_MS = 120_000;

/** The outage run's steps in order, and what each measured. */
export class OutageRun {
  /** VMs created so far whose events reached the app (the webhook's VMs join once the sweep has run). */
  private readonly live: PlannedVm[] = [];
  private readonly windows: MeasuredWindow[] = [];
  private readonly report: ReportChecks = {};
  private webhook: WebhookCounts = { deadLettered: 0, inDeadLetterFiles: 0, reportedUnprotected: 0, swept: 0 };
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
      bound: outageRecoveryBound(window, this.settings, { ...this.parts.bounds, backlog }),
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
      bound: recoveryBound(
        { waitMs: (vms.length / this.settings.sweepRate) * 1000, waitFor: 'the sweep --rate' },
        { ...this.parts.bounds, backlog },
      ),
      peakRssMb: sampler.stop(),
      hits: down.hits,
    });
  }

  /** VMs created so far without a final ledger row. */
  private async backlog(): Promise<number> {
    const rows = await withRetries('reading the ledger', () => this.parts.storage.ledgerRows(), 10, 500);
    const final = new Set(rows.filter((row) => isFinalStatus(row.status)).map((row) => row.vmKey));
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
