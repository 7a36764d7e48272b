#!/usr/bin/env node
// `npm test`: every suite of the project, then one summary line "N passed, M failed".
//  0. layer rules (C++ includes: tools/check-includes.js; TypeScript imports: dependency-cruiser
//     with .dependency-cruiser.js, through tools/check-imports.js)
//  1. C++ core tests (test/native/test_*.cpp, TAP output), built with CMake in build/native
//  2. TypeScript tests (tap: daemon, CLI, Node client, addon)
//  3. Python tests (pytest: reference implementation, Python client)
// Each count is of individual assertions (C++, tap) or test functions (pytest).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jobs = String(Math.max(1, require('node:os').availableParallelism?.() ?? 2));
const only = process.argv.slice(2); // e.g. `npm test -- native python`
const results = [];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  return result;
}

// Counts leaf results in (possibly nested) TAP: a line "ok"/"not ok" is a parent
// when the line before it is indented deeper (the end of its subtest block).
function countTap(text) {
  let passed = 0;
  let failed = 0;
  let previousIndent = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const match = /^(not )?ok\b/.exec(line.trimStart());
    const skipped = /#\s*(SKIP|TODO)/i.test(line);
    if (match && !(previousIndent > indent) && !skipped) {
      if (match[1]) failed += 1;
      else passed += 1;
    }
    previousIndent = indent;
  }
  return { passed, failed };
}

function suite(name, body) {
  if (only.length > 0 && !only.includes(name)) return;
  console.log(`\n===== ${name} =====`);
  const started = Date.now();
  let outcome;
  try {
    outcome = body();
  } catch (error) {
    console.error(`${name}: ${error.stack || error}`);
    outcome = { passed: 0, failed: 1 };
  }
  results.push({ name, ...outcome, seconds: (Date.now() - started) / 1000 });
}

// One-way arrows: C++ include rules (tools/check-includes.js) and TypeScript import rules
// (dependency-cruiser, .dependency-cruiser.js). A back-arrow or a cycle fails the run.
suite('layers', () => {
  let total = { passed: 0, failed: 0 };
  for (const check of ['check-includes.js', 'check-imports.js']) {
    const r = run(process.execPath, [path.join(root, 'tools', check)]);
    const counts = countTap(r.stdout || '');
    if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
    total = { passed: total.passed + counts.passed, failed: total.failed + counts.failed };
  }
  return total;
});

suite('native', () => {
  const build = path.join(root, 'build', 'native');
  let r = run('cmake', ['-S', root, '-B', build, '-DCMAKE_BUILD_TYPE=Release', '-DHAMD_BUILD_NATIVE_TESTS=ON']);
  if (r.status !== 0) return { passed: 0, failed: 1 };
  r = run('cmake', ['--build', build, '-j', jobs]);
  if (r.status !== 0) return { passed: 0, failed: 1 };
  let total = { passed: 0, failed: 0 };
  const tests = fs.readdirSync(path.join(root, 'test', 'native'))
    .filter((f) => /^test_.*\.cpp$/.test(f)).map((f) => f.replace(/\.cpp$/, ''));
  for (const test of tests) {
    const binary = path.join(build, test);
    console.log(`# ${test}`);
    const t = run(binary, [], { cwd: root, timeout: 15 * 60 * 1000 });
    const counts = countTap(t.stdout || '');
    if (t.status !== 0 && counts.failed === 0) counts.failed = 1; // crashed or exited non-zero
    total = { passed: total.passed + counts.passed, failed: total.failed + counts.failed };
  }
  return total;
});

suite('typescript', () => {
  const r = run('npx', ['tap', '--reporter=tap', '--disable-coverage', '--timeout=600'], {
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const counts = countTap(r.stdout || '');
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
});

suite('python', () => {
  const python = process.env.HAMD_PYTHON || 'python3';
  const r = run(python, ['-m', 'pytest', 'test/python', '-q', '-p', 'no:cacheprovider', '-rs'], {
    env: { ...process.env, PYTHONPATH: [path.join(root, 'clients', 'python'), root, process.env.PYTHONPATH].filter(Boolean).join(':') },
  });
  const text = r.stdout || '';
  const passed = Number((/(\d+) passed/.exec(text) || [0, 0])[1]);
  const failed = Number((/(\d+) failed/.exec(text) || [0, 0])[1]) + Number((/(\d+) errors?/.exec(text) || [0, 0])[1]);
  return { passed, failed: failed || (r.status !== 0 ? 1 : 0) };
});

console.log('\n===== summary =====');
let passed = 0;
let failed = 0;
for (const r of results) {
  console.log(`${r.name.padEnd(12)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed  (${r.seconds.toFixed(1)} s)`);
  passed += r.passed;
  failed += r.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
