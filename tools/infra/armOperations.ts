import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { ComputeManagementClient } from '@azure/arm-compute';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import type { TokenCredential } from '@azure/core-auth';

/** An ARM SDK call found in the source: `<operationGroup>.<method>(`, e.g. `protectedItems.createOrUpdate`. */
export interface ArmOperationCall {
  /** `operationGroup.method` */
  operation: string;
  client: 'ComputeManagementClient' | 'RecoveryServicesBackupClient';
  file: string;
  line: number;
}

const NO_NETWORK_CREDENTIAL: TokenCredential = {
  getToken: async () => {
    throw new Error('armOperations only inspects SDK clients; it never sends a request');
  },
};
const ANY_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/**
 * The operation groups of the two ARM clients the app uses, read from real SDK client instances (constructing a
 * client sends nothing), each with the names of its methods.
 */
export function armOperationGroups(): Map<string, { client: ArmOperationCall['client']; methods: Set<string> }> {
  const groups = new Map<string, { client: ArmOperationCall['client']; methods: Set<string> }>();
  const clients = [
    {
      name: 'ComputeManagementClient' as const,
      instance: new ComputeManagementClient(NO_NETWORK_CREDENTIAL, ANY_SUBSCRIPTION),
    },
    {
      name: 'RecoveryServicesBackupClient' as const,
      instance: new RecoveryServicesBackupClient(NO_NETWORK_CREDENTIAL, ANY_SUBSCRIPTION),
    },
  ];
  for (const { name, instance } of clients) {
    for (const [group, value] of Object.entries(instance as object) as Array<[string, unknown]>) {
      if (typeof value !== 'object' || value === null || group.startsWith('_') || group === 'pipeline') continue;
      const methods = methodNamesOf(value);
      if (methods.size > 0) groups.set(group, { client: name, methods });
    }
  }
  return groups;
}

/** Every `<group>.<method>(` in the TypeScript files under `roots` whose group is an ARM operation group. */
export function findArmOperationCalls(roots: readonly string[], baseDir: string): ArmOperationCall[] {
  const groups = armOperationGroups();
  const calls: ArmOperationCall[] = [];
  for (const file of roots.flatMap(typeScriptFilesUnder)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        for (const match of text.matchAll(/\.([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)\s*\(/g)) {
          const [, group = '', method = ''] = match;
          const known = groups.get(group);
          if (known?.methods.has(method))
            calls.push({
              operation: `${group}.${method}`,
              client: known.client,
              file: relative(baseDir, file),
              line: index + 1,
            });
        }
      });
  }
  return calls;
}

/**
 * Methods of an operation group: own function properties (arm-compute) and class methods (arm-recoveryservicesbackup).
 */
function methodNamesOf(operationGroup: object): Set<string> {
  const names = new Set<string>();
  for (
    let holder: object | null = operationGroup;
    holder !== null && holder !== Object.prototype;
    holder = Object.getPrototypeOf(holder) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(holder)) {
      if (name !== 'constructor' && typeof (operationGroup as Record<string, unknown>)[name] === 'function')
        names.add(name);
    }
  }
  return names;
}

function typeScriptFilesUnder(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(path).flatMap((entry) => typeScriptFilesUnder(join(path, entry)));
}
