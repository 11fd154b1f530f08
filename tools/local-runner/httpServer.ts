import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { adminInvocationInput } from './adminInvoke';
import type { HostedFunction } from './functionIndex';
import type { Invoker } from './invoke';
import type { RunnerLogger } from './logger';
import { handleEventGridWebhook, type WebhookResponse } from './triggers/eventGrid';

export interface HostKeys {
  masterKey: string;
  /** The `eventgrid_extension` system key. */
  systemKey: string;
}

export interface HostHttpOptions {
  keys: HostKeys;
  functions: HostedFunction[];
  invoker: Invoker;
  logger: RunnerLogger;
  /** Tracks background work (admin invocations, webhook invocations) so a graceful stop can wait for it. */
  track(task: Promise<unknown>): void;
  isStopping(): boolean;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The host's HTTP surface the runner reproduces: the Event Grid webhook and the admin API. */
export function createHostServer(options: HostHttpOptions): Server {
  return createServer((req, res) => {
    const task = route(req, options).then(
      (response) => send(res, response, options.logger),
      (error: unknown) => send(res, { status: 500, body: (error as Error).message }, options.logger),
    );
    options.track(task);
  });
}

async function route(req: IncomingMessage, o: HostHttpOptions): Promise<WebhookResponse> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(req);
  if (body === undefined) return { status: 413, body: 'Request body too large' };
  if (o.isStopping()) return { status: 503, body: 'The host is stopping' };
  const key = presentedKey(req, url);

  if (url.pathname.toLowerCase() === '/runtime/webhooks/eventgrid') {
    if (!matches(key, o.keys.systemKey) && !matches(key, o.keys.masterKey)) return { status: 401 };
    return handleEventGridWebhook(
      {
        method: req.method ?? 'GET',
        functionName: url.searchParams.get('functionName'),
        headers: lowerCaseHeaders(req),
        body,
      },
      o.functions,
      o.invoker,
    );
  }
  if (url.pathname.toLowerCase() === '/admin/host/status') {
    if (!matches(key, o.keys.masterKey)) return { status: 401 };
    return json(200, { state: 'Running', functions: o.functions.map((f) => f.name) });
  }
  const admin = /^\/admin\/functions\/([^/]+)$/i.exec(url.pathname);
  if (admin) {
    if (!matches(key, o.keys.masterKey)) return { status: 401 };
    if (req.method !== 'POST') return { status: 405 };
    const name = decodeURIComponent(admin[1] ?? '');
    const fn = o.functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!fn) return { status: 404, body: `Function '${name}' not found` };
    const input = adminInput(body);
    if (input === undefined) return { status: 400, body: 'Body must be JSON like {"input": "..."}' };
    o.track(o.invoker.invoke(fn, adminInvocationInput(fn, input)).catch(() => undefined));
    return { status: 202 };
  }
  return { status: 404 };
}

function adminInput(body: string): string | undefined {
  if (body.trim() === '') return '';
  try {
    const parsed = JSON.parse(body) as { input?: unknown };
    if (parsed.input === undefined || parsed.input === null) return '';
    return typeof parsed.input === 'string' ? parsed.input : JSON.stringify(parsed.input);
  } catch {
    return undefined;
  }
}

/** `x-functions-key` wins over the `code` query parameter, as in the host. */
function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  return url.searchParams.get('code') ?? undefined;
}

function matches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  return headers;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(status: number, value: unknown): WebhookResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function send(res: ServerResponse, response: WebhookResponse, logger: RunnerLogger): void {
  // The invocations' log lines go out before the answer, as they did when every line was written at once.
  logger.flush();
  res.writeHead(response.status, response.headers ?? {});
  res.end(response.body ?? '');
}
