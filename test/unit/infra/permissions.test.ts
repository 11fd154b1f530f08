import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { armOperationGroups, findArmOperationCalls } from '../../../tools/infra/armOperations';
import {
  actionMatches,
  grantOfBicepSource,
  grantsFromBicep,
  permissionProblems,
  readPermissionTable,
  type ScopeGrant,
  tableDriftProblems,
} from '../../../tools/infra/permissionCoverage';

const ROOT = join(__dirname, '../../..');
const TABLE_PATH = join(ROOT, 'infra/permissions.json');
const table = readPermissionTable(TABLE_PATH);
const calls = findArmOperationCalls([join(ROOT, 'src')], ROOT);

describe('ARM operations the code calls', () => {
  it('finds the SDK calls of the Compute and Recovery Services adapters, with file and line', () => {
    const operations = calls.map((call) => call.operation);

    expect(calls.find((call) => call.operation === 'backups.trigger')).toEqual({
      operation: 'backups.trigger',
      client: 'RecoveryServicesBackupClient',
      file: 'src/lib/azure/recoveryServicesGateway.ts',
      line: expect.any(Number),
    });
    expect(operations).toEqual(
      expect.arrayContaining([
        'virtualMachines.get',
        'virtualMachines.listAll',
        'backupStatus.get',
        'protectionPolicies.get',
        'protectedItems.get',
        'protectedItems.createOrUpdate',
        'backupOperationStatuses.get',
        'backups.trigger',
        'backupJobs.list',
        'jobDetails.get',
        'backupProtectedItems.list',
      ]),
    );
  });

  it('ignores calls on objects that are not ARM operation groups', () => {
    const directory = mkdtempSync(join(tmpdir(), 'ops-'));
    try {
      writeFileSync(
        join(directory, 'a.ts'),
        'deps.ledger.get(key);\nclient(vault).protectedItems.get(a, b);\nitems.protectedItems.notAMethod(x);\n',
      );

      expect(findArmOperationCalls([directory], directory)).toEqual([
        { operation: 'protectedItems.get', client: 'RecoveryServicesBackupClient', file: 'a.ts', line: 2 },
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('are exactly the operations of infra/permissions.json', () => {
    expect(
      tableDriftProblems(
        table,
        calls.map((call) => call.operation),
      ),
    ).toEqual([]);
  });

  it('names real SDK methods in permissions.json', () => {
    const groups = armOperationGroups();
    for (const { operation } of table.operations) {
      const [group = '', method = ''] = operation.split('.');
      expect({ operation, exists: groups.get(group)?.methods.has(method) ?? false }).toEqual({
        operation,
        exists: true,
      });
    }
  });

  it('reports drift both ways', () => {
    expect(tableDriftProblems(table, ['virtualMachines.get', 'virtualMachines.powerOff'])).toEqual(
      expect.arrayContaining([
        'virtualMachines.powerOff is called by the code but missing from permissions.json',
        'backups.trigger is in permissions.json but no longer called by the code',
      ]),
    );
  });
});

describe('role assignments in the Bicep', () => {
  const grants = grantsFromBicep(table, TABLE_PATH);

  it('grant every action every operation needs, on the scope where the call lands', () => {
    expect(permissionProblems(table, grants)).toEqual([]);
  });

  it('assign Backup Contributor on vaults and only the narrow custom role on watched subscriptions', () => {
    expect(grants.get('vault')?.builtInRoleIds).toEqual(['5e467623-bb1f-42f4-a55d-6e525e11384b']);
    expect(grants.get('watchedSubscription')).toEqual({
      builtInRoleIds: [],
      customRoleActions: [
        'Microsoft.Compute/virtualMachines/read',
        'Microsoft.Compute/virtualMachines/write',
        'Microsoft.RecoveryServices/locations/backupStatus/action',
      ],
    });
  });

  it('would fail if the watched scope only had Reader (backupStatus is a POST action)', () => {
    const readerOnly = new Map<string, ScopeGrant>([
      ...grants,
      ['watchedSubscription', { builtInRoleIds: ['acdd72a7-3385-48ef-bd42-f606fba81ae7'], customRoleActions: [] }],
    ]);

    expect(permissionProblems(table, readerOnly)).toEqual([
      'backupStatus.get: Microsoft.RecoveryServices/locations/backupStatus/action is not granted on scope watchedSubscription',
      'protectedItems.createOrUpdate: Microsoft.Compute/virtualMachines/write is not granted on scope watchedSubscription',
    ]);
  });

  it('accepts Virtual Machine Contributor as the documented alternative for the watched scope', () => {
    const vmContributor = new Map<string, ScopeGrant>([
      ...grants,
      ['watchedSubscription', { builtInRoleIds: ['9980e02c-c2be-4d73-94e8-173b1dc7cf3c'], customRoleActions: [] }],
    ]);

    expect(permissionProblems(table, vmContributor)).toEqual([]);
  });

  it('flags an unrecorded role and a custom action no operation needs', () => {
    const widened = new Map<string, ScopeGrant>([
      ['vault', { builtInRoleIds: ['00000000-1111-2222-3333-444444444444'], customRoleActions: [] }],
      ['watchedSubscription', { builtInRoleIds: [], customRoleActions: ['Microsoft.Compute/virtualMachines/*'] }],
    ]);

    const problems = permissionProblems(table, widened);

    expect(problems).toContain(
      'scope vault: role 00000000-1111-2222-3333-444444444444 is assigned but its actions are not recorded in permissions.json',
    );
    expect(problems).toContain(
      'backupStatus.get: Microsoft.RecoveryServices/locations/backupStatus/action is not granted on scope watchedSubscription',
    );
    expect(problems).not.toContain(
      'scope watchedSubscription: custom role grants Microsoft.Compute/virtualMachines/*, which no operation needs',
    );
    expect(
      permissionProblems(
        table,
        new Map([
          ...grants,
          [
            'watchedSubscription',
            {
              builtInRoleIds: [],
              customRoleActions: [
                'Microsoft.Compute/virtualMachines/read',
                'Microsoft.Compute/virtualMachines/write',
                'Microsoft.RecoveryServices/locations/backupStatus/action',
                'Microsoft.Compute/disks/delete',
              ],
            },
          ],
        ]),
      ),
    ).toEqual([
      'scope watchedSubscription: custom role grants Microsoft.Compute/disks/delete, which no operation needs',
    ]);
  });

  it('reads custom role actions from an inline array as well as from a var', () => {
    const inline =
      "resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {\n  name: 'x'\n  properties: {\n    permissions: [\n      {\n        actions: [\n          'A/read'\n        ]\n      }\n    ]\n  }\n}";

    expect(grantOfBicepSource(inline)).toEqual({ builtInRoleIds: [], customRoleActions: ['A/read'] });
  });
});

describe('actionMatches', () => {
  it.each([
    ['Microsoft.RecoveryServices/Vaults/backupJobs/*', 'Microsoft.RecoveryServices/Vaults/backupJobs/read', true],
    [
      'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/*',
      'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action',
      true,
    ],
    ['*/read', 'Microsoft.Compute/virtualMachines/read', true],
    ['*/read', 'Microsoft.RecoveryServices/locations/backupStatus/action', false],
    ['microsoft.compute/VIRTUALMACHINES/read', 'Microsoft.Compute/virtualMachines/read', true],
    [
      'Microsoft.RecoveryServices/Vaults/backupJobs/read',
      'Microsoft.RecoveryServices/Vaults/backupJobsExport/action',
      false,
    ],
  ])('%s covers %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});
