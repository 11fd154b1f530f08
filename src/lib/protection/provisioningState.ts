import { OperationPendingError } from '../errors';
import type { VmConfiguration } from '../rules/vmConfiguration';

/** Compute states of a VM still being written: Azure Backup's first backup fails on them (vm-backup-support.md §5). */
const STILL_PROVISIONING = ['creating', 'updating', 'migrating', 'deleting'];

/**
 * Whether the VM is ready to be protected, from its `provisioningState` (vm-backup-support.md §3). `Creating`,
 * `Updating` (and `Migrating`, `Deleting`): Compute is still working, so the request checks back later without
 * spending an attempt (OperationPendingError, after `checkBackMs`). `Failed`: returned as `failed`, for the workflow to
 * record. Anything else, or no state at all, is ready.
 */
export function checkProvisioningState(vm: VmConfiguration, checkBackMs: number): 'ready' | 'failed' {
  const state = vm.provisioningState;
  if (state === undefined) return 'ready';
  if (STILL_PROVISIONING.includes(state.toLowerCase()))
    throw new OperationPendingError(`The VM is still ${state}: checking back in ${checkBackMs} ms`, {
      retryAfterMs: checkBackMs,
      context: { provisioningState: state },
    });
  return state.toLowerCase() === 'failed' ? 'failed' : 'ready';
}
