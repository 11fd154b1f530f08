import type { SimulatorHandle } from '../../simulator/src/index';
import { requestJson } from '../shared/httpsJson';
import { simGet, simPatch, simPost } from '../stack/simControl';
import type { PlannedVm } from './chaosPlan';
import { ChaosRunError } from './errors';

/** A control-API failure means the run itself could not be carried out. */
function harnessStep<T>(call: Promise<T>): Promise<T> {
  return call.catch((error: unknown) => {
    throw new ChaosRunError(error instanceof Error ? error.message : String(error), { cause: error });
  });
}

/** The simulator calls of the chaos run: control API and the one ARM call it makes itself (deleting a VM). */
export class SimControl {
  constructor(readonly sim: SimulatorHandle) {}

  get<T>(path: string): Promise<T> {
    return harnessStep(simGet<T>(this, path));
  }

  post(path: string, body: unknown): Promise<unknown> {
    return harnessStep(simPost(this, path, body));
  }

  /** POST /_sim/vms for a planned VM, with (`emitEvents`) or without its write events. */
  createVm(vm: PlannedVm, emitEvents: boolean): Promise<unknown> {
    return this.post('vms', {
      resourceGroup: vm.resourceGroup,
      name: vm.name,
      location: vm.location,
      tags: vm.tags,
      securityType: vm.securityType,
      guestAgent: vm.guestAgent,
      emitEvents,
    });
  }

  /** DELETE `/_sim/<path>` (an event subscription). */
  async delete(path: string): Promise<void> {
    const response = await harnessStep(requestJson('DELETE', `${this.sim.url}/_sim/${path}`, { ca: this.sim.caCert }));
    if (response.status !== 200) throw new ChaosRunError(`DELETE /_sim/${path} answered ${response.status}`);
  }

  /** PATCH `/_sim/<path>` (a VM's guest agent). */
  patch(path: string, body: unknown): Promise<unknown> {
    return harnessStep(simPatch(this, path, body));
  }

  /** Compute DELETE through ARM (any bearer token is accepted by the simulator). */
  async deleteVm(vmId: string): Promise<void> {
    const response = await requestJson('DELETE', `${this.sim.url}${vmId}?api-version=2024-07-01`, {
      ca: this.sim.caCert,
      headers: { authorization: 'Bearer chaos-harness' },
    });
    if (response.status !== 200 && response.status !== 204)
      throw new ChaosRunError(`DELETE ${vmId} answered ${response.status}`);
  }
}

/** Retries `action` (the runner may be restarting, the simulator may inject faults) up to `attempts` times. */
export async function withRetries<T>(what: string, action: () => Promise<T>, attempts = 30, delayMs = 300): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await action();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  throw new ChaosRunError(`${what} failed ${attempts} times`, { cause: last });
}
