import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ProxyGroup, TcpProxy } from '../../tools/chaos/tcpProxy';

/** GET / through `port`: the body, or the error's code. */
function fetchText(port: number): Promise<string> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}

describe('TcpProxy (the network between a service and its clients, for outages)', () => {
  let server: Server;
  let port: number;
  let served = 0;
  let proxy: TcpProxy;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      served += 1;
      response.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(async () => {
    proxy = await TcpProxy.start(port);
  });
  afterEach(async () => {
    await proxy.stop();
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('forwards in pass mode', async () => {
    expect(await fetchText(proxy.port)).toBe('hello');
    expect(proxy.stats).toMatchObject({ accepted: 1, reset: 0 });
  });

  it('resets every connection while refusing, and forwards again afterwards', async () => {
    proxy.setMode('refuse');
    const before = served;
    expect(await fetchText(proxy.port)).toBe('ECONNRESET');
    expect(served).toBe(before);
    proxy.setMode('pass');
    expect(await fetchText(proxy.port)).toBe('hello');
    expect(proxy.stats.reset).toBe(1);
  });

  it('holds a request during a blackhole without answering or closing, and delivers it when the partition ends', async () => {
    proxy.setMode('blackhole');
    const before = served;
    const pending = fetchText(proxy.port);
    expect(await settlesWithin(pending, 300)).toBe(false);
    expect(served).toBe(before);
    proxy.setMode('pass');
    expect(await pending).toBe('hello');
    expect(proxy.stats.held).toBeGreaterThanOrEqual(1);
  });

  it('switches a group of proxies together (one storage account behind three ports)', async () => {
    const group = await ProxyGroup.start([port, port]);
    try {
      group.setMode('refuse');
      expect(await Promise.all(group.proxies.map((member) => fetchText(member.port)))).toEqual([
        'ECONNRESET',
        'ECONNRESET',
      ]);
      group.setMode('pass');
      expect(await fetchText(group.portFor(port))).toBe('hello');
      expect(group.stats()).toMatchObject({ accepted: 3, reset: 2 });
    } finally {
      await group.stop();
    }
  });
});
