import { readRules, readVaults } from '../../../../src/lib/config/jsonSettings';
import { defaultRules } from '../../../../src/lib/rules/rulesConfig';
import { OTHER_SUBSCRIPTION, TEST_SUBSCRIPTION } from '../../../helpers/factories/rules';

const SUB = TEST_SUBSCRIPTION;
const SUB2 = OTHER_SUBSCRIPTION;
const SUB3 = '33333333-3333-3333-3333-333333333333';
const vaultId = (name: string, sub = SUB, rg = 'rg-backup') =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.RecoveryServices/vaults/${name}`;

/** readVaults over a JSON value (or raw text), watching SUB and SUB2 unless told otherwise. */
function vaults(value: unknown, watched: string[] = [SUB, SUB2]) {
  const problems: string[] = [];
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { routes: readVaults(text, watched, problems), problems };
}

describe('readVaults', () => {
  it('builds a route from each entry, normalising the region and the vault subscription', () => {
    const { routes, problems } = vaults([
      { region: ' West Europe ', vaultId: vaultId('RSV-West', SUB.toUpperCase(), 'RG-Backup') },
    ]);
    expect(problems).toEqual([]);
    expect(routes).toEqual([
      {
        region: 'westeurope',
        vaultId: vaultId('RSV-West', SUB, 'RG-Backup'),
        vaultName: 'RSV-West',
        vaultResourceGroup: 'RG-Backup',
        vaultSubscriptionId: SUB,
      },
    ]);
    expect(routes[0]).not.toHaveProperty('subscriptionIds');
  });

  it('keeps the Enhanced policy a route names for VMs that need one', () => {
    const { routes, problems } = vaults([{ region: 'eastus', vaultId: vaultId('v'), enhancedPolicy: 'GoldV2' }]);
    expect(problems).toEqual([]);
    expect(routes[0]?.enhancedPolicy).toBe('GoldV2');
  });

  it('accepts the fixed segments of the vault id in any case', () => {
    const id = `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/rg/PROVIDERS/microsoft.recoveryservices/VAULTS/v`;
    const { routes, problems } = vaults([{ region: 'eastus', vaultId: id }]);
    expect(problems).toEqual([]);
    expect(routes[0]?.vaultId).toBe(vaultId('v', SUB, 'rg'));
  });

  it('lower-cases the subscriptions a vault serves', () => {
    const { routes, problems } = vaults([
      { region: 'eastus', vaultId: vaultId('v'), subscriptionIds: [SUB2.toUpperCase()] },
    ]);
    expect(problems).toEqual([]);
    expect(routes[0]?.subscriptionIds).toEqual([SUB2]);
  });

  it('requires the setting', () => {
    for (const text of [undefined, '', '   ']) {
      const problems: string[] = [];
      expect(readVaults(text, [SUB], problems)).toEqual([]);
      expect(problems).toEqual(['AUTOPROTECT_VAULTS is required: a JSON value (see docs/configuration.md)']);
    }
  });

  it('says when the setting is not JSON, with the parser’s message', () => {
    const { routes, problems } = vaults('[{"region":"eastus"');
    expect(routes).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^AUTOPROTECT_VAULTS is not valid JSON: ./);
  });

  it.each<[string, unknown, string]>([
    ['an empty list', [], 'AUTOPROTECT_VAULTS: must list at least one vault'],
    ['an object instead of a list', { region: 'eastus' }, 'AUTOPROTECT_VAULTS: '],
    ['a blank region', [{ region: '  ', vaultId: vaultId('v') }], 'AUTOPROTECT_VAULTS[0].region: '],
    ['a missing vault id', [{ region: 'eastus' }], 'AUTOPROTECT_VAULTS[0].vaultId: '],
    ['an unknown key', [{ region: 'eastus', vaultId: vaultId('v'), policy: 'x' }], 'AUTOPROTECT_VAULTS[0]: '],
    [
      'a subscription that is not a GUID',
      [{ region: 'eastus', vaultId: vaultId('v'), subscriptionIds: [SUB, 'nope'] }],
      'AUTOPROTECT_VAULTS[0].subscriptionIds[1]: must be a subscription GUID',
    ],
    [
      'a blank enhancedPolicy',
      [{ region: 'eastus', vaultId: vaultId('v'), enhancedPolicy: ' ' }],
      'AUTOPROTECT_VAULTS[0].enhancedPolicy: ',
    ],
    [
      'an empty subscription list',
      [{ region: 'eastus', vaultId: vaultId('v'), subscriptionIds: [] }],
      'AUTOPROTECT_VAULTS[0].subscriptionIds: ',
    ],
  ])('refuses %s, naming the path, and returns no route', (_label, value, expected) => {
    const { routes, problems } = vaults(value);
    expect(routes).toEqual([]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.startsWith(expected)).toBe(true);
  });

  it.each([
    ['another resource type', '/subscriptions/x/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/s'],
    ['a subscription that is not a GUID', vaultId('v', 'not-a-guid')],
    ['a trailing slash', `${vaultId('v')}/`],
    ['a child resource', `${vaultId('v')}/backupPolicies/p`],
    ['a missing leading slash', vaultId('v').slice(1)],
  ])('refuses a vault id with %s, quoting it, and keeps the valid entries', (_label, badId) => {
    const { routes, problems } = vaults([
      { region: 'eastus', vaultId: badId },
      { region: 'westeurope', vaultId: vaultId('good') },
    ]);
    expect(problems).toEqual([
      `AUTOPROTECT_VAULTS[0].vaultId must be /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults/{name}, got '${badId}'`,
    ]);
    expect(routes.map((route) => route.vaultName)).toEqual(['good']);
  });

  it('names subscriptions a vault serves that are not watched, and still routes it', () => {
    const { routes, problems } = vaults(
      [{ region: 'eastus', vaultId: vaultId('v'), subscriptionIds: [SUB, SUB3] }],
      [SUB],
    );
    expect(problems).toEqual([`AUTOPROTECT_VAULTS[0].subscriptionIds has subscriptions that are not watched: ${SUB3}`]);
    expect(routes).toHaveLength(1);
  });

  describe('overlapping routes', () => {
    it('refuses two vaults serving every watched subscription in the same region, per subscription', () => {
      const { problems } = vaults([
        { region: 'eastus', vaultId: vaultId('a') },
        { region: 'East US', vaultId: vaultId('b') },
      ]);
      expect(problems).toEqual([
        `AUTOPROTECT_VAULTS: region 'eastus' for subscription ${SUB} is served by both ${vaultId('a')} and ${vaultId('b')}`,
        `AUTOPROTECT_VAULTS: region 'eastus' for subscription ${SUB2} is served by both ${vaultId('a')} and ${vaultId('b')}`,
      ]);
    });

    it('refuses a vault for all subscriptions next to one for a single subscription in the same region', () => {
      const { problems } = vaults([
        { region: 'eastus', vaultId: vaultId('a'), subscriptionIds: [SUB2] },
        { region: 'eastus', vaultId: vaultId('b') },
      ]);
      expect(problems).toEqual([
        `AUTOPROTECT_VAULTS: region 'eastus' for subscription ${SUB2} is served by both ${vaultId('a')} and ${vaultId('b')}`,
      ]);
    });

    it('accepts one region split between vaults by subscription, and the same region in different vaults', () => {
      const { routes, problems } = vaults([
        { region: 'eastus', vaultId: vaultId('a'), subscriptionIds: [SUB] },
        { region: 'eastus', vaultId: vaultId('b'), subscriptionIds: [SUB2] },
        { region: 'westeurope', vaultId: vaultId('c') },
      ]);
      expect(problems).toEqual([]);
      expect(routes).toHaveLength(3);
    });

    it('accepts the same vault listed twice for a region (no ambiguity)', () => {
      const { problems } = vaults([
        { region: 'eastus', vaultId: vaultId('a') },
        { region: 'eastus', vaultId: vaultId('a') },
      ]);
      expect(problems).toEqual([]);
    });
  });
});

describe('readRules', () => {
  function rules(text: string | undefined) {
    const problems: string[] = [];
    return { rules: readRules(text, problems), problems };
  }

  it('gives the default rules, without a problem, when the setting is absent or blank', () => {
    expect(rules(undefined)).toEqual({ rules: defaultRules(), problems: [] });
    expect(rules('  ')).toEqual({ rules: defaultRules(), problems: [] });
  });

  it('parses the rules merged over the defaults', () => {
    const result = rules(JSON.stringify({ optOutTag: 'nobackup', policies: [{ tag: 'tier', policy: 'Gold' }] }));
    expect(result.problems).toEqual([]);
    expect(result.rules).toEqual({
      ...defaultRules(),
      optOutTag: 'nobackup',
      policies: [{ tag: 'tier', policy: 'Gold' }],
    });
  });

  it('says when the setting is not JSON and falls back to the defaults', () => {
    const result = rules('{optOutTag: x}');
    expect(result.rules).toEqual(defaultRules());
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(/^AUTOPROTECT_RULES is not valid JSON: ./);
  });

  it('passes the rules’ own problems on, named after the setting', () => {
    const result = rules(JSON.stringify({ include: [{ tag: '' }] }));
    expect(result.rules).toEqual(defaultRules());
    expect(result.problems[0]).toMatch(/^AUTOPROTECT_RULES\.include\[0\]\.tag: /);
  });
});
