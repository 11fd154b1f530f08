import type { HostedFunction } from './functionIndex';
import type { InvocationInput } from './invoke';
import { timerInput } from './triggers/timer';

/**
 * What the host's admin API (`POST /admin/functions/<name>`, body `{"input": "..."}`) passes to a non-HTTP
 * function: the input string as the trigger value (parsed as the event for Event Grid), a not-past-due
 * TimerInfo for timers.
 */
export function adminInvocationInput(fn: HostedFunction, input: string): InvocationInput {
  const reason = 'This function was programmatically called via the host APIs.';
  switch (fn.trigger) {
    case 'timerTrigger':
      return { reason, triggerData: timerInput(false) };
    case 'queueTrigger':
      return {
        reason,
        triggerData: { string: input },
        triggerMetadata: { QueueTrigger: { string: input }, DequeueCount: { json: '1' } },
      };
    default:
      return { reason, triggerData: { string: input } };
  }
}
