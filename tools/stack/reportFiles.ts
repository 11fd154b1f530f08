import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Saves a compliance report's HTML under `<root>/reports/` for a person on the local stack (the demo and
 * `autoprotect report`): `compliance-<time>.html` and `latest.html` (and `latest.json` when given). Returns the dated
 * file's path. `reports/` is git-ignored.
 */
export function saveReportLocally(root: string, html: string | Buffer, json?: string | Buffer): string {
  const dir = join(root, 'reports');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `compliance-${stamp}.html`);
  writeFileSync(path, html);
  writeFileSync(join(dir, 'latest.html'), html);
  if (json !== undefined) writeFileSync(join(dir, 'latest.json'), json);
  return path;
}
