import { ArmError } from './errors';

/**
 * Compute's rule for a virtual machine's resource name, enforced on Compute PUT and `POST /_sim/vms` (both go through
 * writeVm), so a name Azure would refuse is refused here too instead of becoming a VM the app then rejects.
 *
 * Sources (docs/simulator.md, "VM names"):
 * - MicrosoftDocs/azure-docs, articles/azure-resource-manager/management/resource-name-rules.md, section
 *   "Microsoft.Compute", row `virtualMachines`: no spaces, control characters or `~ ! @ # $ % ^ & * ( ) = + _ [ ] { }
 *   \ | ; : . ' " , < > / ?`; can't end with a period or hyphen; and the note below the table: those restrictions
 *   (and 15 characters for Windows) are for the host name, "the actual resource name can have up to 64 characters".
 * - Azure/azure-rest-api-specs issue #13271: through the REST API an underscore is accepted in the resource name
 *   (the portal refuses it because it uses the same value as the host name).
 * - Azure/PSRule.Rules.Azure rule `Azure.VM.Name`: 1-64 characters; alphanumerics, underscores, periods and hyphens;
 *   start with an alphanumeric; end with an alphanumeric or an underscore.
 * The simulator applies the last (the strictest reading consistent with the first two).
 *
 * The error: Compute answers an invalid VM property with `400 InvalidParameter` and a `target` (published for
 * `computerName`, e.g. Azure/azure-quickstart-templates issue #13440). The code and status for an invalid *resource
 * name* are not published: they are UNVERIFIED and configurable (`SimulatorOptions.compute.invalidVmName`,
 * `POST /_sim/compute`).
 */
export const VM_NAME_MAX_LENGTH = 64;

const ALLOWED_CHARACTER = /^[A-Za-z0-9_.-]$/;
const ALPHANUMERIC = /^[A-Za-z0-9]$/;

export interface InvalidVmNameError {
  statusCode: number;
  code: string;
}

export const DEFAULT_INVALID_VM_NAME_ERROR: InvalidVmNameError = { statusCode: 400, code: 'InvalidParameter' };

/** Why Compute would refuse this VM name, or undefined when it is a valid name. */
export function vmNameProblem(name: string): string | undefined {
  const characters = [...name];
  if (characters.length === 0) return 'it is empty';
  if (characters.length > VM_NAME_MAX_LENGTH)
    return `it is ${characters.length} characters long (at most ${VM_NAME_MAX_LENGTH})`;
  const bad = [...new Set(characters.filter((character) => !ALLOWED_CHARACTER.test(character)))];
  if (bad.length > 0) return `it contains ${bad.map(describeCharacter).join(', ')}`;
  if (!ALPHANUMERIC.test(characters[0] ?? '')) return `it starts with '${characters[0]}'`;
  const last = characters.at(-1) ?? '';
  if (!ALPHANUMERIC.test(last) && last !== '_') return `it ends with '${last}'`;
  return undefined;
}

/** Throws the configured ARM error when Compute would refuse the name. */
export function requireValidVmName(name: string, error: InvalidVmNameError = DEFAULT_INVALID_VM_NAME_ERROR): void {
  const problem = vmNameProblem(name);
  if (problem === undefined) return;
  throw new ArmError(
    error.statusCode,
    error.code,
    `The value '${name}' of parameter 'vmName' is invalid: ${problem}. A virtual machine name must be 1 to ${VM_NAME_MAX_LENGTH} characters long, contain only letters, digits, underscores, periods and hyphens, start with a letter or digit, and end with a letter, digit or underscore.`,
    {},
    { target: 'vmName' },
  );
}

function describeCharacter(character: string): string {
  if (character === ' ') return 'a space';
  if (/^\p{Cc}$/u.test(character)) return `the control character U+${hex(character)}`;
  if (/^[\x21-\x7e]$/.test(character)) return `'${character}'`;
  return `'${character}' (U+${hex(character)})`;
}

function hex(character: string): string {
  return (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}
