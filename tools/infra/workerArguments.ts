import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The app setting whose value the Functions host starts the Node.js worker with (App settings reference). */
export const WORKER_ARGUMENTS_SETTING = 'languageWorkers__node__arguments';

/** The template that sets it in Azure. */
const APP_TEMPLATE = join('infra', 'modules', 'app.bicep');

/**
 * The Node options the deployed worker starts with, as infra/modules/app.bicep sets them: the local stack's runners
 * and the benchmark's report process start with the same ones, so what they measure is what Azure runs.
 */
export function deployedWorkerArguments(from: string = __dirname): string[] {
  const source = readFileSync(join(repoRootAbove(from), APP_TEMPLATE), 'utf8');
  const value = new RegExp(`${WORKER_ARGUMENTS_SETTING}:\\s*'([^']*)'`).exec(source)?.[1];
  if (!value) throw new Error(`${APP_TEMPLATE} sets no ${WORKER_ARGUMENTS_SETTING}`);
  return value.split(' ').filter(Boolean);
}

/** The nearest folder above `start` that holds the template (the source tree and dist/ both live in the repo). */
function repoRootAbove(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, APP_TEMPLATE))) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${APP_TEMPLATE} above ${start}`);
  }
}
