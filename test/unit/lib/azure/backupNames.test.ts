import {
  containerNameOf,
  itemContainerNameOf,
  operationIdFromUrl,
  policyIdOf,
  protectedItemNameOf,
} from '../../../../src/lib/azure/backupNames';
import { retryAfterMsFrom } from '../../../../src/lib/azure/retryAfter';
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

describe('retryAfterMsFrom', () => {
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMsFrom(headers({ 'x-ms-retry-after-ms': '40' }))).toBe(40);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(retryAfterMsFrom(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }), now)).toBe(10_000);
  });

  it('ignores absent or garbage values', () => {
    expect(retryAfterMsFrom(headers({}))).toBeUndefined();
    expect(retryAfterMsFrom(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMsFrom(undefined)).toBeUndefined();
  });
});
