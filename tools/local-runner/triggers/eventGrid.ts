import type { HostedFunction } from '../functionIndex';
import type { Invoker } from '../invoke';

/** A webhook request as the HTTP server hands it over (header names lower-case). */
export interface WebhookRequest {
  method: string;
  functionName: string | null;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const EVENT_GRID_DOMAINS = ['eventgrid.azure.net', 'eventgrid.azure.us', 'eventgrid.azure.cn', 'eventgrid.azure.de'];

/**
 * The Event Grid extension's webhook (`/runtime/webhooks/eventgrid`): function lookup (case-sensitive),
 * CloudEvents OPTIONS handshake, SubscriptionValidation, Notification (one invocation per event, in parallel;
 * 202 if all succeed, 500 if any fails), Unsubscribe; anything else is 400. Key checks happen before this.
 */
export async function handleEventGridWebhook(
  request: WebhookRequest,
  functions: HostedFunction[],
  invoker: Invoker,
): Promise<WebhookResponse> {
  const fn = functions.find((f) => f.trigger === 'eventGridTrigger' && f.name === request.functionName);
  if (!fn) return text(404, `cannot find function: '${request.functionName ?? ''}'`);
  if (request.method === 'OPTIONS') return abuseProtectionHandshake(request.headers['webhook-request-origin']);
  if (request.method !== 'POST') return text(405, `Method ${request.method} is not supported`);

  const eventType = request.headers['aeg-event-type'];
  if (eventType === 'Unsubscribe') return { status: 202 };
  if (eventType !== 'SubscriptionValidation' && eventType !== 'Notification') {
    return text(400, `Invalid 'aeg-event-type' header value: '${eventType ?? ''}'`);
  }
  let events: unknown[];
  try {
    const parsed: unknown = JSON.parse(request.body);
    events = Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return text(400, 'The request body is not valid JSON');
  }
  if (eventType === 'SubscriptionValidation') return validationResponse(events);

  // One delivery, one trigger time. The event JSON is handed over compact: the library JSON.parses trigger data, so
  // the indentation the host happens to use is invisible to the function and only costs time.
  const reason = `EventGrid trigger fired at ${new Date().toISOString()}`;
  const results = await Promise.allSettled(
    events.map((event) =>
      invoker.invoke(fn, {
        reason,
        triggerData: { json: JSON.stringify(event) },
        triggerMetadata: { Data: { json: JSON.stringify((event as { data?: unknown } | null)?.data ?? null) } },
      }),
    ),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) return text(500, (failure.reason as Error).message);
  return { status: 202 };
}

function validationResponse(events: unknown[]): WebhookResponse {
  const code = (events[0] as { data?: { validationCode?: unknown } } | undefined)?.data?.validationCode;
  if (typeof code !== 'string') return text(400, 'SubscriptionValidation event without data.validationCode');
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ validationResponse: code }),
  };
}

function abuseProtectionHandshake(origin: string | undefined): WebhookResponse {
  const host = (origin ?? '').trim().toLowerCase();
  const fromEventGrid = EVENT_GRID_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
  return {
    status: 200,
    headers: { 'webhook-allowed-origin': fromEventGrid ? (origin ?? '').trim() : 'eventgrid.azure.net' },
  };
}

function text(status: number, body: string): WebhookResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}
