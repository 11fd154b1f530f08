import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { DEMO_VMS } from '../../tools/stack/demoVms';

const repoRoot = resolve(__dirname, '..', '..');
const stackMain = join(repoRoot, 'dist', 'tools', 'stack', 'main.js');

interface RunResult {
  code: number | null;
  output: string;
}

function runStackDemo(timeoutMs: number): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [stackMain, '--exit-after-demo', '--demo-timeout', '120'], {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

/** What `npm start` runs after its build step, ended after the demo instead of waiting for Ctrl-C. */
describe('npm start (the local stack and the demo)', () => {
  let result: RunResult;

  beforeAll(async () => {
    expect(existsSync(stackMain)).toBe(true); // npm test builds first
    result = await runStackDemo(170_000);
  }, 180_000);

  it('exits 0 because every demo VM reached its expected final state and the report was written', () => {
    expect(result.output).toContain('Every demo VM reached its expected state.');
    expect(result.code).toBe(0);
  });

  it('shows each VM reaching its own outcome in the live view: its first backup followed to its end', () => {
    const lastLineOf = (name: string) => {
      const lines = result.output.split('\n').filter((line) => line.includes(` ${name} `));
      return `${name}: ${lines[lines.length - 1] ?? ''}`;
    };
    for (const vm of DEMO_VMS) {
      const expected = {
        protected: 'protected: first restore point',
        skipped: 'skipped',
        failed: 'failed',
        'backup-failed':
          'first backup failed: UserErrorGuestAgentStatusUnavailable (retries-exhausted, after 2 retries)',
      }[vm.expected];
      expect(lastLineOf(vm.name)).toContain(expected);
    }
    // The VM whose agent came up late: its first backup failed, was retried once, and it ends protected.
    expect(result.output).toMatch(
      / app-01 .*first backup failed \(UserErrorGuestAgentStatusUnavailable\); retry scheduled/,
    );
    expect(lastLineOf('app-01')).toMatch(/protected: first restore point .*after 1 retry\)/);
    expect(result.output).toMatch(
      /^Report: 4 of 6 watched VMs have a restore point \(66.6 %\); 0 pending, 2 need attention, 2 not counted$/m,
    );
  });

  it('says why the Trusted Launch VM got the Enhanced policy and why the ephemeral-OS VM was skipped', () => {
    const last = (name: string) =>
      result.output
        .split('\n')
        .filter((line) => line.includes(` ${name} `))
        .at(-1) ?? '';
    expect(last('web-01')).toMatch(
      /protected: first restore point .* \(EnhancedPolicy: Trusted Launch needs an Enhanced policy\)$/,
    );
    expect(last('web-02')).toContain('(DefaultPolicy)');
    expect(last('cache-01')).toContain('skipped: unsupported:ephemeral-os-disk');
  });

  it('writes the compliance report under reports/ and prints its path', () => {
    const match = /Compliance report: (\S+\.html)/.exec(result.output);
    expect(match).not.toBeNull();
    const path = resolve(repoRoot, match?.[1] ?? '');
    const html = readFileSync(path, 'utf8');
    // The failed first backup and the VM in a region without a vault need attention; the VM that cannot be backed up
    // is listed with its reason.
    expect(html).toContain('watched VMs have a restore point');
    expect(html).toContain('legacy-01');
    expect(html).toContain('batch-01');
    expect(html).toContain('No vault serves westus2');
    expect(html).toContain('cache-01');
    expect(html).toContain('unsupported:ephemeral-os-disk');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/i);
  });

  it('writes .local/stack.json with every endpoint and leaves nothing running', () => {
    const info = JSON.parse(readFileSync(join(repoRoot, '.local', 'stack.json'), 'utf8')) as Record<string, unknown>;
    for (const key of [
      'armEndpoint',
      'simControlUrl',
      'hostUrl',
      'eventGridWebhookUrl',
      'masterKey',
      'caCertPath',
      'storageConnectionString',
      'subscriptionIds',
      'vaults',
    ]) {
      expect(info).toHaveProperty(key);
    }
    expect(String(info.eventGridWebhookUrl)).toMatch(/functionName=enqueueProtection&code=/);
    const pids = info.pids as { azurite?: number; runner?: number };
    for (const pid of [pids.azurite, pids.runner]) {
      if (pid === undefined) continue;
      expect(() => process.kill(pid, 0)).toThrow(); // the process is gone
    }
  });
});
