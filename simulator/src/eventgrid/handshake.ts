import { randomUUID } from 'node:crypto';

import { validationEvent } from './events';
import type { EventSubscription } from './subscription';

export class HandshakeFailedError extends Error {
  override readonly name = 'HandshakeFailedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const ORIGIN = 'eventgrid.azure.net';

/**
 * Proves the endpoint wants the events. Event Grid schema: POST a SubscriptionValidationEvent and expect
 * `{"validationResponse": code}`. CloudEvents: OPTIONS with WebHook-Request-Origin, expect WebHook-Allowed-Origin.
 */
export async function validateEndpoint(
  subscription: EventSubscription,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  try {
    if (subscription.schema === 'CloudEventSchemaV1_0') await cloudEventsHandshake(subscription.endpoint, timeoutMs);
    else await eventGridHandshake(subscription.endpoint, topic, timeoutMs);
  } catch (error) {
    if (error instanceof HandshakeFailedError) throw error;
    throw new HandshakeFailedError(
      `Webhook validation handshake failed for ${redact(subscription.endpoint)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function eventGridHandshake(endpoint: string, topic: string, timeoutMs: number): Promise<void> {
  const code = randomUUID();
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'aeg-event-type': 'SubscriptionValidation',
      'aeg-subscription-name': 'VALIDATION',
    },
    body: JSON.stringify([validationEvent(topic, code, Date.now())]),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok)
    throw new HandshakeFailedError(
      `Webhook validation handshake failed for ${redact(endpoint)}: HTTP ${response.status}`,
    );
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch (error) {
    throw new HandshakeFailedError(
      `Webhook validation handshake failed for ${redact(endpoint)}: the answer is not JSON`,
      { cause: error },
    );
  }
  const got = (answer as { validationResponse?: unknown } | null)?.validationResponse;
  if (got !== code)
    throw new HandshakeFailedError(
      `Webhook validation handshake failed for ${redact(endpoint)}: validationResponse does not echo the validationCode`,
    );
}

async function cloudEventsHandshake(endpoint: string, timeoutMs: number): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'OPTIONS',
    headers: { 'WebHook-Request-Origin': ORIGIN },
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.text();
  const allowed = response.headers.get('webhook-allowed-origin');
  if (!response.ok || (allowed !== '*' && allowed?.toLowerCase() !== ORIGIN)) {
    throw new HandshakeFailedError(
      `CloudEvents abuse-protection handshake failed for ${redact(endpoint)}: HTTP ${response.status}, WebHook-Allowed-Origin '${allowed ?? ''}'`,
    );
  }
}

/** Endpoint URLs may carry a function key (`code=`): never echo query strings. */
export function redact(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname}${url.search ? '?<redacted>' : ''}`;
}
