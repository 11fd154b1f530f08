import { backupClient, control, EAST_VAULT, SUB, useTestSimulator, VAULT_RG } from './helpers';

describe('simulator: POST /_sim/bulkProtectedItems', () => {
  const sim = useTestSimulator();

  it('seeds protected items with a share of stale IRPending ones and their jobs, visible through the SDK pages', async () => {
    const seeded = await control<{ created: number; stale: number; vms: number }>(sim(), 'POST', 'bulkProtectedItems', {
      vaultName: EAST_VAULT,
      count: 450,
      stalePercent: 2,
    });
    expect(seeded.status).toBe(201);
    expect(seeded.body).toEqual({ vaultName: EAST_VAULT, created: 450, stale: 9, vms: 450 });

    const client = backupClient(sim());
    const states: Record<string, number> = {};
    let pages = 0;
    for await (const page of client.backupProtectedItems.list(EAST_VAULT, VAULT_RG).byPage()) {
      pages++;
      for (const item of page) {
        const state = String((item.properties as { protectionState?: string }).protectionState);
        states[state] = (states[state] ?? 0) + 1;
      }
    }
    expect(pages).toBe(3);
    expect(states).toEqual({ IRPending: 9, Protected: 441 });

    const jobs = [];
    for await (const job of client.backupJobs.list(EAST_VAULT, VAULT_RG)) jobs.push(job.properties);
    expect(jobs.filter((j) => j?.operation === 'ConfigureBackup')).toHaveLength(9);
    expect(jobs.filter((j) => j?.operation === 'Backup' && j.status === 'Failed')).toHaveLength(4);

    const state = await control<{ vms: unknown[]; requests: { total: number } }>(sim(), 'GET', 'state');
    expect(state.body.vms).toHaveLength(450);
  });

  it('refuses an unknown vault and an invalid count', async () => {
    expect(
      (await control(sim(), 'POST', 'bulkProtectedItems', { vaultName: 'rsv-nope', count: 1, subscriptionId: SUB }))
        .status,
    ).toBe(400);
    expect((await control(sim(), 'POST', 'bulkProtectedItems', { vaultName: EAST_VAULT, count: 0 })).status).toBe(400);
  });
});
