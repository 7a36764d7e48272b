#!/usr/bin/env node
// One-way arrows in the C++ addon, checked on every `npm test` (docs/architecture.md).
//  - addon/core/ is laid out by concept; a folder may include only the folders listed for it
//    below (the layers underneath it) and itself;
//  - the core knows nothing of Node: no napi.h / node_api.h / addon/napi include;
//  - no include cycle between files.
// Prints TAP ("ok N - ..."/"not ok N - ...") so that tools/run-tests.js counts it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const core = path.join(root, 'addon', 'core');

// Folder -> folders it may include (besides itself). Lowest layers first.
const allowed = {
  base: [],
  math: ['base'],
  systems: ['base', 'math'],
  io: ['base', 'systems'],
  descriptors: ['base', 'math', 'systems', 'io'],  // io: a fitted contraction is an .npz file
  qc: ['base', 'math', 'systems'],
  models: ['base', 'math', 'systems', 'io', 'descriptors', 'qc'],
  training: ['base', 'math', 'systems', 'io', 'descriptors', 'qc', 'models'],
};

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return walk(full);
    return /\.(cpp|hpp|h|cu|cuh)$/.test(entry.name) ? [full] : [];
  });
}

function includesOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*#\s*include\s*[<"]([^">]+)[">]/gm)].map((m) => m[1]);
}

const results = [];
const check = (ok, name, details = '') => results.push({ ok, name, details });

const files = walk(core);
const graph = new Map(); // core-relative path -> core-relative includes
const violations = [];
const nodeHeaders = [];
const strays = [];
for (const file of files) {
  const relative = path.relative(core, file).split(path.sep).join('/');
  const folder = relative.split('/')[0];
  if (!(folder in allowed)) {
    strays.push(relative);
    continue;
  }
  const edges = [];
  for (const include of includesOf(file)) {
    if (/^(napi\.h|node_api\.h|node\.h|uv\.h)$/.test(include) || include.startsWith('napi/')) {
      nodeHeaders.push(`${relative} includes ${include}`);
    }
    if (!include.startsWith('core/')) continue;
    const target = include.slice('core/'.length);
    edges.push(target);
    const targetFolder = target.split('/')[0];
    if (targetFolder !== folder && !allowed[folder].includes(targetFolder)) {
      violations.push(`${relative} includes ${include} (${folder} may include only ${[folder, ...allowed[folder]].join(', ')})`);
    }
    if (!fs.existsSync(path.join(core, target))) violations.push(`${relative} includes missing ${include}`);
  }
  graph.set(relative, edges);
}

check(strays.length === 0, 'every core file lives in a layer folder (base, math, systems, io, descriptors, qc, models, training)', strays.join('; '));
check(violations.length === 0, `core includes follow the layer rules (${files.length} files)`, violations.join('; '));
check(nodeHeaders.length === 0, 'the core includes no Node or N-API header', nodeHeaders.join('; '));

// Cycles: depth-first search with colours.
const colour = new Map();
const cycles = [];
function visit(node, stack) {
  colour.set(node, 'grey');
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    if (colour.get(next) === 'grey') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
    else if (!colour.has(next)) visit(next, stack);
  }
  stack.pop();
  colour.set(node, 'black');
}
for (const node of graph.keys()) if (!colour.has(node)) visit(node, []);
check(cycles.length === 0, 'no include cycle in the core', cycles.join('; '));

// The N-API layer: may include the core and itself, nothing of tests or benchmarks.
const napiViolations = [];
for (const file of walk(path.join(root, 'addon', 'napi'))) {
  for (const include of includesOf(file)) {
    if (include.startsWith('native/') || include.startsWith('bench/')) napiViolations.push(`${path.relative(root, file)} includes ${include}`);
  }
}
check(napiViolations.length === 0, 'the N-API layer includes only the core, itself and system headers', napiViolations.join('; '));

results.forEach((r, i) => {
  console.log(`${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${r.name}${r.ok || !r.details ? '' : ` # ${r.details}`}`);
});
console.log(`1..${results.length}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
