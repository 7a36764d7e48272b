// The TypeScript side of the contract cannot drift from proto/hamd/v1/hamd.proto: the committed
// generated types equal a fresh `npm run gen:types`, the generator's options are the loader's, and
// every word list of server/wire/vocabulary.ts is the one the proto's comments document.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { NativeGradientBlock } from '../server/native/addon';
import * as nativeModels from '../server/native/model-addon';
import { packageRoot } from '../server/base/paths';
import { loaderOptions } from '../server/wire/proto';
import * as vocabulary from '../server/wire/vocabulary';
import { realAddon, tempDir } from './helpers/daemon';

interface GenTypes {
  generate(outDir?: string): string;
  generatorOptions: Record<string, boolean | string>;
  defaultOutDir: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const genTypes = require(path.join(packageRoot, 'tools', 'gen-types.js')) as GenTypes;

const proto = fs.readFileSync(path.join(packageRoot, 'proto', 'hamd', 'v1', 'hamd.proto'), 'utf8');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

t.test('server/wire/generated is what proto-loader-gen-types makes of the proto now', async (t) => {
  const dir = tempDir('hamd-gen-types-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  genTypes.generate(dir);
  const committed = genTypes.defaultOutDir;
  const fresh = filesUnder(dir);
  t.ok(fresh.length > 0, `the generator wrote ${fresh.length} files`);
  t.same(filesUnder(committed), fresh, 'the same files (run `npm run gen:types` after changing the proto)');
  for (const file of fresh) {
    const want = fs.readFileSync(path.join(dir, file), 'utf8');
    const got = fs.existsSync(path.join(committed, file)) ? fs.readFileSync(path.join(committed, file), 'utf8') : '(missing)';
    t.ok(got === want, `${file} is up to date (run \`npm run gen:types\`)`);
  }
});

t.test('the generator runs with the options the daemon and the client load the proto with', async (t) => {
  const o = genTypes.generatorOptions;
  t.equal(o.keepCase, loaderOptions.keepCase, 'keepCase');
  t.equal(o.longs, (loaderOptions.longs as { name: string }).name, 'longs');
  t.equal(o.enums, (loaderOptions.enums as { name: string }).name, 'enums');
  t.equal(o.bytes, (loaderOptions.bytes as { name: string }).name, 'bytes');
  t.equal(o.defaults, loaderOptions.defaults, 'defaults');
  t.equal(o.arrays, loaderOptions.arrays, 'arrays');
  t.equal(o.oneofs, loaderOptions.oneofs, 'oneofs');
});

// The comment lines above `field` in `message` (and the one after it on its line).
function fieldComment(message: string, field: string): string {
  const start = proto.indexOf(`message ${message} {`);
  if (start < 0) throw new Error(`no message ${message} in hamd.proto`);
  const lines = proto.slice(start, proto.indexOf('\n}', start)).split('\n');
  const at = lines.findIndex((line) => new RegExp(`\\b${field} = \\d+( \\[[^\\]]*\\])?;`).test(line));
  if (at < 0) throw new Error(`no field ${message}.${field} in hamd.proto`);
  const comment: string[] = [lines[at].split('//')[1] ?? ''];
  for (let i = at - 1; i >= 0 && lines[i].trim().startsWith('//'); i--) comment.unshift(lines[i].trim().slice(2));
  return comment.join(' ');
}

const quoted = (text: string): string[] => [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]).filter((word) => word !== '');

t.test('the vocabulary is the one hamd.proto documents', async (t) => {
  t.same(vocabulary.descriptorKinds, quoted(fieldComment('ComputeDescriptorsRequest', 'kind')), 'descriptor kinds');
  t.same(vocabulary.gradientParameters, quoted(fieldComment('ComputeDescriptorsRequest', 'gradients')), 'gradient parameters');
  t.same(vocabulary.computeDevices, quoted(fieldComment('ComputeDescriptorsRequest', 'device')), 'compute devices');
  t.same(vocabulary.gradientParameters, quoted(proto.slice(proto.indexOf('// Gradient of a block'), proto.indexOf('message GradientBlock'))),
    'GradientBlock.parameter');

  const outputs = fieldComment('PredictRequest', 'outputs');
  t.same(vocabulary.predictOutputs, quoted(outputs), 'Predict outputs');
  t.same([...vocabulary.hamiltonianOutputs, ...vocabulary.energyOutputs], [...vocabulary.predictOutputs], 'Predict outputs: Hamiltonian, then energy');
  t.same(vocabulary.defaultPredictOutputs, (/Hamiltonian: ([^;]*);/.exec(outputs)?.[1] ?? '').split(/,\s*/), 'default Predict outputs of Hamiltonian models');
  t.same(vocabulary.defaultEnergyOutputs, (/energy: ([^)]*)\)/.exec(outputs)?.[1] ?? '').split(/,\s*/), 'default Predict outputs of energy models');
  for (const [field, words] of [['units', vocabulary.energyUnits], ['order', vocabulary.orbitalOrders], ['variant', vocabulary.modelVariants]] as const) {
    const comment = fieldComment('PredictRequest', field);
    t.same(words, quoted(comment), `PredictRequest.${field}`);
    t.match(comment, new RegExp(`"${words[0]}" \\(default`), `PredictRequest.${field}: the first, "${words[0]}", is the default`);
  }
  const matrices = vocabulary.predictOutputs.filter((o) => /\[n_orb, n_orb\]/.test(fieldComment('StructurePrediction', o)));
  t.same(vocabulary.matrixOutputs, matrices, 'matrix outputs: those documented [n_orb, n_orb]');

