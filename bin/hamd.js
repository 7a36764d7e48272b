#!/usr/bin/env node
// `hamd` command: the compiled CLI (npm run build:ts writes dist/).
'use strict';
const path = require('node:path');
let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'server', 'cli', 'main.js'));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && /dist[\\/]server[\\/]cli[\\/]main\.js/.test(error.message)) {
    process.stderr.write('hamd: not built yet; run `npm run build:ts` (or `npm install`) in the repository\n');
    process.exit(1);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then((code) => process.exit(code));
