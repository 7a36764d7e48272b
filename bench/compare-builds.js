#!/usr/bin/env node
// Side-by-side timing of two builds of hamd on this machine, in one run: this checkout and a
// baseline checkout (e.g. `git worktree add ../baseline <commit>`, built there with
// `npm test -- native`, `npx cmake-js compile --out build/addon` and `npx tsc`). The two are run
// alternately, `--rounds` times each, and the best figure of every cell is kept, so that a
// machine that slows down in the middle of the run affects both alike. Prints, per figure,
// baseline, this build and the ratio this / baseline (below 1: faster).
//
//   node bench/compare-builds.js --baseline ../baseline [--rounds 3] [--seconds 2] [--repeats 5]
//                                [--only core|daemon|hamiltonian]
//
// Figures: (1) the C++ core, power spectrum, bench/descriptors_native.cpp (us/atom, best of
// repeated runs: lists built, lists prebuilt, output reused); (2) in process through the addon
// and through the daemon, bench/descriptors.ts (us/atom); (3) Hamiltonian prediction,
// bench/hamiltonian_native.cpp (seconds per structure of the test set).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const current = path.resolve(__dirname, '..');
const baselineArg = option('baseline');
if (!baselineArg) {
  console.error('usage: node bench/compare-builds.js --baseline DIR [--rounds N] [--seconds S] [--repeats N]');
  process.exit(2);
}
const baseline = path.resolve(baselineArg);
const rounds = Number(option('rounds', '3'));
const seconds = option('seconds', '2');
const repeats = option('repeats', '5');
const only = option('only'); // core | daemon | hamiltonian: one benchmark only

function run(cwd, command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`${cwd}: ${command} ${commandArgs.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

// Each benchmark: how to run it in a tree, and its figures as [name, value] pairs.
const benchmarks = [
  {
    id: 'core',
    title: 'C++ core, power spectrum (us/atom; lists built / prebuilt / output reused)',
    run: (tree) => run(tree, path.join(tree, 'build', 'native', 'bench_descriptors_native'), [path.join(tree, 'data', 'bench'), '--seconds', seconds]),
    parse: (text) => {
      const figures = [];
      for (const line of text.split('\n')) {
        const m = /^(\S+\.xyz)\s+(\d+)\s+(none|positions)\s+(.*)$/.exec(line.trim());
        if (!m) continue;
        const bests = [...m[4].matchAll(/([\d.]+)\s*\/\s*[\d.]+/g)].map((x) => Number(x[1]));
        ['with list', 'prebuilt', 'reused'].forEach((what, k) => {
          if (bests[k] !== undefined) figures.push([`${m[1]} ${m[2]} thr ${m[3]} ${what}`, bests[k]]);
        });
      }
      return figures;
    },
  },
  {
    id: 'daemon',
    title: 'addon in process and daemon (us/atom)',
    run: (tree) => run(tree, process.execPath, [path.join(tree, 'dist', 'bench', 'descriptors.js'), '--skip-native', '--repeats', repeats]),
    parse: (text) => {
      const figures = [];
      for (const line of text.split('\n')) {
        const cells = line.split('|').map((c) => c.trim()).filter((c) => c.length > 0);
        if (cells.length < 5 || !/\.xyz/.test(cells[0])) continue;
        const key = `${cells[0].split(' ')[0]} ${cells[1]} thr ${cells[2]}`;
        figures.push([`${key} in process`, Number(cells[3])], [`${key} daemon`, Number(cells[4])]);
      }
      return figures;
    },
  },
  {
    id: 'hamiltonian',
    title: 'Hamiltonian prediction (seconds per structure, 1 thread)',
    run: (tree) => run(tree, path.join(tree, 'build', 'native', 'bench_hamiltonian_native'),
      ['bench', '--model', path.join(tree, 'models', 'default-hamiltonian.npz'), '--test', path.join(tree, 'data', 'test.npz')]),
    parse: (text) => {
      const m = /\|\s*model prediction[^|]*\|\s*([\d.]+)\s*\|/.exec(text);
      return m ? [['prediction', Number(m[1])]] : [];
    },
  },
];

console.log(`# this build: ${current}\n# baseline:   ${baseline}\n# ${rounds} rounds, alternating; best of every figure\n`);
for (const bench of benchmarks.filter((b) => !only || b.id === only)) {
  const best = { baseline: new Map(), current: new Map() };
  for (let round = 0; round < rounds; round++) {
    for (const [which, tree] of round % 2 === 0 ? [['baseline', baseline], ['current', current]] : [['current', current], ['baseline', baseline]]) {
      process.stderr.write(`${bench.title}: round ${round + 1}/${rounds}, ${which}\n`);
      for (const [name, value] of bench.parse(bench.run(tree))) {
        const seen = best[which].get(name);
        if (seen === undefined || value < seen) best[which].set(name, value);
      }
    }
  }
  console.log(`## ${bench.title}\n\n| figure | baseline | this build | this / baseline |\n|---|---|---|---|`);
  for (const [name, old] of best.baseline) {
    const now = best.current.get(name);
    if (now === undefined) continue;
    const digits = old < 0.1 ? 6 : 2;
    console.log(`| ${name} | ${old.toFixed(digits)} | ${now.toFixed(digits)} | ${(now / old).toFixed(3)} |`);
  }
  console.log('');
}
