import { createServer, type Server } from 'node:net';

import { ISOLATED_STACK, startStack } from '../../tools/stack/startStack';
import { repoRoot } from '../helpers/e2eStack';

/** A port some other program holds for the length of the test. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

describe('startStack', () => {
  it('starts the simulator and the runner on other ports when their preferred ones are taken, and says so', async () => {
    const heldBySim = await holdPort();
    const heldByHost = await holdPort();
    const said: string[] = [];
    try {
      const stack = await startStack({
        repoRoot,
        ...ISOLATED_STACK,
        simPort: heldBySim.port,
        hostPort: heldByHost.port,
        localSettingsFile: null,
        stackFile: null,
        hostLog: () => undefined,
        say: (line) => said.push(line),
      });
      try {
        expect(new URL(stack.info.armEndpoint).port).not.toBe(String(heldBySim.port));
        expect(new URL(stack.info.hostUrl).port).not.toBe(String(heldByHost.port));
        expect(said).toEqual(
          expect.arrayContaining([
            expect.stringMatching(new RegExp(`^ARM simulator +port ${heldBySim.port} is taken: using \\d+$`)),
            expect.stringMatching(new RegExp(`^Functions +port ${heldByHost.port} is taken: using \\d+$`)),
          ]),
        );
        const health = await fetch(`${stack.info.hostUrl}/admin/host/status`);
        expect(health.status).toBeLessThan(500);
      } finally {
        await stack.stop();
      }
    } finally {
      heldBySim.server.close();
      heldByHost.server.close();
    }
  });
});
