import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every npm script runs on Node 22 although a machine's own node may be 20: the `node` devDependency installs a
 * Node 22 binary into node_modules/.bin, which npm puts first on PATH (README, "Node versions"). If its install
 * script did not run (an npm that blocks install scripts not approved in package.json `allowScripts`, or
 * `--ignore-scripts`), node_modules/.bin/node is missing and everything would silently run on the system node.
 */
const ROOT = join(__dirname, '..', '..', '..');
const BIN_NODE = join(ROOT, 'node_modules', '.bin', 'node');
const FIX =
  'Run `npm ci` (without --ignore-scripts), check that package.json `allowScripts` approves `node`, ' +
  'and run tests through npm scripts (`npm test`, `npm run test:unit`) or `npx jest`.';

function expectNode22(what: string, version: string): void {
  if (!/^v22\./.test(version.trim())) throw new Error(`${what} runs on Node ${version.trim()}, not 22. ${FIX}`);
}

describe('the toolchain runs on Node 22', () => {
  it('node_modules/.bin/node is a Node 22 binary', () => {
    if (!existsSync(BIN_NODE))
      throw new Error(`${BIN_NODE} does not exist: the \`node\` devDependency's install script did not run. ${FIX}`);
    expectNode22('node_modules/.bin/node', execFileSync(BIN_NODE, ['--version'], { encoding: 'utf8' }));
  });

  it('jest runs on it, and so does every child started with process.execPath (Azurite, the simulator, the runner)', () => {
    expectNode22('jest', process.version);
    expectNode22(
      'a child started with process.execPath',
      execFileSync(process.execPath, ['-p', 'process.version'], { encoding: 'utf8' }),
    );
  });

  it('a child started through PATH, as npm scripts and `#!/usr/bin/env node` tools are, finds it too', () => {
    expectNode22('`node` on PATH', execFileSync('node', ['--version'], { encoding: 'utf8' }));
  });
});
