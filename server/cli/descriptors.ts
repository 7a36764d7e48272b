// `hamd descriptors IN.xyz --kind K [hypers] [--gradients ...] -o OUT.npz`
import * as fs from 'node:fs';
import type { DescriptorKind, DescriptorOptions, DescriptorResult, GradientParameter, Hypers, Labels } from '../../clients/node';
import { defaultHypers, descriptorKinds, gradientParameters, hyperNames, integerHyperNames, type HyperName } from '../wire/vocabulary';
import { parseXyz } from '../native/xyz';
import { writeNpz, type NpyData } from '../io/npz';
import { numberOption, parseArgs, UsageError } from './args';
import { connectOrStart } from './autostart';
import { CountBar } from './progress';

export const descriptorsUsage = `hamd descriptors IN.xyz --kind KIND -o OUT.npz [options]
  --kind K                 ${descriptorKinds.join(' | ')}
  --cutoff X               Angstrom [${defaultHypers.cutoff}]
  --cutoff-width X         Angstrom [${defaultHypers.cutoff_width}]
  --max-radial N           inclusive, n = 0..N [${defaultHypers.max_radial}]
  --max-angular N          inclusive, l = 0..N [${defaultHypers.max_angular}]
  --density-width X        Gaussian sigma, Angstrom [${defaultHypers.density_width}]
  --center-atom-weight X   [${defaultHypers.center_atom_weight}]
  --species 1,6,8          neighbour-species channels (default: species in the file)
  --max-lambda N           lambda-soap, pair-features, message-passing [max_angular], correlation [0]
  --potential-exponent P   lode-spherical-expansion, multi-scale: 1/r^P potential, [1, 6] (periodic: 1) [1]
  --k-cutoff K             lode-spherical-expansion, multi-scale, periodic: 1/Angstrom [none: converged sum]
  --correlation-order NU   correlation: body order 1..4 [2]
  --contraction NAME       correlation: a contraction the daemon has loaded (hamd fit-contraction)
  --nonlinearity F         triplet: none | tanh | square [tanh]
  --device D               auto | cpu | cuda: where the daemon computes [auto]
  --gradients LIST         ${gradientParameters.join(' and/or ')}, comma separated
  -o, --output FILE        .npz to write (array names: docs/cli.md)
  --address ADDR           daemon address (default: $HAMD_ADDRESS, else the per-user socket)
  --no-autostart           fail instead of starting a daemon when none answers
IN.xyz: XYZ or extended XYZ, one or more frames (Lattice="..." and pbc="T T T" read).`;

// --cutoff-width for cutoff_width, ...
const hyperFlag = (name: HyperName): string => name.replace(/_/g, '-');

function labelsArrays(out: Map<string, NpyData>, name: string, labels: Labels): void {
  out.set(name, { dtype: '<i4', shape: [labels.count, labels.names.length], values: labels.values });
  out.set(`${name}_names`, { dtype: 'str', shape: [labels.names.length], values: labels.names });
}

// Array names documented in docs/cli.md.
export function resultArrays(result: DescriptorResult): Map<string, NpyData> {
  const out = new Map<string, NpyData>();
  labelsArrays(out, 'keys', result.keys);
  result.blocks.forEach((block, i) => {
    const prefix = `block_${i}`;
    out.set(`${prefix}/values`, { dtype: '<f8', shape: block.shape, values: block.values });
    labelsArrays(out, `${prefix}/samples`, block.samples);
    block.components.forEach((c, k) => labelsArrays(out, `${prefix}/components_${k}`, c));
    labelsArrays(out, `${prefix}/properties`, block.properties);
    for (const gradient of block.gradients) {
      const g = `${prefix}/gradient_${gradient.parameter}`;
      out.set(`${g}/values`, { dtype: '<f8', shape: gradient.shape, values: gradient.values });
      labelsArrays(out, `${g}/samples`, gradient.samples);
      gradient.components.forEach((c, k) => labelsArrays(out, `${g}/components_${k}`, c));
    }
  });
  return out;
}

export async function descriptors(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ['kind', ...hyperNames.map(hyperFlag), 'species', 'max-lambda', 'potential-exponent', 'k-cutoff',
      'correlation-order', 'contraction', 'nonlinearity', 'device', 'gradients', 'output', 'address'],
    flags: ['no-autostart', 'help'],
    aliases: { '-o': 'output', '-h': 'help' },
  });
  if (args.flags.has('help')) {
    process.stdout.write(descriptorsUsage + '\n');
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('descriptors: give exactly one input .xyz file');
  const kind = args.options.get('kind');
  if (!kind) throw new UsageError('descriptors: --kind is required');
  const output = args.options.get('output');
  if (!output) throw new UsageError('descriptors: -o OUT.npz is required');

  const hypers: Hypers = {};
  for (const key of hyperNames) {
    const value = numberOption(args, hyperFlag(key), integerHyperNames.includes(key));
    if (value !== undefined) hypers[key] = value;
  }
  const list = (name: string) => (args.options.get(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const species = list('species').map((s) => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--species: "${s}" is not an atomic number`);
    return Number(s);
  });
  const gradients = list('gradients') as GradientParameter[];

  const input = args.positionals[0];
  const frames = parseXyz(fs.readFileSync(input, 'utf8'), input);
  const client = await connectOrStart(args.options.get('address'), {
    autostart: !args.flags.has('no-autostart'),
    log: (message) => process.stderr.write(`hamd: ${message}\n`),
  });
  try {
    // Any number of frames: batches within the daemon's limits, with a progress bar when long.
    const bar = new CountBar('structures', frames.length);
    const result = await client.computeDescriptorsBatched(frames, {
      kind: kind as DescriptorKind, hypers, species, gradients, maxLambda: numberOption(args, 'max-lambda', true),
      potentialExponent: numberOption(args, 'potential-exponent', false), kCutoff: numberOption(args, 'k-cutoff', false),
      correlationOrder: numberOption(args, 'correlation-order', true), nonlinearity: args.options.get('nonlinearity'),
      device: args.options.get('device') as DescriptorOptions['device'], contraction: args.options.get('contraction'),
    }, (k) => bar.add(k));
    bar.done();
    writeNpz(output, resultArrays(result));
    const atoms = frames.reduce((n, f) => n + f.atomicNumbers.length, 0);
    process.stderr.write(`hamd: ${frames.length} structures, ${atoms} atoms, ${result.blocks.length} blocks -> ${output} (compute ${(result.computeMicroseconds / 1000).toFixed(1)} ms)\n`);
  } finally {
    client.close();
  }
  return 0;
}
