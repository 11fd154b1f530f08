import { itemKeyOf, type ProtectedItemRecord, vmIdOf } from '../../simulator/src/store/model';
import { SimulatorStore } from '../../simulator/src/store/store';

const SUB = '11111111-1111-1111-1111-111111111111';
const EAST = 'vault-east';
const WEST = 'vault-west';

function item(vaultKey: string, vmName: string): ProtectedItemRecord {
  return {
    vaultKey,
    sourceResourceId: vmIdOf(SUB, 'rg', vmName),
    vmResourceGroup: 'rg',
    vmName,
    policyName: 'DefaultPolicy',
    protectionState: 'IRPending',
    lastBackupStatus: '',
    lastBackupTime: '',
    lastRecoveryPoint: undefined,
    protectedItemDataId: '1',
    deletingUntil: undefined,
  };
}

function names(store: SimulatorStore, vaultKey: string): string[] {
  return store.itemsOf(vaultKey).map(([, i]) => i.vmName);
}

describe('SimulatorStore.itemsOf', () => {
  it("lists a vault's items by source VM id, case-insensitively, and no other vault's", () => {
    const store = new SimulatorStore();
    for (const [vault, vm] of [
      [EAST, 'vm-b'],
      [WEST, 'vm-a'],
      [EAST, 'VM-C'],
      [EAST, 'vm-a'],
    ] as const)
      store.protectedItems.set(itemKeyOf(vault, 'rg', vm), item(vault, vm));
    expect(names(store, EAST)).toEqual(['vm-a', 'vm-b', 'VM-C']);
    expect(names(store, WEST)).toEqual(['vm-a']);
    expect(names(store, 'nowhere')).toEqual([]);
  });

  it('shows an item added or removed after a listing on the next one, and changes made in place at once', () => {
    const store = new SimulatorStore();
    store.protectedItems.set(itemKeyOf(EAST, 'rg', 'vm-b'), item(EAST, 'vm-b'));
    expect(names(store, EAST)).toEqual(['vm-b']);
    store.protectedItems.set(itemKeyOf(EAST, 'rg', 'vm-a'), item(EAST, 'vm-a'));
    expect(names(store, EAST)).toEqual(['vm-a', 'vm-b']);
    const b = store.protectedItems.get(itemKeyOf(EAST, 'rg', 'vm-b'));
    if (b) b.protectionState = 'Protected';
    expect(store.itemsOf(EAST).map(([, i]) => i.protectionState)).toEqual(['IRPending', 'Protected']);
    store.protectedItems.delete(itemKeyOf(EAST, 'rg', 'vm-a'));
    expect(names(store, EAST)).toEqual(['vm-b']);
    store.clear();
    expect(names(store, EAST)).toEqual([]);
  });
});
