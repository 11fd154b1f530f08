import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { ArmError, armErrors, NotImplementedError } from './errors';
import type { ArmRequest, ArmResponse } from './http';
import { queryParam } from './http';
import { categoryOf, pathSegments } from './router';
import type { SimulatorRuntime } from './runtime';
import { remainingHeaderName } from './throttling';

const ROUTING_REGION = 'LOCALSIM';

/** Serves one ARM request: common headers, auth, api-version, routing, throttling, faults, handler, request log. */
export async function serveArm(
  runtime: SimulatorRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  rawBody: string,
): Promise<void> {
  const started = Date.now();
  const url = new URL(req.url ?? '/', runtime.baseUrl);
  const method = (req.method ?? 'GET').toUpperCase();
  const segments = pathSegments(url.pathname);
  const subscriptionId = segments[0]?.toLowerCase() === 'subscriptions' ? segments[1] : undefined;
  const requestId = randomUUID();
  const clientRequestId = headerValue(req, 'x-ms-client-request-id') ?? randomUUID();
  const headers: Record<string, string> = {
    'Cache-Control': 'no-cache',
    Pragma: 'no-cache',
    Expires: '-1',
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': headerValue(req, 'x-ms-correlation-request-id') ?? requestId,
    'x-ms-routing-request-id': `${ROUTING_REGION}:${routingStamp(started)}:${requestId}`,
    'x-ms-client-request-id': clientRequestId,
  };
  const match = runtime.router.match(method, segments);
  const operationId = match && match !== 'methodMismatch' ? match.route.operationId : 'NotImplemented';
  let response: ArmResponse;
  try {
    response = await respond();
  } catch (error) {
    response = errorResponse(error);
  }
  if (response.status === -1) {
    req.socket.destroy();
    runtime.requests.record({
      time: new Date(started).toISOString(),
      method,
      path: url.pathname,
      operationId,
      status: 0,
      subscriptionId,
      durationMs: Date.now() - started,
    });
    return;
  }
  writeResponse(res, response, headers);
  runtime.requests.record({
    time: new Date(started).toISOString(),
    method,
    path: url.pathname,
    operationId,
    status: response.status,
    subscriptionId,
    durationMs: Date.now() - started,
  });

  async function respond(): Promise<ArmResponse> {
    // An outage is ARM's front door failing: before auth, routing and throttling (simulator/src/outage.ts).
    const outage = runtime.outage.check(url.pathname);
    if (outage?.kind === 'drop') return { status: -1 };
    if (outage) throw outage.error;
    const auth = headerValue(req, 'authorization') ?? '';
    if (!/^Bearer\s+\S+/i.test(auth)) throw armErrors.unauthorized();
    if (!match || match === 'methodMismatch') throw new NotImplementedError(method, url.pathname);
    const apiVersion = queryParam(url, 'api-version');
    if (!apiVersion) throw armErrors.missingApiVersion();
    const category = categoryOf(method);
    const decision = runtime.throttle.take(subscriptionId ?? '-', category, Date.now());
    headers[remainingHeaderName(category)] = String(decision.remaining);
    if (category === 'read' && url.pathname.toLowerCase().includes('/microsoft.recoveryservices/')) {
      headers['x-ms-ratelimit-remaining-subscription-resource-requests'] = String(decision.remaining);
    }
    if (!decision.allowed) throw armErrors.throttled(operationId, decision.retryAfterSeconds);
    for (const fault of runtime.faults.pick(operationId)) {
      if (fault.kind === 'latency') await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      else if (fault.kind === 'drop') return { status: -1 };
      else if (fault.kind === '429') throw armErrors.throttled(operationId, fault.retryAfterSeconds);
      else if (fault.kind === 'objectLocked') throw armErrors.objectLocked();
      else throw armErrors.injected(Number(fault.kind));
    }
    const now = Date.now();
    runtime.ctx.store.settle(now);
    const body = parseBody(rawBody);
    const armRequest: ArmRequest = {
      method,
      url,
      baseUrl: runtime.baseUrl,
      params: match.params,
      headers: req.headers,
      body,
      apiVersion,
      clientRequestId,
      now,
    };
    return match.route.handle(armRequest, runtime.ctx);
  }
}

function parseBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new ArmError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
      {},
      { cause: error },
    );
  }
}

function errorResponse(error: unknown): ArmResponse {
  if (error instanceof ArmError) return { status: error.statusCode, body: error.toBody(), headers: error.headers };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: new ArmError(500, 'InternalServerError', `The simulator failed: ${message}`).toBody() };
}

export function writeResponse(res: ServerResponse, response: ArmResponse, headers: Record<string, string>): void {
  const all = { ...headers, ...response.headers };
  if (response.body === undefined) {
    res.writeHead(response.status, { ...all, 'Content-Length': '0' });
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...all,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function routingStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}
