import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startAzurite } from '../../tools/azurite/startAzurite';
import { startOAuthAzurite } from './oauthStorage';

/**
 * Starts one Azurite for the integration suites (in memory, free ports) and hands its connection string to
 * every test worker through the environment. Suites use unique queue/table names, so they share it safely.
 */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite();
  process.env.AUTOPROTECT_TEST_STORAGE = azurite.connectionString;
  (globalThis as { __AZURITE__?: typeof azurite }).__AZURITE__ = azurite;
  const dir = join(__dirname, '..', '..', '.local');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'test-azurite.json'),
    JSON.stringify({ pid: azurite.pid, connectionString: azurite.connectionString }),
  );
  // A second Azurite over HTTPS that accepts bearer tokens: the identity path of storage
  // (AUTOPROTECT_TEST_STORAGE_OAUTH).
  const oauth = await startOAuthAzurite(join(dir, 'test-azurite-oauth'));
  (globalThis as { __AZURITE_OAUTH__?: typeof oauth.handle }).__AZURITE_OAUTH__ = oauth.handle;
}
