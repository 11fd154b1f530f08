import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { serveArm, writeResponse } from './armPipeline';
import { loadOrCreateTls } from './certs';
import {
  DEFAULT_BACKUP,
  DEFAULT_COMPUTE,
  DEFAULT_EVENT_GRID,
  DEFAULT_NOISE,
  DEFAULT_SEED,
  DEFAULT_THROTTLING,
  DEFAULT_TIMING,
  mergeThrottling,
  type SimulatorOptions,
} from './config';
import type { SimContext, SimulatorSettings } from './context';
import { serveControl } from './control';
import { EventPublisher } from './eventgrid/publisher';
import { FaultInjector } from './faults';
import { ArmOutage } from './outage';
import { RequestLog } from './requestLog';
import { Router } from './router';
import { ROUTES } from './routes';
import type { SimulatorRuntime } from './runtime';
import { loadSeed } from './seedLoader';
import { SimulatorStore } from './store/store';
import { SubscriptionThrottle } from './throttling';

export interface SimulatorHandle {
  /** "https://127.0.0.1:<port>": ARM endpoint and control API base (`${url}/_sim/...`). */
  url: string;
  port: number;
  /** PEM of the CA that signed the server certificate. */
  caCertPath: string;
  caCert: string;
  stop(): Promise<void>;
}

/** Default data directory: <repo>/.local/simulator (git-ignored). Works from src/ (jest) and dist/ (node). */
export function defaultDataDir(): string {
  const repoRoot = __dirname.includes(`${join('dist', 'simulator')}`)
    ? join(__dirname, '..', '..', '..')
    : join(__dirname, '..', '..');
  return join(repoRoot, '.local', 'simulator');
}

/** Starts the HTTPS ARM simulator on 127.0.0.1. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const tls = loadOrCreateTls(options.dataDir ?? defaultDataDir());
  const seed = options.seed ?? DEFAULT_SEED;
  const initialSettings = (): SimulatorSettings => ({
    timing: { ...DEFAULT_TIMING, ...options.timing },
    throttling: mergeThrottling(DEFAULT_THROTTLING, options.throttling ?? {}),
    noise: { ...DEFAULT_NOISE, ...options.noise },
    eventGrid: { ...DEFAULT_EVENT_GRID, ...options.eventGrid },
    compute: { invalidVmName: { ...DEFAULT_COMPUTE.invalidVmName, ...options.compute?.invalidVmName } },
    backup: {
      refusal: { ...DEFAULT_BACKUP.refusal, ...options.backup?.refusal },
      discoveryLagSeconds: options.backup?.discoveryLagSeconds ?? DEFAULT_BACKUP.discoveryLagSeconds,
    },
  });
  const settings = initialSettings();
  const store = new SimulatorStore();
  let baseUrl = 'https://127.0.0.1';
  const events = new EventPublisher({
    tenantId: () => store.tenantId,
    noise: () => settings.noise,
    delivery: () => ({ ...settings.eventGrid, duplicateDeliveryRate: settings.noise.duplicateDeliveryRate }),
    baseUrl: () => baseUrl,
  });
  const ctx: SimContext = { store, settings, events };
  const runtime: SimulatorRuntime = {
    ctx,
    router: new Router(ROUTES),
    throttle: new SubscriptionThrottle(settings.throttling),
    faults: new FaultInjector(),
    outage: new ArmOutage(),
    requests: new RequestLog(
      options.logRequests
        ? (entry) => console.log(JSON.stringify({ level: 'info', message: 'simulator.request', ...entry }))
        : undefined,
    ),
    get baseUrl() {
      return baseUrl;
    },
    seed,
    reset() {
      Object.assign(settings, initialSettings());
      runtime.throttle.configure(settings.throttling);
      store.clear();
      events.reset();
      runtime.faults.replace([]);
      runtime.outage.reset();
      runtime.requests.clear();
      loadSeed(ctx, seed);
    },
  };
  loadSeed(ctx, seed);

  const server = createServer({ cert: tls.serverCert, key: tls.serverKey }, (req, res) => {
    void handle(runtime, req, res);
  });
  await listen(server, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;
  if (!options.quiet)
    console.log(
      JSON.stringify({ level: 'info', message: 'simulator.started', url: baseUrl, caCertPath: tls.caCertPath }),
    );
  return {
    url: baseUrl,
    port,
    caCertPath: tls.caCertPath,
    caCert: tls.caCert,
    stop: () => stopServer(server, events),
  };
}

async function handle(runtime: SimulatorRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/_sim' || path.startsWith('/_sim/')) {
      if (!isLoopback(req.socket.remoteAddress))
        return writeResponse(
          res,
          {
            status: 403,
            body: { error: { code: 'Forbidden', message: 'The control API answers loopback callers only.' } },
          },
          {},
        );
      let body: unknown;
      try {
        body = raw.trim() === '' ? {} : JSON.parse(raw);
      } catch (_error) {
        return writeResponse(
          res,
          { status: 400, body: { error: { code: 'InvalidJson', message: 'The body is not JSON.' } } },
          {},
        );
      }
      return writeResponse(res, await serveControl(runtime, (req.method ?? 'GET').toUpperCase(), path, body), {});
    }
    await serveArm(runtime, req, res, raw);
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    if (error instanceof BodyTooLargeError) {
      res.setHeader('Connection', 'close');
      return writeResponse(
        res,
        { status: 413, body: { error: { code: 'RequestEntityTooLarge', message: error.message } } },
        {},
      );
    }
    writeResponse(
      res,
      { status: 500, body: { error: { code: 'InternalServerError', message: (error as Error).message } } },
      {},
    );
  }
}

/** ARM refuses request bodies over 4 MB; so does the simulator (and it keeps memory bounded). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function stopServer(server: Server, events: EventPublisher): Promise<void> {
  events.stop();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
