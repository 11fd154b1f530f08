import { mergeFindings } from '../../../../src/lib/report/mergeFindings';
import { reportFinding as finding } from '../../../helpers/factories/report';

const id = (name: string) => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;

describe('mergeFindings', () => {
  it('keeps one finding per VM (ids compared without case), in the order VMs first appear', () => {
    const merged = mergeFindings([
      finding({ vmResourceId: id('b'), vmName: 'b' }),
      finding({ vmResourceId: id('a'), vmName: 'a' }),
      finding({ vmResourceId: id('B').toUpperCase(), vmName: 'B' }),
    ]);
    expect(merged.map((item) => item.vmName)).toEqual(['b', 'a']);
  });

  it('keeps the more urgent finding and fills what it lacks from the other (the vault’s last job)', () => {
    const stale = finding({
      vmResourceId: id('vm'),
      kind: 'stale',
      protectionState: 'IRPending',
      lastJob: { jobId: 'j', operation: 'Backup', status: 'Failed' },
      region: 'eastus',
    });
    const failed = finding({
      vmResourceId: id('vm'),
      kind: 'first-backup-failed',
      reason: 'retries-exhausted',
      retries: 2,
    });
    for (const order of [
      [stale, failed],
      [failed, stale],
    ])
      expect(mergeFindings(order)).toEqual([
        {
          ...failed,
          protectionState: 'IRPending',
          lastJob: { jobId: 'j', operation: 'Backup', status: 'Failed' },
          region: 'eastus',
        },
      ]);
  });

  it('puts attention before pending before not counted, whatever the kinds', () => {
    const pending = finding({
      vmResourceId: id('vm'),
      kind: 'pending',
      group: 'pending',
      reason: 'first-backup-running',
    });
    const stale = finding({ vmResourceId: id('vm'), kind: 'stale', group: 'attention' });
    const skipped = finding({ vmResourceId: id('vm'), kind: 'skipped', group: 'not-counted' });
    expect(mergeFindings([pending, stale]).map((item) => item.kind)).toEqual(['stale']);
    expect(mergeFindings([skipped, pending]).map((item) => item.kind)).toEqual(['pending']);
  });
});
