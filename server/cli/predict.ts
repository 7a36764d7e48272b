// `hamd predict IN.xyz [--model NAME] [--outputs LIST] [--units ev] [--order pyscf] -o OUT.npz`
import * as fs from 'node:fs';
import type { PredictOutput, PredictResult } from '../../clients/node';
import { writeNpz, type NpyData } from '../io/npz';
import {
  defaultPredictOutputs, energyUnits, isOneOf, modelVariants, orbitalOrders, predictOutputs,
} from '../wire/vocabulary';
import { parseXyz } from '../native/xyz';
import { numberOption, parseArgs, UsageError } from './args';
import { connectOrStart } from './autostart';

export const predictUsage = `hamd predict IN.xyz -o OUT.npz [options]
  --model NAME             model of the daemon's registry (default: its default model)
  --outputs LIST           comma separated, any of ${predictOutputs.slice(0, 3).join(', ')},
                           ${predictOutputs.slice(3).join(', ')}
                           (default ${defaultPredictOutputs.join(',')})
  --units U                ${energyUnits.join(' | ')} (default ${energyUnits[0]})
  --order O                orbital order of matrices and labels: ${orbitalOrders.join(' | ')} (default ${orbitalOrders[0]})
  --variant V              ${modelVariants.join(' | ')} weights (default ${modelVariants[0]}: indirect when trained)
  --charge Q               molecular charge of every structure (default 0)
  --n-states N             excitation outputs: lowest N singlets, 1..50 (default 5)
  -o, --output FILE        .npz to write (array names: docs/serving-models.md)
  --address ADDR           daemon address (default: $HAMD_ADDRESS, else the per-user socket)
  --no-autostart           fail instead of starting a daemon when none answers
IN.xyz: XYZ or extended XYZ of molecules, one or more frames.`;

// Array names documented in docs/serving-models.md.
export function predictionArrays(result: PredictResult): Map<string, NpyData> {
  const out = new Map<string, NpyData>();
  out.set('model', { dtype: 'str', shape: [], values: [result.model] });
  out.set('units', { dtype: 'str', shape: [], values: [result.units] });
  out.set('order', { dtype: 'str', shape: [], values: [result.order] });
  const count = result.structures.length;
  out.set('n_orbitals', { dtype: '<i4', shape: [count], values: Int32Array.from(result.structures, (s) => s.nOrbitals) });
  out.set('n_electrons', { dtype: '<i4', shape: [count], values: Int32Array.from(result.structures, (s) => s.nElectrons) });
  for (const key of ['homo', 'lumo', 'gap', 'energy', 'energyUncertainty'] as const) {
    if (result.structures.some((s) => s[key] !== undefined)) {
      const name = key === 'energyUncertainty' ? 'energy_uncertainty' : key;
      out.set(name, { dtype: '<f8', shape: [count], values: Float64Array.from(result.structures, (s) => s[key] ?? NaN) });
    }
  }
  result.structures.forEach((s, i) => {
    const prefix = `structure_${i}`;
    const n = s.nOrbitals;
    if (s.fockOrthogonal) out.set(`${prefix}/fock_orthogonal`, { dtype: '<f8', shape: [n, n], values: s.fockOrthogonal });
    if (s.fock) out.set(`${prefix}/fock`, { dtype: '<f8', shape: [n, n], values: s.fock });
    if (s.overlap) out.set(`${prefix}/overlap`, { dtype: '<f8', shape: [n, n], values: s.overlap });
    if (s.orbitalEnergies) out.set(`${prefix}/orbital_energies`, { dtype: '<f8', shape: [n], values: s.orbitalEnergies });
    // 1 where the level stands for a large-basis level the model was trained on, else 0.
    if (s.validOrbitals) out.set(`${prefix}/valid_orbitals`, { dtype: '<i4', shape: [n], values: Int32Array.from(s.validOrbitals, Number) });
    for (const [key, name] of [['excitationEnergies', 'excitation_energies'], ['oscillatorStrengths', 'oscillator_strengths'],
      ['excitationValidWeight', 'excitation_valid_weight']] as const) {
      const values = s[key];
      if (values) out.set(`${prefix}/${name}`, { dtype: '<f8', shape: [values.length], values });
    }
    if (s.warnings.length > 0) out.set(`${prefix}/warnings`, { dtype: 'str', shape: [s.warnings.length], values: s.warnings });
    if (s.orbitalNames) out.set(`${prefix}/orbital_labels`, { dtype: 'str', shape: [s.orbitalNames.length], values: s.orbitalNames });
    if (s.energies) out.set(`${prefix}/energies`, { dtype: '<f8', shape: [s.energies.length], values: s.energies });
    if (s.forces) out.set(`${prefix}/forces`, { dtype: '<f8', shape: [s.forces.length / 3, 3], values: s.forces });
    if (s.stress) out.set(`${prefix}/stress`, { dtype: '<f8', shape: [3, 3], values: s.stress });
    if (s.orbitals) {
      out.set(`${prefix}/orbitals`, { dtype: '<i4', shape: [s.orbitals.length / 4, 4], values: s.orbitals });
      out.set(`${prefix}/orbitals_names`, { dtype: 'str', shape: [4], values: ['atom', 'n', 'l', 'm'] });
    }
  });
  return out;
}

export async function predict(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ['model', 'outputs', 'units', 'order', 'variant', 'charge', 'n-states', 'output', 'address'],
    flags: ['no-autostart', 'help'],
    aliases: { '-o': 'output', '-h': 'help' },
  });
  if (args.flags.has('help')) {
    process.stdout.write(predictUsage + '\n');
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('predict: give exactly one input .xyz file');
  const output = args.options.get('output');
  if (!output) throw new UsageError('predict: -o OUT.npz is required');
  // One of `allowed`, else a usage error naming them.
  const choice = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = args.options.get(name);
    if (value === undefined || isOneOf(value, allowed)) return value;
    throw new UsageError(`--${name}: "${value}" is not ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`);
  };
  const units = choice('units', energyUnits);
  const order = choice('order', orbitalOrders);
  const variant = choice('variant', modelVariants);
  // Unknown outputs are the daemon's to refuse (with the list of those it knows).
  const outputs = (args.options.get('outputs') ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0) as PredictOutput[];

  const input = args.positionals[0];
  const frames = parseXyz(fs.readFileSync(input, 'utf8'), input);
  const client = await connectOrStart(args.options.get('address'), {
    autostart: !args.flags.has('no-autostart'),
    log: (message) => process.stderr.write(`hamd: ${message}\n`),
  });
  try {
    const result = await client.predict(frames, {
      model: args.options.get('model'), outputs, units, order, variant,
      charge: numberOption(args, 'charge', true) ?? 0, nStates: numberOption(args, 'n-states', true) ?? 0,
    });
    writeNpz(output, predictionArrays(result));
    for (const s of result.structures) for (const warning of s.warnings) process.stderr.write(`hamd: warning: ${warning}\n`);
    process.stderr.write(`hamd: ${frames.length} structures, model ${result.model} -> ${output} (compute ${(result.computeMicroseconds / 1000).toFixed(1)} ms)\n`);
  } finally {
    client.close();
  }
  return 0;
}
