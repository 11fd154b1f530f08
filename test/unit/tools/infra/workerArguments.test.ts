import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { deployedWorkerArguments } from '../../../../tools/infra/workerArguments';

describe('deployedWorkerArguments', () => {
  it("reads the worker's Node options from the app template, found above the caller", () => {
    expect(deployedWorkerArguments(__dirname)).toEqual(['--max-old-space-size=128']);
  });

  it('says so when the template sets none, rather than running the stack without them', () => {
    const root = mkdtempSync(join(tmpdir(), 'worker-args-'));
    mkdirSync(join(root, 'infra', 'modules'), { recursive: true });
    writeFileSync(join(root, 'infra', 'modules', 'app.bicep'), "param location string = 'eastus'\n");
    expect(() => deployedWorkerArguments(join(root, 'infra'))).toThrow('sets no languageWorkers__node__arguments');
  });
});
