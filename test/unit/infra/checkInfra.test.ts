import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checkInfra } from '../../../tools/infra/checkInfra';

const ROOT = join(__dirname, '../../..');

describe('checkInfra', () => {
  it('passes on the repository', () => {
    expect(checkInfra(ROOT)).toEqual([]);
  });

  it('reports a setting the template stops setting and a role it stops assigning', () => {
    const copy = mkdtempSync(join(tmpdir(), 'infra-'));
    try {
      cpSync(join(ROOT, 'infra'), join(copy, 'infra'), { recursive: true });
      cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
      const app = join(copy, 'infra/modules/app.bicep');
      writeFileSync(app, readFileSync(app, 'utf8').replace(/^\s*AUTOPROTECT_MAX_ATTEMPTS:.*$/m, ''));
      const vault = join(copy, 'infra/modules/vaultAccess.bicep');
      writeFileSync(
        vault,
        readFileSync(vault, 'utf8').replace(
          '5e467623-bb1f-42f4-a55d-6e525e11384b',
          'a795c7a0-d4a2-40c1-ae25-d81f01202912',
        ),
      );

      const problems = checkInfra(copy);

      expect(problems).toContain(
        'app setting AUTOPROTECT_MAX_ATTEMPTS is read by the code but not set by the template',
      );
      expect(problems).toContain(
        'scope vault: role a795c7a0-d4a2-40c1-ae25-d81f01202912 is assigned but its actions are not recorded in permissions.json',
      );
      expect(problems).toContain(
        'backups.trigger: Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action is not granted on scope vault',
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
