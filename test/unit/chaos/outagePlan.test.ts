import { seededRandom } from '../../../tools/chaos/chaosPlan';
import { FULL_OUTAGES, outageAppSettings, planOutages, REDUCED_OUTAGES } from '../../../tools/chaos/outages/outagePlan';

describe('outage plan', () => {
  it('splits the VMs over the baseline, the outage windows and the webhook outage, each VM once', () => {
    const plan = planOutages(seededRandom(18), FULL_OUTAGES);
    const names = [...plan.baseline, ...plan.windows.flatMap((window) => [...window.vms, ...window.webhookVms])].map(
      (vm) => vm.name,
    );
    expect(names).toHaveLength(300);
    expect(new Set(names).size).toBe(300);
    expect(plan.windows.map((window) => [window.name, window.target, window.seconds])).toEqual([
      ['storage', 'storage', 60],
      ['arm-503', 'arm', 120],
      ['arm-drop', 'arm', 120],
    ]);
    expect(plan.baseline).toHaveLength(15);
    expect(plan.windows.map((window) => window.webhookVms.length)).toEqual([0, 30, 0]);
    expect(plan.windows.filter((window) => window.reportDuring).map((window) => window.name)).toEqual(['storage']);
  });

  it('puts only VMs the rules protect behind the dead webhook, and no case the sweep would re-enqueue', () => {
    const plan = planOutages(seededRandom(3), REDUCED_OUTAGES);
    const webhook = plan.windows.flatMap((window) => window.webhookVms);
    expect(webhook.length).toBeGreaterThanOrEqual(3);
    expect(webhook.every((vm) => vm.expected.status === 'protected')).toBe(true);
    const cases = new Set(plan.all.map((vm) => vm.chaosCase));
    expect(cases.has('unknown-policy')).toBe(false);
    expect(cases.has('vm-deleted')).toBe(false);
    expect(cases.has('no-vault-for-region')).toBe(true);
    expect(cases.has('opt-out')).toBe(true);
  });

  it('is reproducible from its seed', () => {
    expect(planOutages(seededRandom(5), REDUCED_OUTAGES)).toEqual(planOutages(seededRandom(5), REDUCED_OUTAGES));
  });

  it("passes the profile's retry and claim settings to the app, and follows first backups at the simulator's pace", () => {
    expect(outageAppSettings(FULL_OUTAGES)).toEqual({
      AUTOPROTECT_RETRY_BASE_SECONDS: '5',
      AUTOPROTECT_RETRY_MAX_SECONDS: '30',
      AUTOPROTECT_MAX_ATTEMPTS: '12',
      AUTOPROTECT_LEASE_SECONDS: '30',
      AUTOPROTECT_INVOCATION_BUDGET: '20',
      AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT1S',
    });
  });
});
