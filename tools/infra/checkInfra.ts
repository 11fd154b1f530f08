import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SETTING_NAMES } from '../../src/lib/config';
import { appSettingNamesIn } from './appSettings';
import { findArmOperationCalls } from './armOperations';
import { grantsFromBicep, permissionProblems, readPermissionTable, tableDriftProblems } from './permissionCoverage';

/** Settings the template deliberately leaves unset (same list as test/unit/infra/appSettings.test.ts). */
const DELIBERATELY_UNSET = new Set(['AzureWebJobsStorage', 'AUTOPROTECT_ARM_CA_CERT']);

/** Every .bicep file under `<root>/infra`. */
export function templateFiles(root: string): string[] {
  return readdirSync(join(root, 'infra'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.bicep'))
    .map((file) => join(root, 'infra', file))
    .sort();
}

/**
 * The checks the Bicep compiler cannot make (it compiles and lints infra/ in test/unit/infra/bicep.test.ts): app
 * settings against SETTING_NAMES, and role coverage of the ARM calls in src/. Returns one line per problem.
 */
export function checkInfra(root: string): string[] {
  const files = templateFiles(root);
  // The file that creates the Function App (other files may reference it as `existing`).
  const siteFiles = files.filter((file) => /'Microsoft\.Web\/sites@[^']+' = /.test(readFileSync(file, 'utf8')));
  const settings = new Set(siteFiles.flatMap((file) => appSettingNamesIn(readFileSync(file, 'utf8'))));
  const tablePath = join(root, 'infra/permissions.json');
  const table = readPermissionTable(tablePath);
  const calls = findArmOperationCalls([join(root, 'src')], root).map((call) => call.operation);
  return [
    ...SETTING_NAMES.filter((name) => !settings.has(name) && !DELIBERATELY_UNSET.has(name)).map(
      (name) => `app setting ${name} is read by the code but not set by the template`,
    ),
    ...tableDriftProblems(table, calls),
    ...permissionProblems(table, grantsFromBicep(table, tablePath)),
  ];
}

if (require.main === module) {
  const root = process.argv[2] ?? process.cwd();
  const problems = checkInfra(root);
  for (const problem of problems) console.log(JSON.stringify({ check: 'infra', problem }));
  console.log(
    JSON.stringify({ check: 'infra', problems: problems.length, result: problems.length === 0 ? 'ok' : 'failed' }),
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
}
