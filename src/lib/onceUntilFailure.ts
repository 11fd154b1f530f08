/**
 * Runs `action` on the first call and hands every later call the same promise; after a failure the next call runs it
 * again. For "create the queue/table/container before first use" without creating it on every use.
 */
export function onceUntilFailure(action: () => Promise<unknown>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= action().then(
      () => undefined,
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
}
