import {
  containerNameOf,
  itemContainerNameOf,
  operationIdFromUrl,
  policyIdOf,
  protectedItemNameOf,
} from '../../../../src/lib/azure/backupNames';
import { parseVmResourceId } from '../../../../src/lib/resourceId';
import { vmId } from '../../../helpers/factories/rules';

describe('backup names', () => {
  const vm = parseVmResourceId(vmId('MyVM', 'MyRG'));

  it('builds container and item names as the tools send them', () => {
    expect(containerNameOf(vm)).toBe('iaasvmcontainer;iaasvmcontainerv2;MyRG;MyVM');
    expect(protectedItemNameOf(vm)).toBe('vm;iaasvmcontainerv2;MyRG;MyVM');
    expect(itemContainerNameOf(vm)).toBe('iaasvmcontainerv2;myrg;myvm');
  });

  it('builds a policy id', () => {
    expect(policyIdOf('/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v', 'P')).toBe(
      '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/backupPolicies/P',
    );
  });

  it('takes the operation id from an Azure-AsyncOperation URL with literal semicolons', () => {
    expect(
      operationIdFromUrl(
        'https://127.0.0.1:8443/x/protectedItems/vm;iaasvmcontainerv2;rg;vm/operationsStatus/abc-123?api-version=2023-06-01',
      ),
    ).toBe('abc-123');
    expect(operationIdFromUrl(undefined)).toBeUndefined();
    expect(operationIdFromUrl('not a url')).toBeUndefined();
  });
});
