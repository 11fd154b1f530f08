import { classifyAzureError } from '../../../../src/lib/azure/classifyAzureError';
import { PermanentError, TransientError } from '../../../../src/lib/errors';
import { operationFailure } from '../../../../src/lib/protection/operationFailure';
import { explainPolicyRefusal, POLICY_TYPE_REFUSED } from '../../../../src/lib/protection/policyRefusal';
import { armError } from '../../../helpers/factories/azureErrors';

const TL_MESSAGE =
  "Trusted Launch virtual machine 'vm1' can be protected only with an Enhanced policy (policyType V2); 'DefaultPolicy' is a Standard policy.";

describe('explainPolicyRefusal', () => {
  it('makes a synchronous UserError refusal naming Trusted Launch permanent, keeping Azure code and message', () => {
    const error = explainPolicyRefusal(classifyAzureError(armError(400, 'UserErrorSomethingNew', {}, TL_MESSAGE)));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('UserErrorSomethingNew');
    expect(error.message).toBe(`${POLICY_TYPE_REFUSED}: Azure call failed (400 UserErrorSomethingNew): ${TL_MESSAGE}`);
    expect(error.context).toMatchObject({ statusCode: 400, refusal: 'policy-type' });
  });

  it('recognises a failed ConfigureBackup operation with such a code', () => {
    const failed = operationFailure('enable protection', 'Failed', 'BMSUserErrorPolicyTypeNotSupported', 'no');
    const error = explainPolicyRefusal(failed);
    expect(error.message.startsWith(`${POLICY_TYPE_REFUSED}: Could not enable protection`)).toBe(true);
    expect(error.code).toBe('BMSUserErrorPolicyTypeNotSupported');
  });

  it('never retries such a refusal, whatever its HTTP status', () => {
    const transient = classifyAzureError(armError(500, 'UserErrorTrustedLaunchNeedsEnhanced'));
    expect(transient).toBeInstanceOf(TransientError);
    expect(explainPolicyRefusal(transient)).toBeInstanceOf(PermanentError);
  });

  it.each([
    ['a UserError about something else', armError(400, 'UserErrorProtectionQuotaExceeded')],
    ['a busy code', armError(409, 'UserErrorBackupOperationInProgress', {}, 'Enhanced policy backup running')],
    ['a code that is no UserError', armError(400, 'InvalidPolicyType', {}, TL_MESSAGE)],
  ])('leaves %s as it is', (_label, raw) => {
    const error = classifyAzureError(raw);
    expect(explainPolicyRefusal(error)).toBe(error);
  });

  it('does not wrap twice', () => {
    const once = explainPolicyRefusal(classifyAzureError(armError(400, 'UserErrorX', {}, TL_MESSAGE)));
    expect(explainPolicyRefusal(once)).toBe(once);
  });
});
