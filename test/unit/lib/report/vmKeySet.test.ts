import { VmKeySet } from '../../../../src/lib/report/vmKeySet';

const key = (sub: string, rg: string, name: string) =>
  `/subscriptions/${sub}/resourcegroups/${rg}/providers/microsoft.compute/virtualmachines/${name}`;

describe('VmKeySet', () => {
  it('answers for exactly the keys added: the same name in another group or subscription is another VM', () => {
    const set = new VmKeySet();
    set.add(key('s1', 'rg-a', 'vm-1'));
    set.add(key('s1', 'rg-b', 'vm-2'));
    expect(set.has(key('s1', 'rg-a', 'vm-1'))).toBe(true);
    expect(set.has(key('s1', 'rg-b', 'vm-2'))).toBe(true);
    expect(set.has(key('s1', 'rg-b', 'vm-1'))).toBe(false);
    expect(set.has(key('s2', 'rg-a', 'vm-1'))).toBe(false);
    expect(set.has(key('s1', 'rg-a', 'vm-10'))).toBe(false);
  });

  it('counts each VM once', () => {
    const set = new VmKeySet();
    for (let i = 0; i < 3; i++) set.add(key('s1', 'rg-a', 'vm-1'));
    set.add(key('s1', 'rg-a', 'a-long-virtual-machine-name-cut-from-its-id'));
    expect(set.size).toBe(2);
    expect(set.has(key('s1', 'rg-a', 'a-long-virtual-machine-name-cut-from-its-id'))).toBe(true);
  });
});
