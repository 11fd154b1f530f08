import type { QueueClient } from '@azure/storage-queue';

import { type AppRuntime, createAppRuntime } from '../../src/lib/appRuntime';
import { loadConfig } from '../../src/lib/config';
import type { Stack } from './startStack';

/** The app's own clients and adapters on a running local stack, from the settings its runner was given. */
export function stackRuntime(stack: Stack): AppRuntime {
  return createAppRuntime(loadConfig(stack.info.appSettings));
}

/** The app's request or poison queue on a running stack (names from the app's config). */
export function appQueue(stack: Stack, which: 'requests' | 'poison'): QueueClient {
  const { clients } = stackRuntime(stack);
  return which === 'requests' ? clients.requestQueue : clients.poisonQueue;
}
