/** ARM-shaped errors: every refusal the simulator makes is an ArmError rendered as `{"error":{code,message}}`. */

export class ArmError extends Error {
  override readonly name = 'ArmError';
  /** The parameter or property the error is about (`error.target`), when there is one. */
  readonly target: string | undefined;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown; target?: string },
  ) {
    super(message, options);
    this.target = options?.target;
  }

  toBody(): { error: { code: string; message: string; target: string | null; details: null; innerError: null } } {
    return {
      error: { code: this.code, message: this.message, target: this.target ?? null, details: null, innerError: null },
    };
  }
}

/** Anything the simulator does not model answers 501 so callers never mistake it for real behaviour. */
export class NotImplementedError extends ArmError {
  constructor(method: string, path: string) {
    super(501, 'NotImplemented', `The ARM simulator does not implement ${method} ${path}.`);
  }
}

export const armErrors = {
  unauthorized: () =>
    new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."),
  missingApiVersion: () =>
    new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    ),
  subscriptionNotFound: (sub: string) =>
    new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`),
  resourceGroupNotFound: (rg: string) =>
    new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`),
  vaultNotFound: (rg: string, vault: string) =>
    new ArmError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.RecoveryServices/vaults/${vault}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      { 'x-ms-failure-cause': 'gateway' },
    ),
  vmNotFound: (rg: string, vm: string) =>
    new ArmError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.Compute/virtualMachines/${vm}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  itemNotFound: () =>
    new ArmError(
      404,
      'BMSUserErrorDataSourceObjectNotFound',
      'Item not found. Selected item might have been deleted or moved to another vault.\r\nPlease refresh the page and try again.',
    ),
  policyNotFound: (policy: string) =>
    new ArmError(404, 'BMSUserErrorPolicyNotFound', `Policy '${policy}' not found.\r\nPlease provide a valid policy.`),
  invalidPolicy: (policyId: string) =>
    new ArmError(
      400,
      'BMSUserErrorInvalidPolicyInput',
      `Input policy '${policyId}' is invalid or does not belong to this vault.\r\nPlease provide a valid policy.`,
    ),
  jobNotFound: (job: string) => new ArmError(404, 'BMSUserErrorJobNotFound', `Job '${job}' not found.`),
  operationNotFound: (op: string) => new ArmError(404, 'BMSUserErrorOperationNotFound', `Operation '${op}' not found.`),
  invalidInput: (detail: string) =>
    new ArmError(400, 'BMSUserErrorInvalidInput', `Input provided for the call is invalid\r\n${detail}`),
  invalidConfigureRequest: (detail: string) =>
    new ArmError(
      400,
      'BMSUserErrorInvalidConfigureProtectionRequest',
      `Configure protection request is invalid.\r\n${detail}`,
    ),
  vmVaultLocationMismatch: (vmLocation: string, vaultLocation: string) =>
    new ArmError(
      400,
      'UserErrorVmVaultLocationMismatch',
      `The virtual machine (location '${vmLocation}') and the Recovery Services vault (location '${vaultLocation}') must be in the same region.\r\nCreate a vault in the region of the VM and protect the VM there.`,
    ),
  crossSubscriptionNotAllowed: () =>
    new ArmError(
      400,
      'BMSUserErrorInvalidInput',
      'Input provided for the call is invalid\r\nThe virtual machine and the vault must be in the same subscription.',
    ),
  alreadyProtectedByOtherVault: (vaultId: string) =>
    new ArmError(
      400,
      'UserErrorVmAlreadyProtectedByAnotherVault',
      `The virtual machine is already protected by vault '${vaultId}'.\r\nStop protection there before protecting it in this vault.`,
    ),
  objectLocked: () =>
    new ArmError(
      409,
      'BMSUserErrorObjectLocked',
      'Another operation is in progress on the selected item.\r\nWait until the previous operation is completed and then retry.',
    ),
  backupInProgress: () =>
    new ArmError(
      400,
      'UserErrorBackupOperationInProgress',
      'Backup failed as another backup operation is in progress for this item.\r\nWait until the previous backup operation is completed and retry.',
    ),
  notProtected: () =>
    new ArmError(
      400,
      'UserErrorBackupNotAllowedForUnprotectedItem',
      'Backup cannot be triggered for an item that is not protected.',
    ),
  throttled: (operation: string, retryAfterSeconds: number) =>
    new ArmError(
      429,
      'ResourceRequestsThrottled',
      `Number of requests for action '${operation}' exceeded the limit of the subscription token bucket. Please try again after '${retryAfterSeconds}' seconds.`,
      { 'Retry-After': String(retryAfterSeconds) },
    ),
  injected: (statusCode: number) =>
    new ArmError(
      statusCode,
      statusCode === 503 ? 'ServiceUnavailable' : 'InternalServerError',
      `Injected fault: the simulator answered ${statusCode} on purpose.`,
    ),
  badBody: (detail: string) =>
    new ArmError(
      400,
      'InvalidRequestContent',
      `The request content was invalid and could not be deserialized: ${detail}`,
    ),
};
