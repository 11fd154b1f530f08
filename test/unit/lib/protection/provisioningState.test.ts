import { OperationPendingError } from '../../../../src/lib/errors';
import { checkProvisioningState } from '../../../../src/lib/protection/provisioningState';

describe('checkProvisioningState', () => {
  it.each(['Succeeded', 'Canceled', undefined])('lets a VM in %s go on', (provisioningState) => {
    expect(checkProvisioningState({ provisioningState }, 1_000)).toBe('ready');
  });

  it('says failed for a VM whose provisioning failed', () => {
    expect(checkProvisioningState({ provisioningState: 'Failed' }, 1_000)).toBe('failed');
  });

  it.each(['Creating', 'Updating', 'updating', 'Migrating', 'Deleting'])(
    'asks to check back on a VM still %s, without spending an attempt',
    (provisioningState) => {
      let thrown: unknown;
      try {
        checkProvisioningState({ provisioningState }, 7_000);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(OperationPendingError);
      expect(thrown).toMatchObject({ retryAfterMs: 7_000, context: { provisioningState } });
    },
  );
});
