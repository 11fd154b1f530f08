import type { QueueClient } from '@azure/storage-queue';

import { startRunner } from '../../tools/local-runner/index';
import { mapLimit } from '../../tools/shared/mapLimit';
import { appQueue } from '../../tools/stack/stackRuntime';
import { benchQueue, queueLength, repoRoot, startBenchStack } from '../benchStack';
import { pollUntil, processCpuMs } from '../stats';
import { figure, type WorkloadResult } from '../types';
import { ingestEvents } from './ingestEvents';

const BATCH = 10;
const DELIVERIES_IN_FLIGHT = 8;

/**
 * Workload 1: events posted to the runner's Event Grid webhook in batches of 10, 8 deliveries in flight (only
 * enqueueProtection runs); figure: protection requests enqueued per second against raw sendMessage throughput to the
 * same Azurite with the same concurrency (80), measured before and after, and the runner's CPU time per event.
 */
export async function runIngest(size: { events: number }): Promise<WorkloadResult> {
  const started = Date.now();
  const stack = await startBenchStack({ timing: {} });
  try {
    await stack.runner.stop();
    const runner = await startRunner({
      appDir: repoRoot,
      settings: stack.info.appSettings,
      port: 0,
      functions: ['enqueueProtection'],
      quiet: true,
      instanceId: 'bench-ingest',
    });
    try {
      const events = ingestEvents(size.events);
      const requests = appQueue(stack, 'requests');
      await requests.createIfNotExists();
      const sample = Buffer.from(
        JSON.stringify(
          {
            version: 1,
            vmResourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-000',
            attempt: 1,
            source: 'event',
            eventId: 'a'.repeat(36),
            correlationId: 'b'.repeat(36),
            requestedAt: new Date().toISOString(),
          },
          null,
          2,
        ),
      ).toString('base64');
      const rawBefore = await rawSendRate(benchQueue(stack, 'bench-raw-1'), sample, Math.round(size.events * 0.69));

      const webhook = runner.eventGridWebhookUrl('enqueueProtection');
      const batches: unknown[][] = [];
      for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
      const cpuBefore = processCpuMs(runner.pid);
      const t0 = Date.now();
      const statuses = await mapLimit(batches, DELIVERIES_IN_FLIGHT, async (batch) => {
        const response = await fetch(webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
          body: JSON.stringify(batch),
        });
        await response.arrayBuffer();
        return response.status;
      });
      const elapsedMs = Date.now() - t0;
      const cpuAfter = processCpuMs(runner.pid);
      const enqueued = await pollUntil(
        'the queue count to settle',
        async () => {
          const n = await queueLength(requests);
          return n > 0 ? n : undefined;
        },
        10_000,
        200,
      );
      const rawAfter = await rawSendRate(benchQueue(stack, 'bench-raw-2'), sample, Math.round(size.events * 0.69));

      const rate = enqueued / (elapsedMs / 1000);
      const raw = (rawBefore + rawAfter) / 2;
      const failedDeliveries = statuses.filter((s) => s !== 202).length;
      const cpuPerEvent =
        cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / events.length : Number.NaN;
      return {
        name: '1 ingest',
        size: `${size.events} events, batches of ${BATCH}, ${DELIVERIES_IN_FLIGHT} deliveries in flight`,
        durationMs: Date.now() - started,
        figures: [
          figure('requests enqueued', enqueued),
          figure('enqueue rate', rate, '/s'),
          figure('raw sendMessage rate (mean of before/after)', raw, '/s'),
          figure('enqueue rate / raw', rate / raw, '', { text: '>= 0.8', met: rate / raw >= 0.8 }),
          figure('events per second through the webhook', events.length / (elapsedMs / 1000), '/s'),
          figure('runner CPU per event', cpuPerEvent, 'ms'),
          figure('deliveries not answered 202', failedDeliveries, '', { text: '0', met: failedDeliveries === 0 }),
        ],
        notes: [`raw before ${Math.round(rawBefore)}/s, after ${Math.round(rawAfter)}/s`],
      };
    } finally {
      await runner.stop();
    }
  } finally {
    await stack.stop();
  }
}

async function rawSendRate(queue: QueueClient, body: string, count: number): Promise<number> {
  await queue.createIfNotExists();
  const t0 = Date.now();
  await mapLimit(Array.from({ length: count }), BATCH * DELIVERIES_IN_FLIGHT, () => queue.sendMessage(body));
  return count / ((Date.now() - t0) / 1000);
}
