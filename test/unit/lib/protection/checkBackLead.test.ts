import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DEFAULT_POLL_SETTINGS } from '../../../../src/lib/protection/waitForOperation';

describe('the check-back lead', () => {
  it("is the host's queue polling interval (host.json maxPollingInterval), the most a visible message waits", () => {
    const host = JSON.parse(readFileSync(join(__dirname, '../../../../host.json'), 'utf8')) as {
      extensions: { queues: { maxPollingInterval: string } };
    };
    const [hours, minutes, seconds] = host.extensions.queues.maxPollingInterval.split(':').map(Number);
    const pollingMs = ((hours ?? 0) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0)) * 1000;
    expect(DEFAULT_POLL_SETTINGS.checkBackLeadMs).toBe(pollingMs);
    // Sitting out the lead must stay within what an invocation may hold.
    expect(pollingMs).toBeLessThanOrEqual(DEFAULT_POLL_SETTINGS.holdLimitMs ?? 0);
  });
});
