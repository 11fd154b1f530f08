import { VmRestorePoints } from '../../../../src/lib/report/vmRestorePoints';

const key = (sub: string, rg: string, name: string) =>
  `/subscriptions/${sub}/resourcegroups/${rg}/providers/microsoft.compute/virtualmachines/${name}`;

describe('VmRestorePoints', () => {
  it('answers for exactly the keys added: the same name in another group or subscription is another VM', () => {
    const vms = new VmRestorePoints();
    vms.add(key('s1', 'rg-a', 'vm-1'), true);
    vms.add(key('s1', 'rg-b', 'vm-2'), false);
    expect(vms.restorePointOf(key('s1', 'rg-a', 'vm-1'))).toBe(true);
    expect(vms.restorePointOf(key('s1', 'rg-b', 'vm-2'))).toBe(false);
    expect(vms.restorePointOf(key('s1', 'rg-b', 'vm-1'))).toBeUndefined();
    expect(vms.restorePointOf(key('s2', 'rg-a', 'vm-1'))).toBeUndefined();
    expect(vms.restorePointOf(key('s1', 'rg-a', 'vm-10'))).toBeUndefined();
  });

  it('counts each VM once, and a VM has a restore point once any of its items has one', () => {
    const vms = new VmRestorePoints();
    vms.add(key('s1', 'rg-a', 'vm-1'), false);
    vms.add(key('s1', 'rg-a', 'vm-1'), true);
    vms.add(key('s1', 'rg-a', 'vm-1'), false);
    vms.add(key('s1', 'rg-a', 'a-long-virtual-machine-name-cut-from-its-id'), false);
    expect(vms.size).toBe(2);
    expect(vms.restorePointOf(key('s1', 'rg-a', 'vm-1'))).toBe(true);
    expect(vms.restorePointOf(key('s1', 'rg-a', 'a-long-virtual-machine-name-cut-from-its-id'))).toBe(false);
  });
});
