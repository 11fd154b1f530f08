import type { AzuriteHandle } from '../../tools/azurite/startAzurite';

export default async function globalTeardown(): Promise<void> {
  const azurite = (globalThis as { __AZURITE__?: AzuriteHandle }).__AZURITE__;
  await azurite?.stop();
  await (globalThis as { __AZURITE_OAUTH__?: AzuriteHandle }).__AZURITE_OAUTH__?.stop();
}
