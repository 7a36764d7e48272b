// `hamd fit-contraction IN.xyz --correlation-order NU -o CONTRACTION.npz [options]`: fits the
// equivariant PCA contraction of the "correlation" kind's intermediate levels
// (docs/science.md#equivariant-pca-contraction) on the structures of IN.xyz, in this process
// on the native addon (no daemon), and writes it as a file the daemon's model registry loads
// (`hamd serve --model NAME=FILE`, or NAME.npz in the model repository), so that requests name
// it (`hamd descriptors --contraction NAME`, ComputeDescriptorsRequest.contraction).
import * as fs from 'node:fs';
import { loadAddon } from '../native/addon';
import type { NativeDescriptorRequest, NativeHypers } from '../native/types';
import { parseXyz } from '../native/xyz';
import { defaultHypers, hyperNames, integerHyperNames, type HyperName } from '../wire/vocabulary';
import { numberOption, parseArgs, UsageError } from './args';

export const fitContractionUsage = `hamd fit-contraction IN.xyz --correlation-order NU -o CONTRACTION.npz [options]
  --correlation-order NU   body order the contraction serves, 2..4 (levels 1..NU-1 are fitted)
  --max-lambda N           highest lambda the requests will ask for [0]
  --cutoff X, --cutoff-width X, --max-radial N, --max-angular N, --density-width X,
  --center-atom-weight X   the hypers of the requests that will use it [${defaultHypers.cutoff}, ${defaultHypers.cutoff_width}, ${defaultHypers.max_radial}, ${defaultHypers.max_angular}, ${defaultHypers.density_width}, ${defaultHypers.center_atom_weight}]
  --species 1,6,8          neighbour-species channels (default: species in the file); requests
                           must use the same ones (give them --species too)
  --variance-fraction X    per block, keep the leading components up to this share of the
                           variance, (0, 1] [0.99]
  --max-components K       at most K components per block [0: no cap]
  --threads N              native threads (default: one per core)
  -o, --output FILE        the contraction file to write
IN.xyz: the structures to fit on (XYZ or extended XYZ), like those the requests will send.`;

const hyperFlag = (name: HyperName): string => name.replace(/_/g, '-');

export async function fitContraction(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ['correlation-order', 'max-lambda', ...hyperNames.map(hyperFlag), 'species', 'variance-fraction', 'max-components', 'threads', 'output'],
    flags: ['help'],
    aliases: { '-o': 'output', '-h': 'help' },
  });
  if (args.flags.has('help')) {
    process.stdout.write(fitContractionUsage + '\n');
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('fit-contraction: give exactly one input .xyz file');
  const output = args.options.get('output');
  if (!output) throw new UsageError('fit-contraction: -o CONTRACTION.npz is required');
  const order = numberOption(args, 'correlation-order', true);
  if (order === undefined) throw new UsageError('fit-contraction: --correlation-order is required (2, 3 or 4)');
  const varianceFraction = numberOption(args, 'variance-fraction', false) ?? 0.99;
  if (!(varianceFraction > 0 && varianceFraction <= 1)) throw new UsageError(`--variance-fraction: ${varianceFraction} is not in (0, 1]`);
  const maxComponents = numberOption(args, 'max-components', true) ?? 0;
  if (maxComponents < 0) throw new UsageError(`--max-components: ${maxComponents} is negative`);
  const maxLambda = numberOption(args, 'max-lambda', true) ?? 0;
  if (maxLambda < 0) throw new UsageError(`--max-lambda: ${maxLambda} is negative`);

  const hypers: NativeHypers = {};
  for (const key of hyperNames) {
    const value = numberOption(args, hyperFlag(key), integerHyperNames.includes(key));
    if (value !== undefined) hypers[key] = value;
  }
  const species = (args.options.get('species') ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--species: "${s}" is not an atomic number`);
    return Number(s);
  });

  const input = args.positionals[0];
  const frames = parseXyz(fs.readFileSync(input, 'utf8'), input);
  if (frames.length === 0) throw new UsageError(`fit-contraction: ${input} holds no structure`);
  const request: NativeDescriptorRequest = {
    systems: frames.map((f) => ({ types: Int32Array.from(f.atomicNumbers), positions: f.positions, cell: f.cell ?? new Float64Array(9), pbc: f.pbc })),
    kind: 'correlation', hypers, species: Int32Array.from(species), maxLambda, correlationOrder: order, gradients: [], maxOutputBytes: 0,
  };
  const engine = loadAddon().createEngine(numberOption(args, 'threads', true) ?? 0);
  try {
    const started = process.hrtime.bigint();
    const metadata = await engine.fitCorrelationContraction(request, { varianceFraction, maxComponents }, output);
    const extra = JSON.parse(metadata.extraJson) as { components_kept: number; components_in: number; blocks: number };
    const atoms = frames.reduce((n, f) => n + f.atomicNumbers.length, 0);
    process.stderr.write(`hamd: contraction of nu = ${order} fitted on ${frames.length} structures (${atoms} atoms) in `
      + `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s: ${extra.blocks} blocks, ${extra.components_kept} of `
      + `${extra.components_in} components kept -> ${output} (${metadata.checksum})\n`);
  } finally {
    engine.close();
  }
  return 0;
}
