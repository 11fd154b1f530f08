import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { connectProblem, freePort } from '../../simulator/src/ports';

/** The well-known Azurite development account (public, documented; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * How long Azurite may take to listen. It takes 2-5 s on an idle 2-core machine; on one shared with other test runs
 * it has taken over 20 s, the limit this replaces.
 */
const START_TIMEOUT_MS = 60_000;

export interface AzuriteHandle {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Shared-key connection string (http, or https when started with `tls`). */
  connectionString: string;
  /** The service URIs of the identity form (`AzureWebJobsStorage__blobServiceUri` etc.). */
  serviceUris: { blob: string; queue: string; table: string };
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Preferred ports; a taken port is replaced by a free one. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Print Azurite's own output (default: silent). */
  verbose?: boolean;
  /**
   * Serve HTTPS with this certificate and key (PEM files) and accept OAuth bearer tokens (`--oauth basic`: Azurite
   * checks a token's audience, issuer and lifetime, not its signature). This is how the identity path of
   * src/lib/clients.ts is tested: Azurite refuses bearer tokens over plain http.
   */
  tls?: { certPath: string; keyPath: string };
}

export function azuriteConnectionString(
  ports: { blobPort: number; queuePort: number; tablePort: number },
  protocol: 'http' | 'https' = 'http',
): string {
  const uris = azuriteServiceUris(ports, protocol);
  return (
    [
      `DefaultEndpointsProtocol=${protocol}`,
      `AccountName=${AZURITE_ACCOUNT}`,
      `AccountKey=${AZURITE_KEY}`,
      `BlobEndpoint=${uris.blob}`,
      `QueueEndpoint=${uris.queue}`,
      `TableEndpoint=${uris.table}`,
    ].join(';') + ';'
  );
}

export function azuriteServiceUris(
  ports: { blobPort: number; queuePort: number; tablePort: number },
  protocol: 'http' | 'https' = 'http',
): AzuriteHandle['serviceUris'] {
  return {
    blob: `${protocol}://127.0.0.1:${ports.blobPort}/${AZURITE_ACCOUNT}`,
    queue: `${protocol}://127.0.0.1:${ports.queuePort}/${AZURITE_ACCOUNT}`,
    table: `${protocol}://127.0.0.1:${ports.tablePort}/${AZURITE_ACCOUNT}`,
  };
}

/**
 * Starts Azurite 3.37 from node_modules (blob, queue, table) in memory on 127.0.0.1 and waits until all three
 * ports accept connections. It runs on the Node that runs this process (`process.execPath`: Node 22 under npm
 * scripts, see README "Node versions") and accepts the api-versions the storage SDKs send, so no
 * `--skipApiVersionCheck`. preloadAzurite.ts (`--require`) rewrites two expressions of Azurite as it loads: the
 * table server's UTF-8 chunk bug, and its telemetry library loaded only if used (azuritePatches.ts).
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteHandle> {
  const blobPort = await freePort(options.blobPort);
  const queuePort = await freePort(options.queuePort);
  const tablePort = await freePort(options.tablePort);
  const entry = join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  const args = [
    '--require',
    preloadPath(),
    entry,
    '--inMemoryPersistence',
    '--disableTelemetry',
    '--loose',
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(blobPort),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(queuePort),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(tablePort),
  ];
  if (options.tls) args.push('--oauth', 'basic', '--cert', options.tls.certPath, '--key', options.tls.keyPath);
  if (!options.verbose) args.push('--silent');
  const child = spawn(process.execPath, args, { stdio: options.verbose ? 'inherit' : ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  try {
    await Promise.race([
      Promise.all([blobPort, queuePort, tablePort].map((port) => waitForPort(port, START_TIMEOUT_MS))),
      exited.then((code) => {
        throw new Error(`Azurite exited with code ${code} before listening: ${stderr.trim()}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const protocol = options.tls ? 'https' : 'http';
  return {
    blobPort,
    queuePort,
    tablePort,
    connectionString: azuriteConnectionString({ blobPort, queuePort, tablePort }, protocol),
    serviceUris: azuriteServiceUris({ blobPort, queuePort, tablePort }, protocol),
    pid: child.pid,
    stop: () => stopChild(child, exited),
  };
}

/** dist/tools/azurite/preloadAzurite.js, also when this module runs from source (tests through SWC). */
function preloadPath(): string {
  const beside = join(__dirname, 'preloadAzurite.js');
  const path = existsSync(beside)
    ? beside
    : resolve(__dirname, '..', '..', 'dist', 'tools', 'azurite', 'preloadAzurite.js');
  if (!existsSync(path)) throw new Error(`${path} does not exist: run \`npm run build\` first`);
  return path;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = (await connectProblem('127.0.0.1', port, 1_000)) === undefined;
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
