import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { vmIdOf } from '../../../simulator/src/store/model';
import { runCli } from '../../cli/main';
import type { SweepDecision } from '../../cli/sweep/planSweep';
import type { PlannedVm } from '../chaosPlan';
import { ChaosRunError } from '../errors';
import type { SimControl } from '../simControl';
import type { TcpProxy } from '../tcpProxy';

interface PublishedEvent {
  id: string;
  subject: string;
}
interface EventsView {
  published: PublishedEvent[];
  deliveries: Array<{ eventIds: string[]; outcome: string }>;
}

/**
 * The webhook unreachable past Event Grid's patience: the proxy in front of the runner's webhook refuses connections,
 * Event Grid's clock runs at `scale` (its 24 h of retries pass in 86,400 s x scale), the VMs are created, and the
 * webhook stays down until Event Grid has dead-lettered every one of their events. Resolves with the VM ids whose
 * events were dead-lettered, as the simulator's delivery log records them.
 */
export async function takeWebhookDown(
  sim: SimControl,
  webhook: TcpProxy,
  options: {
    vms: readonly PlannedVm[];
    subscriptionId: string;
    scale: number;
    normalScale: number;
    create: (vms: readonly PlannedVm[]) => Promise<void>;
    timeoutMs: number;
  },
): Promise<Set<string>> {
  const wanted = new Set(
    options.vms.map((vm) => vmIdOf(options.subscriptionId, vm.resourceGroup, vm.name).toLowerCase()),
  );
  await sim.post('eventGrid', { retryScale: options.scale });
  webhook.setMode('refuse');
  try {
    await options.create(options.vms);
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const deadLettered = deadLetteredVms(await sim.get<EventsView>('events'), wanted);
      if (deadLettered.size === wanted.size) return deadLettered;
      if (Date.now() > deadline)
        throw new ChaosRunError(
          `Event Grid dead-lettered ${deadLettered.size} of ${wanted.size} events within ${options.timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    webhook.setMode('pass');
    await sim.post('eventGrid', { retryScale: options.normalScale });
  }
}

function deadLetteredVms(events: EventsView, wanted: ReadonlySet<string>): Set<string> {
  const subjectOf = new Map(events.published.map((event) => [event.id, event.subject.toLowerCase()]));
  const result = new Set<string>();
  for (const delivery of events.deliveries) {
    if (delivery.outcome !== 'deadLettered') continue;
    for (const id of delivery.eventIds) {
      const subject = subjectOf.get(id);
      if (subject && wanted.has(subject)) result.add(subject);
    }
  }
  return result;
}

/**
 * What an operator finds in the dead-letter container: the subjects (VM ids, lower case) of every dead-lettered
 * event under `dir` (`<dir>/<SUBSCRIPTION>/<yyyy>/<M>/<d>/<H>/<guid>.json`, each a JSON array of events).
 */
export async function deadLetteredSubjects(dir: string): Promise<Set<string>> {
  const subjects = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.json')) {
        const events = JSON.parse(await readFile(path, 'utf8')) as Array<{ subject?: string }>;
        for (const event of events) if (event.subject) subjects.add(event.subject.toLowerCase());
      }
    }
  };
  await walk(dir);
  return subjects;
}

/** `autoprotect sweep --json --rate <rate> --settings <file>`, the operator's recovery; the VMs it enqueued. */
export async function runSweep(settingsFile: string, rate: number, cwd: string): Promise<Set<string>> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(['sweep', '--json', '--rate', String(rate), '--settings', settingsFile], {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    env: {},
    cwd,
  });
  if (code !== 0) throw new ChaosRunError(`autoprotect sweep exited with ${code}: ${stderr.join('').slice(0, 500)}`);
  const output = JSON.parse(stdout.join('')) as { decisions: SweepDecision[] };
  return new Set(
    output.decisions
      .filter((decision) => decision.action === 'enqueue')
      .map((decision) => decision.vmResourceId.toLowerCase()),
  );
}

/** Differences between two sets of VM ids, for a problem line (empty when equal). */
export function setDifference(label: string, actual: ReadonlySet<string>, expected: ReadonlySet<string>): string[] {
  const missing = [...expected].filter((id) => !actual.has(id));
  const extra = [...actual].filter((id) => !expected.has(id));
  if (missing.length === 0 && extra.length === 0) return [];
  const name = (id: string) => id.split('/').pop() ?? id;
  return [
    `${label}: ${missing.length} missing (${missing.slice(0, 10).map(name).join(', ')}), ${extra.length} unexpected (${extra.slice(0, 10).map(name).join(', ')})`,
  ];
}
