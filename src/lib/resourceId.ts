import { GUID_PATTERN } from './config/formats';
import { ValidationError } from './errors';

/**
 * VM resource ids are parsed and normalised here and nowhere else.
 *
 * Accepted: exactly `/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}`,
 * with the fixed segments in any letter case. Rejected: child resources (extensions, ...), other types, empty segments
 * (so also a trailing slash), `.`/`..`, whitespace or control characters, `%` (no VM name contains one, and decoding
 * `%2F` would smuggle a path separator), a subscription that is not a GUID, names ARM refuses.
 */
export interface VmResourceId {
  /** Lower-case GUID. */
  subscriptionId: string;
  /** As given. */
  resourceGroup: string;
  /** As given. */
  name: string;
  /** Canonical `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}`. */
  id: string;
  /** `id` lower-cased: the idempotency key everywhere (ledger row key, dedupe). */
  key: string;
}

export type VmResourceIdParse = { ok: true; vm: VmResourceId } | { ok: false; reason: string };

const MAX_ID_LENGTH = 1024;
/** Resource group: 1-90 of letters, digits, `_ ( ) - .`, not ending with a period. */
const RESOURCE_GROUP = /^[\p{L}\p{N}_().-]{1,90}$/u;
/**
 * VM name: 1-64 of ASCII letters, digits, `_ . -`, starting with a letter, digit or `_`, not ending with `.` or `-`.
 */
const VM_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$/;
const FORBIDDEN_CHARACTERS = /[\s\p{Cc}%\\?#]/u;

const FIXED_SEGMENTS: ReadonlyArray<readonly [index: number, expected: string]> = [
  [0, 'subscriptions'],
  [2, 'resourceGroups'],
  [4, 'providers'],
  [5, 'Microsoft.Compute'],
  [6, 'virtualMachines'],
];

export function tryParseVmResourceId(value: unknown): VmResourceIdParse {
  if (typeof value !== 'string') return fail(`resource id must be a string, got ${describeType(value)}`);
  if (value.length === 0) return fail('resource id is empty');
  if (value.length > MAX_ID_LENGTH) return fail(`resource id is longer than ${MAX_ID_LENGTH} characters`);
  if (FORBIDDEN_CHARACTERS.test(value)) {
    return fail('resource id contains whitespace, a control character or one of % \\ ? #');
  }
  if (!value.startsWith('/')) return fail("resource id must start with '/'");

  const segments = value.slice(1).split('/');
  if (segments.some((segment) => segment.length === 0)) return fail('resource id has an empty segment');
  if (segments.some((segment) => segment === '.' || segment === '..'))
    return fail("resource id has a '.' or '..' segment");

  for (const [index, expected] of FIXED_SEGMENTS) {
    const actual = segments[index];
    if (actual === undefined) return fail(`resource id is too short to be a VM id (no '${expected}' segment)`);
    if (actual.toLowerCase() !== expected.toLowerCase()) {
      return fail(`resource id is not a VM id: segment ${index + 1} is '${actual}', expected '${expected}'`);
    }
  }
  if (segments.length < 8) return fail('resource id has no VM name');
  if (segments.length > 8) {
    return fail(`resource id names a child of a VM ('${segments.slice(8).join('/')}'), not the VM itself`);
  }

  const [, subscription, , resourceGroup, , , , name] = segments as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!GUID_PATTERN.test(subscription)) return fail(`subscription '${subscription}' is not a GUID`);
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    return fail(`resource group '${resourceGroup}' is not a valid resource group name`);
  }
  if (!VM_NAME.test(name)) return fail(`VM name '${name}' is not a valid VM name`);

  const subscriptionId = subscription.toLowerCase();
  const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
  return { ok: true, vm: { subscriptionId, resourceGroup, name, id, key: id.toLowerCase() } };
}

/** Parses exactly a VM id; throws ValidationError (code 'invalid-resource-id', reason in the message) otherwise. */
export function parseVmResourceId(value: string): VmResourceId {
  const result = tryParseVmResourceId(value);
  if (!result.ok) {
    throw new ValidationError(`Invalid VM resource id: ${result.reason}`, {
      code: 'invalid-resource-id',
      context: { resourceId: typeof value === 'string' ? value.slice(0, 300) : undefined },
    });
  }
  return result.vm;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
