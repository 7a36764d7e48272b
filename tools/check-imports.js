#!/usr/bin/env node
// One-way arrows between the TypeScript layers (rules and reasons: .dependency-cruiser.js),
// checked with dependency-cruiser on every `npm test` (the `layers` suite of tools/run-tests.js).
// Prints TAP: one "ok" per rule without violations, one "not ok" per violation (so that
// tools/run-tests.js counts each violation as a failure), and exits 1 when there is any.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const config = require(path.join(root, '.dependency-cruiser.js'));

const cli = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const run = spawnSync(process.execPath, [cli, '--config', '.dependency-cruiser.js', '--output-type', 'json', 'server', 'clients', 'bench', 'test'], {
  cwd: root, encoding: 'utf8', maxBuffer: 1 << 28,
});
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.log(`not ok 1 - dependency-cruiser ran # exit ${run.status}: ${(run.stderr || run.stdout || '').trim().split('\n').slice(-5).join(' | ')}`);
  console.log('1..1');
  process.exit(1);
}

const lines = [];
const violations = report.summary.violations ?? [];
for (const rule of config.forbidden) {
  const mine = violations.filter((v) => v.rule.name === rule.name);
  if (mine.length === 0) {
    lines.push(`ok ${lines.length + 1} - ${rule.name}: ${rule.comment}`);
    continue;
  }
  for (const v of mine) {
    const what = v.cycle ? `cycle ${[v.from, ...v.cycle.map((step) => step.name ?? step)].join(' -> ')}` : `${v.from} imports ${v.to}`;
    lines.push(`not ok ${lines.length + 1} - ${rule.name}: ${what} # ${rule.comment}`);
  }
}
// Violations of rules this file does not list (none today) still fail.
for (const v of violations.filter((v) => !config.forbidden.some((rule) => rule.name === v.rule.name))) {
  lines.push(`not ok ${lines.length + 1} - ${v.rule.name}: ${v.from} imports ${v.to}`);
}
const modules = report.summary.totalCruised;
if (!(modules > 0)) lines.push(`not ok ${lines.length + 1} - dependency-cruiser found no modules to check`);
lines.forEach((line) => console.log(line));
console.log(`1..${lines.length}`);
console.log(`# ${modules} modules, ${report.summary.totalDependenciesCruised} imports checked`);
process.exit(lines.every((line) => line.startsWith('ok ')) ? 0 : 1);
