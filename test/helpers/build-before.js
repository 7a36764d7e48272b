// tap `before` hook: compile the TypeScript (server, client, CLI) into dist/, which
// the daemon and CLI the tests spawn run from (bin/hamd.js -> dist/server/cli/main.js).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
const tsc = require.resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