  const hypers = [...proto.slice(proto.indexOf('message Hypers {')).split('\n}')[0]
    .matchAll(/optional (double|int32) (\w+) = \d+;\s*\/\/[^[]*\[([^\]]+)\]/g)];
  t.same([...vocabulary.hyperNames].sort(), hypers.map((m) => m[2]).sort(), 'hyper-parameter names');
  t.same([...vocabulary.integerHyperNames].sort(), hypers.filter((m) => m[1] === 'int32').map((m) => m[2]).sort(), 'int32 hyper-parameters');
  for (const [, , name, value] of hypers) {
    t.equal(vocabulary.defaultHypers[name as vocabulary.HyperName], Number(value), `default ${name} = ${value}`);
  }
  t.same(vocabulary.modelStates, quoted(fieldComment('ModelInfo', 'state')), 'model states');
  t.equal(vocabulary.API_VERSION, /^package (\S+);/m.exec(proto)?.[1], 'API version = the proto package');
});

// Compile time: the native layer's own types of these words are the same sets.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesAgree: Array<true> = [
  true as Same<NativeGradientBlock['parameter'], vocabulary.GradientParameter>,
  true as Same<nativeModels.PredictOutput, vocabulary.PredictOutput>,
  true as Same<nativeModels.EnergyUnit, vocabulary.EnergyUnit>,
  true as Same<nativeModels.OrbitalOrder, vocabulary.OrbitalOrder>,
  true as Same<nativeModels.ModelVariant, vocabulary.ModelVariant>,
];

t.test('the native layer\'s copies of the Predict words (server/native/model-addon.ts) are the contract\'s', async (t) => {
  t.equal(typesAgree.length, 5, 'and so are their types (checked when this file compiles)');
  t.same(nativeModels.predictOutputs, vocabulary.predictOutputs, 'outputs');
  t.same(nativeModels.energyUnits, vocabulary.energyUnits, 'units');
  t.same(nativeModels.orbitalOrders, vocabulary.orbitalOrders, 'orders');
  t.same(nativeModels.modelVariants, vocabulary.modelVariants, 'variants');
});

// The core owns the descriptor kinds (addon/core/descriptors/registry.cpp) and the Predict outputs
// (core/models/hamiltonian/prediction.cpp): the client-side words must be the same.
t.test('the core registers exactly the contract\'s descriptor kinds and Predict outputs', async (t) => {
  const addon = realAddon();
  const kinds = addon.descriptorKinds();
  t.same(kinds.map((k) => k.name), [...vocabulary.descriptorKinds], 'descriptor kinds, in order');
  t.same(kinds.filter((k) => k.cellGradients).map((k) => k.name), ['spherical-expansion', 'power-spectrum', 'correlation', 'lode-spherical-expansion', 'multi-scale', 'pair-features', 'message-passing'], 'cell gradients');
  t.ok(kinds.every((k) => k.positionGradients), 'position gradients: every kind');
  const engine = addon.createEngine(1);
  t.teardown(() => engine.close());
  const model = path.join(packageRoot, 'models', 'default-hamiltonian.npz');
  if (!fs.existsSync(model)) return;
  t.same(engine.loadHamiltonianModel(model).metadata().outputs, [...vocabulary.hamiltonianOutputs], 'a Hamiltonian model\'s outputs are the contract\'s');
});
