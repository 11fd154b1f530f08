import { createConnection, createServer, type Server, type Socket } from 'node:net';

import { ChaosRunError } from './errors';

/**
 * What the proxy does with connections:
 * - `pass`: forwards both ways;
 * - `refuse`: resets every connection, open ones and new ones (the peer sees ECONNRESET at once: a host that is
 *   down or unreachable);
 * - `blackhole`: a network partition; new connections are accepted and held, open ones stop forwarding, both ways.
 *   Nothing is answered and nothing is closed: a client without a timeout waits. When the partition ends, held and
 *   frozen connections carry on where they stopped, as TCP does once its retransmissions get through.
 */
export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

export interface ProxyStats {
  /** Connections accepted since start. */
  accepted: number;
  /** Connections reset by `refuse` (open ones when it began, and every new one). */
  reset: number;
  /** Connections held or frozen by a `blackhole`. */
  held: number;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
  /** True while bytes flow (pass mode and upstream connected). */
  flowing: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 in front of one local port (Azurite's blob, queue or table service, the runner's
 * webhook), so a chaos run can take that service away from its clients for a while without stopping it: the service
 * keeps its data, only the network between them fails. Chaos tooling only, never part of the app.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private current: ProxyMode = 'pass';
  private readonly counts: ProxyStats = { accepted: 0, reset: 0, held: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly targetPort: number,
  ) {}

  /** Listens on `port` (0 = a free one) and forwards to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number, port = 0): Promise<TcpProxy> {
    const server = createServer({ noDelay: true });
    const listening = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
    const proxy = new TcpProxy(server, listening, targetPort);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  get stats(): ProxyStats {
    return { ...this.counts };
  }

  /** Switches mode; applies to open connections at once. */
  setMode(mode: ProxyMode): void {
    this.current = mode;
    for (const pair of [...this.pairs]) {
      if (mode === 'refuse') this.reset(pair);
      else if (mode === 'blackhole') this.freeze(pair);
      else this.flow(pair);
    }
  }

  async stop(): Promise<void> {
    for (const pair of [...this.pairs]) this.close(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.counts.accepted += 1;
    const pair: Pair = { client, flowing: false };
    this.pairs.add(pair);
    client.on('error', () => this.close(pair));
    client.on('close', () => this.close(pair));
    if (this.current === 'refuse') return this.reset(pair);
    if (this.current === 'blackhole') return this.freeze(pair);
    this.flow(pair);
  }

  /** Starts or resumes forwarding; connects upstream first for a connection held since it was accepted. */
  private flow(pair: Pair): void {
    if (pair.flowing || pair.client.destroyed) return;
    if (!pair.upstream) {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort, noDelay: true });
      pair.upstream = upstream;
      upstream.on('error', () => this.close(pair));
      upstream.on('close', () => this.close(pair));
    }
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
    pair.flowing = true;
  }

  /** Stops forwarding both ways without closing anything; unread bytes stay in the sockets' buffers. */
  private freeze(pair: Pair): void {
    this.counts.held += 1;
    if (pair.upstream && pair.flowing) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.upstream.pause();
    }
    pair.client.pause();
    pair.flowing = false;
  }

  private reset(pair: Pair): void {
    this.counts.reset += 1;
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (pair.upstream && !pair.upstream.destroyed) pair.upstream.resetAndDestroy();
    this.pairs.delete(pair);
  }

  private close(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}

/** Proxies for several ports, switched together (Azurite's three services: one storage account). */
export class ProxyGroup {
  constructor(readonly proxies: readonly TcpProxy[]) {}

  static async start(targetPorts: readonly number[]): Promise<ProxyGroup> {
    const proxies: TcpProxy[] = [];
    try {
      for (const port of targetPorts) proxies.push(await TcpProxy.start(port));
    } catch (error) {
      await Promise.all(proxies.map((proxy) => proxy.stop()));
      throw new ChaosRunError(`could not start a TCP proxy: ${(error as Error).message}`, { cause: error });
    }
    return new ProxyGroup(proxies);
  }

  setMode(mode: ProxyMode): void {
    for (const proxy of this.proxies) proxy.setMode(mode);
  }

  /** The proxy in front of `targetPort`. */
  portFor(targetPort: number): number {
    const proxy = this.proxies.find((candidate) => candidate.targetPort === targetPort);
    if (!proxy) throw new ChaosRunError(`no proxy in front of port ${targetPort}`);
    return proxy.port;
  }

  stats(): ProxyStats {
    return this.proxies.reduce(
      (sum, proxy) => ({
        accepted: sum.accepted + proxy.stats.accepted,
        reset: sum.reset + proxy.stats.reset,
        held: sum.held + proxy.stats.held,
      }),
      { accepted: 0, reset: 0, held: 0 },
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.proxies.map((proxy) => proxy.stop()));
  }
}
