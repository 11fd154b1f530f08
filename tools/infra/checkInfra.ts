import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { SETTING_NAMES } from '../../src/lib/config';
import { appSettingNamesIn } from './appSettings';
import { findArmOperationCalls } from './armOperations';
import { checkBicepProject } from './bicepChecks';
import { grantsFromBicep, permissionProblems, readPermissionTable, tableDriftProblems } from './permissionCoverage';

/** Settings the template deliberately leaves unset (same list as test/unit/infra/appSettings.test.ts). */
const DELIBERATELY_UNSET = new Set(['AUTOPROTECT_ARM_CA_CERT']);

/**
 * The checks that stand in for `bicep build` and a real deployment: template structure, app settings against
 * SETTING_NAMES, and role coverage of the ARM calls in src/. Returns one line per problem (empty: all good).
 */
export function checkInfra(root: string): string[] {
  const { files, problems } = checkBicepProject(join(root, 'infra/main.bicep'));
  const siteFiles = files.filter((file) => /'Microsoft\.Web\/sites@/.test(readFileSync(file, 'utf8')));
  const settings = new Set(siteFiles.flatMap((file) => appSettingNamesIn(readFileSync(file, 'utf8'))));
  const tablePath = join(root, 'infra/permissions.json');
  const table = readPermissionTable(tablePath);
  const calls = findArmOperationCalls([join(root, 'src')], root).map((call) => call.operation);
  return [
    ...problems.map((problem) => `${relative(root, problem.file)}:${problem.line}: ${problem.message}`),
    ...SETTING_NAMES.filter((name) => !settings.has(name) && !DELIBERATELY_UNSET.has(name)).map((name) => `app setting ${name} is read by the code but not set by the template`),
    ...tableDriftProblems(table, calls),
    ...permissionProblems(table, grantsFromBicep(table, tablePath)),
  ];
}

if (require.main === module) {
  const root = process.argv[2] ?? process.cwd();
  const problems = checkInfra(root);
  for (const problem of problems) console.log(JSON.stringify({ check: 'infra', problem }));
  console.log(JSON.stringify({ check: 'infra', problems: problems.length, result: problems.length === 0 ? 'ok' : 'failed' }));
  process.exitCode = problems.length === 0 ? 0 : 1;
}
