import { requestJson } from '../shared/httpsJson';

/** What the control-API helpers need of a running stack (a `Stack` has it). */
export interface SimControlTarget {
  sim: { url: string; caCert: string };
}

/** A control-API call that did not answer 2xx. */
export class SimControlError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SimControlError';
  }
}

/** GET `/_sim/<path>` of the stack's simulator (state, requests, events, ...). */
export async function simGet<T>(stack: SimControlTarget, path: string): Promise<T> {
  return (await simControl<T>(stack, 'GET', path)).body;
}

/** POST `/_sim/<path>` of the stack's simulator (vms, faults, timing, throttling, noise, seed, ...). */
export async function simPost<T = unknown>(stack: SimControlTarget, path: string, body: unknown): Promise<T> {
  return (await simControl<T>(stack, 'POST', path, body)).body;
}

/** PATCH `/_sim/<path>`, e.g. `vms/{sub}/{rg}/{name}` with `{guestAgent: 'ready'}` (no event: docs/simulator.md). */
export async function simPatch<T = unknown>(stack: SimControlTarget, path: string, body: unknown): Promise<T> {
  return (await simControl<T>(stack, 'PATCH', path, body)).body;
}

async function simControl<T>(
  stack: SimControlTarget,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<{ body: T }> {
  const response = await requestJson<T>(method, `${stack.sim.url}/_sim/${path}`, {
    ca: stack.sim.caCert,
    body,
    timeoutMs: 60_000,
  });
  if (response.status < 200 || response.status >= 300) {
    throw new SimControlError(
      `${method} /_sim/${path} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`,
      response.status,
    );
  }
  return response;
}
