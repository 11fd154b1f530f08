#!/usr/bin/env node
'use strict';
// The operator's CLI (docs/cli.md). The TypeScript sources are compiled to dist/ by `npm run build`.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'tools', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('autoprotect: not built yet: run `npm run build` first\n');
  process.exit(1);
}
require(entry).main();
