import { SERVICE_BUSY_CODES } from '../azure/classifyAzureError';
import { type AutoprotectError, PermanentError } from '../errors';

/** A refusal's code or message that names what a policy type is about (Trusted Launch, Enhanced, V2, disk types). */
const POLICY_TYPE_WORDS =
  /trusted ?launch|confidential|enhanced ?polic|polic(y|ies) ?type|\bv2\b|SimpleSchedulePolicyV2|premium ?ssd ?v2|ultra ?(ssd|disk)|shared ?disk/i;

/** The ledger reason of such a refusal (docs/rules.md, "Refusals the selection did not foresee"). */
export const POLICY_TYPE_REFUSED = 'policy-type-refused';

/**
 * A refusal the policy selection did not foresee: Azure Backup's `UserError*` (or `BMSUserError*`) code whose code or
 * message names Trusted Launch, a policy type or a disk type, synchronous or as a failed ConfigureBackup operation.
 * Azure publishes neither its code nor its form (vm-backup-support.md §1), so it is recognised by these words. Such a
 * refusal becomes a PermanentError (never retried, whatever its HTTP status) whose message starts with
 * `policy-type-refused:` and keeps Azure's code and message; anything else, busy codes included, is returned as it is.
 */
export function explainPolicyRefusal(error: AutoprotectError): AutoprotectError {
  const code = typeof error.context.armCode === 'string' ? error.context.armCode : error.code;
  if (!/^(BMS)?UserError/i.test(code) || SERVICE_BUSY_CODES.has(code)) return error;
  if (!POLICY_TYPE_WORDS.test(code) && !POLICY_TYPE_WORDS.test(error.message)) return error;
  if (error.message.startsWith(`${POLICY_TYPE_REFUSED}:`)) return error;
  return new PermanentError(`${POLICY_TYPE_REFUSED}: ${error.message}`, {
    cause: error,
    code,
    context: { ...error.context, refusal: 'policy-type' },
  });
}
