import fc from 'fast-check';

/**
 * Generators for the fuzz tests, with a model of validity: every generated resource id knows whether it must parse as
 * exactly a VM. The model is written from the ARM naming rules, not from src/lib/resourceId.ts.
 */
export interface GeneratedId {
  id: string;
  valid: boolean;
  /** What made it invalid, for the failure message. */
  flaw?: string;
}

const RG_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_().-'.split('');
const NAME_EDGE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'.split('');
const NAME_MIDDLE = [...NAME_EDGE, '.', '-'];

const validResourceGroup = fc
  .array(fc.constantFrom(...RG_CHARS), { minLength: 1, maxLength: 30 })
  .map((chars) => chars.join(''))
  .filter((rg) => !rg.endsWith('.') && rg !== '.' && rg !== '..');
const validVmName = fc
  .tuple(
    fc.constantFrom(...NAME_EDGE),
    fc.array(fc.constantFrom(...NAME_MIDDLE), { maxLength: 20 }),
    fc.option(fc.constantFrom(...NAME_EDGE), { nil: undefined }),
  )
  .map(([first, middle, last]) => (last === undefined ? first : `${first}${middle.join('')}${last}`));

/** Names that are not VM names: separators, traversal, encodings, unicode, whitespace, too long. */
const invalidVmName = fc.oneof(
  validVmName.map((name) => `${name};drop`),
  validVmName.map((name) => `${name}/..`),
  fc.constant('..'),
  fc.constant('.'),
  validVmName.map((name) => `${name}%2F..%2Fother`),
  validVmName.map((name) => `%2e%2e${name}`),
  validVmName.map((name) => `${name}ü`),
  validVmName.map((name) => `${name}\u202e`),
  validVmName.map((name) => `${name} `),
  validVmName.map((name) => `${name}\n`),
  validVmName.map((name) => `-${name}`),
  validVmName.map((name) => `${name}-`),
  fc.constant('a'.repeat(65)),
  validVmName.map((name) => `${name}?x=1`),
  validVmName.map((name) => `${name}#frag`),
);

const fixedSegments = fc.tuple(
  fc.constantFrom('subscriptions', 'Subscriptions', 'SUBSCRIPTIONS'),
  fc.constantFrom('resourceGroups', 'resourcegroups', 'RESOURCEGROUPS'),
  fc.constantFrom('providers', 'Providers'),
  fc.constantFrom('Microsoft.Compute', 'microsoft.compute', 'MICROSOFT.COMPUTE'),
  fc.constantFrom('virtualMachines', 'virtualmachines', 'VirtualMachines'),
);

function build(parts: {
  sub: string;
  rg: string;
  name: string;
  segments: [string, string, string, string, string];
  tail?: string;
}): string {
  const [subs, rgs, providers, namespace, type] = parts.segments;
  return `/${subs}/${parts.sub}/${rgs}/${parts.rg}/${providers}/${namespace}/${type}/${parts.name}${parts.tail ?? ''}`;
}

/** Exactly-a-VM ids in the given subscription (mixed case in the fixed segments). */
export function validVmId(subscriptionId: string): fc.Arbitrary<GeneratedId> {
  return fc
    .tuple(validResourceGroup, validVmName, fixedSegments)
    .map(([rg, name, segments]) => ({ id: build({ sub: subscriptionId, rg, name, segments }), valid: true }));
}

/** Ids that look like VM ids but are not: children, other types, bad names, bad subscriptions, trailing slash, ... */
export function invalidVmId(subscriptionId: string): fc.Arbitrary<GeneratedId> {
  const base = fc.tuple(validResourceGroup, validVmName, fixedSegments);
  return fc.oneof(
    fc.tuple(validResourceGroup, invalidVmName, fixedSegments).map(([rg, name, segments]) => ({
      id: build({ sub: subscriptionId, rg, name, segments }),
      valid: false,
      flaw: 'vm name',
    })),
    base.map(([rg, name, segments]) => ({
      id: build({ sub: subscriptionId, rg, name, segments, tail: '/extensions/VMSnapshot' }),
      valid: false,
      flaw: 'child resource',
    })),
    base.map(([rg, name, segments]) => ({
      id: build({ sub: subscriptionId, rg, name, segments, tail: '/' }),
      valid: false,
      flaw: 'trailing slash',
    })),
    base.map(([rg, name]) => ({
      id: `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/${name}`,
      valid: false,
      flaw: 'other type',
    })),
    base.map(([rg, name]) => ({
      id: `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}`,
      valid: false,
      flaw: 'other compute type',
    })),
    base.map(([rg, name, segments]) => ({
      id: build({ sub: 'not-a-guid', rg, name, segments }),
      valid: false,
      flaw: 'subscription',
    })),
    base.map(([rg, name, segments]) => ({
      id: build({ sub: subscriptionId, rg: `${rg};x`, name, segments }),
      valid: false,
      flaw: 'resource group ;',
    })),
    base.map(([, name, segments]) => ({
      id: build({ sub: subscriptionId, rg: '..', name, segments }),
      valid: false,
      flaw: 'resource group ..',
    })),
    base.map(([rg, name, segments]) => ({
      id: build({ sub: subscriptionId, rg: `${rg}.`, name, segments }),
      valid: false,
      flaw: 'resource group ends with .',
    })),
    base.map(([rg, name, segments]) => ({
      id: build({ sub: subscriptionId, rg, name, segments }).replace('/', '//'),
      valid: false,
      flaw: 'empty segment',
    })),
    base.map(([rg, name, segments]) => ({
      id: build({ sub: subscriptionId, rg, name, segments }).slice(1),
      valid: false,
      flaw: 'no leading slash',
    })),
    base.map(([rg, name, segments]) => ({
      id: encodeURIComponent(build({ sub: subscriptionId, rg, name, segments })),
      valid: false,
      flaw: 'percent-encoded',
    })),
    base.map(([rg, name]) => ({
      id: `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines`,
      valid: false,
      flaw: `no name (${name})`,
    })),
    fc.string({ maxLength: 200 }).map((id) => ({ id, valid: false, flaw: 'random string' })),
    fc
      .string({ unit: 'grapheme', maxLength: 100 })
      .map((id) => ({ id: `/subscriptions/${subscriptionId}/${id}`, valid: false, flaw: 'unicode tail' })),
  );
}

export function anyVmId(subscriptionId: string): fc.Arbitrary<GeneratedId> {
  return fc.oneof(
    { arbitrary: validVmId(subscriptionId), weight: 1 },
    { arbitrary: invalidVmId(subscriptionId), weight: 2 },
  );
}
