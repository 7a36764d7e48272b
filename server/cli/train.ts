// `hamd train hamiltonian --data DATA.npz -o MODEL.npz [options]`: trains a surrogate
// Hamiltonian in this process on the native addon (no daemon), writes MODEL.npz, the
// report MODEL.report.json next to it and, when tools/plot-parity runs (python3 with
// matplotlib), the parity plot MODEL.parity.png.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAddon } from '../native/addon';
import type { EnergyTrainingConfig, TrainingConfig } from '../native/model-addon';
import { packageRoot } from '../base/paths';
import { numberOption, parseArgs, UsageError } from './args';
import { ProgressBars } from './progress';

// The job's last progress updates reach the event loop as a separate callback, which may come
// after the promise settles: one turn of the loop lets them be drawn before the summary lines
// (and before the process exits).
const progressDelivered = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const trainUsage = `hamd train hamiltonian --data DATA.npz -o MODEL.npz [options]
  --data FILE              reference dataset (docs/dataset-format.md)
  -o, --output FILE        model file to write; the report goes to MODEL.report.json and the
                           parity plot to MODEL.parity.png next to it
  --cutoff X               feature and pair cutoff, Angstrom
  --cutoff-width X         Angstrom
  --max-radial N           inclusive
  --max-angular N          inclusive
  --density-width X        Angstrom
  --folds K                cross-validation folds of the ridge fit
  --no-indirect            direct (ridge) model only, no refinement on the large-basis levels
  --optimizer O            indirect refinement: lbfgs (default) | adam
  --epochs N               indirect refinement iterations (L-BFGS) or epochs (Adam)
  --learning-rate X        indirect refinement (Adam only)
  --patience N             epochs without validation improvement before stopping
  --seed N                 folds, validation split and batches
  --charge-weight X        weight of the def2-TZVP Loewdin charges in the indirect loss (default 0.01;
                           used when the dataset has large_loewdin_charges; 0: off)
  --density-matrix-weight X  weight of ||P' - P'_STO-3G||^2 in the indirect loss (default 0.1; 0: off)
  --valence-virtuals N     fit the N lowest virtual levels against the large-basis virtuals of
                           valence character (default 0: the LUMO only, where it matches;
                           needs large_minimal_character in the dataset)
  --valence-character C    character (0..1) a large-basis virtual needs to count (default 0.6)
  --valence-virtual-weight X  weight of the paired virtual levels above the LUMO (default 1)
  --message-radial M       message-passing features with M radial functions (default 0: off)
  --message-scale X        scale of the neighbours' coordination numbers in them (default 0.1)
  --pair-order2 K          order-2 pair features rho_i x g_ij x rho_j, rho_ij^{x1} contracted to K
                           components per block by a PCA fitted on the training set (default 0: off)
  --pair-order2-density D  also contract the densities rho_j to D components (default 0: all)
  --threads N              native threads (default: one per core)
  --no-plot                skip the parity plot
  (docs/science.md explains each term; docs/accuracy.md what they measured)

hamd train energy --data DATA.npz -o MODEL.npz [options]
  --data FILE              energy/force dataset (docs/dataset-format.md, tools/make-energy-dataset)
  -o, --output FILE        model file to write; the report goes to MODEL.report.json
  --cutoff X, --cutoff-width X, --max-radial N, --max-angular N, --density-width X
                           power spectrum of the model (defaults: 5, 0.5, 5, 4, 0.4)
  --features SPEC          further feature families after the power spectrum, ';'-separated:
                           KIND[:key=value,...] with KIND power-spectrum, bispectrum or multi-scale
                           (long-range: the local density times the LODE potential) and the keys
                           of the hyper-parameters above (defaults: the model's), e.g.
                           "bispectrum:max_radial=2,max_angular=2"
  --force-sigmas LIST      force errors (eV/A) to choose from on validation (default 0.01,0.03,0.1,0.3)
  --ridges LIST            ridges (x mean diagonal) to choose from on validation
                           (default 1e-12,1e-11,1e-10,1e-9,1e-8)
  --block-ridge            the ridge relative to each (species, family) block's own mean
                           diagonal instead of all feature weights' mean
  --covariance-mb X        budget of the uncertainty's stored covariance in MiB (default 8): a
                           larger one allows a weaker prior, which flags extrapolation more
  --validation-fraction F  structures held out for the force weight, the ridge, the uncertainty
                           calibration and the reported errors (default 0.2)
  --test-fraction F        structures held out of everything, only reported (default 0)
  --seed N                 the validation and test split
  --threads N              native threads (default: one per core)`;

const hyperFlags: Array<[string, string, boolean]> = [
  ['cutoff', 'cutoff', false], ['cutoff-width', 'cutoff_width', false], ['max-radial', 'max_radial', true],
  ['max-angular', 'max_angular', true], ['density-width', 'density_width', false],
];

// MODEL.npz -> MODEL.<suffix>
export function besideModel(model: string, suffix: string): string {
  const parsed = path.parse(model);
  return path.join(parsed.dir, `${parsed.ext === '.npz' ? parsed.name : parsed.base}.${suffix}`);
}

function plotParity(report: string, png: string): void {
  const tool = path.join(packageRoot, 'tools', 'plot-parity');
  if (!fs.existsSync(tool)) {
    process.stderr.write('hamd: tools/plot-parity not found: no parity plot\n');
    return;
  }
  const result = spawnSync('python3', [tool, report, '-o', png], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status === 0) process.stderr.write(`hamd: parity plot -> ${png}\n`);
  else process.stderr.write(`hamd: no parity plot (tools/plot-parity failed: ${(result.stderr || result.error?.message || '').trim().split('\n').pop()})\n`);
}

export async function train(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === '--help' || what === '-h') {
    process.stdout.write(trainUsage + '\n');
    return 0;
  }
  if (what === 'energy') return trainEnergy(rest, argv);
  if (what !== 'hamiltonian') throw new UsageError(`train: the model kinds are "hamiltonian" and "energy"${what ? `, not "${what}"` : ''}`);
  const args = parseArgs(rest, {
    values: ['data', 'output', ...hyperFlags.map(([flag]) => flag), 'folds', 'epochs', 'learning-rate', 'patience', 'seed', 'threads', 'optimizer',
      'charge-weight', 'density-matrix-weight', 'valence-virtuals', 'valence-character', 'valence-virtual-weight', 'message-radial',
      'message-scale', 'pair-order2', 'pair-order2-density'],
    flags: ['no-indirect', 'no-plot', 'help'],
    aliases: { '-o': 'output', '-h': 'help' },
  });
  if (args.flags.has('help')) {
    process.stdout.write(trainUsage + '\n');
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`train: unexpected argument "${args.positionals[0]}"`);
  const data = args.options.get('data');
  if (!data) throw new UsageError('train: --data DATA.npz is required');
  const output = args.options.get('output');
  if (!output) throw new UsageError('train: -o MODEL.npz is required');
  if (!fs.existsSync(data)) throw new Error(`${data}: no such file`);
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true }); // fail now, not after training

  const hypers: Record<string, number> = {};
  for (const [flag, key, integer] of hyperFlags) {
    const value = numberOption(args, flag, integer);
    if (value !== undefined) hypers[key] = value;
  }
  const config: TrainingConfig = {
    data: path.resolve(data), output: path.resolve(output), hypers, indirect: !args.flags.has('no-indirect'),
    command: ['hamd', 'train', ...argv].join(' '),
  };
  const optimizer = args.options.get('optimizer');
  if (optimizer !== undefined) {
    if (optimizer !== 'lbfgs' && optimizer !== 'adam') throw new UsageError(`--optimizer: "${optimizer}" is not lbfgs or adam`);
    config.optimizer = optimizer;
  }
  type NumericKey = 'folds' | 'epochs' | 'learningRate' | 'patience' | 'seed' | 'chargeWeight' | 'densityMatrixWeight'
    | 'valenceVirtuals' | 'valenceCharacter' | 'valenceVirtualWeight' | 'messageRadial' | 'messageScale'
    | 'pairOrder2' | 'pairOrder2Density';
  const optional: Array<[string, NumericKey, boolean]> = [
    ['folds', 'folds', true], ['epochs', 'epochs', true], ['learning-rate', 'learningRate', false],
    ['patience', 'patience', true], ['seed', 'seed', true], ['charge-weight', 'chargeWeight', false],
    ['density-matrix-weight', 'densityMatrixWeight', false], ['valence-virtuals', 'valenceVirtuals', true],
    ['valence-character', 'valenceCharacter', false], ['valence-virtual-weight', 'valenceVirtualWeight', false],
    ['message-radial', 'messageRadial', true], ['message-scale', 'messageScale', false],
    ['pair-order2', 'pairOrder2', true], ['pair-order2-density', 'pairOrder2Density', true],
  ];
  for (const [flag, key, integer] of optional) {
    const value = numberOption(args, flag, integer);
    if (value !== undefined) config[key] = value;
  }

  // Training runs on an engine of its own: this process does nothing else.
  const engine = loadAddon().createEngine(numberOption(args, 'threads', true) ?? 0);
  const bars = new ProgressBars();
  const started = Date.now();
  let report;
  try {
    report = await engine.trainHamiltonianModel(config, (p) => bars.update(p));
    await progressDelivered();
  } finally {
    bars.done();
    engine.close();
  }
  const reportFile = besideModel(config.output, 'report.json');
  fs.writeFileSync(reportFile, JSON.stringify({ ...report, config, wall_seconds: (Date.now() - started) / 1000 }, null, 2) + '\n');
  process.stderr.write(`hamd: model -> ${config.output}, report -> ${reportFile}\n`);
  if (!args.flags.has('no-plot')) plotParity(reportFile, besideModel(config.output, 'parity.png'));
  return 0;
}

// --NAME 1e-8,1e-7: a list of positive numbers.
function numberList(args: ReturnType<typeof parseArgs>, name: string): number[] | undefined {
  const text = args.options.get(name);
  if (text === undefined) return undefined;
  const values = text.split(',').map((x) => Number(x.trim()));
  if (values.length === 0 || values.some((x) => !Number.isFinite(x) || x < 0)) throw new UsageError(`--${name}: "${text}" is not a list of non-negative numbers`);
  return values;
}

// "bispectrum:max_radial=2,max_angular=2;power-spectrum:cutoff=3" -> extra feature families.
function parseFeatures(text: string): NonNullable<EnergyTrainingConfig['extraFeatures']> {
  const keys = new Map<string, boolean>();  // --flag and config names alike
  for (const [flag, key, integer] of hyperFlags) {
    keys.set(flag, integer);
    keys.set(key, integer);
  }
  return text.split(';').filter((part) => part.trim() !== '').map((part) => {
    const [kind, settings = ''] = part.trim().split(':', 2);
    if (kind !== 'power-spectrum' && kind !== 'bispectrum' && kind !== 'multi-scale') {
      throw new UsageError(`--features: kind "${kind}" is not power-spectrum, bispectrum or multi-scale`);
    }
    const hypers: Record<string, number> = {};
    for (const item of settings.split(',').filter((x) => x.trim() !== '')) {
      const [key, value] = item.split('=').map((x) => x.trim());
      const integer = keys.get(key);
      const number = Number(value);
      if (integer === undefined) throw new UsageError(`--features: unknown hyper-parameter "${key}"`);
      if (!Number.isFinite(number) || (integer && !Number.isInteger(number))) throw new UsageError(`--features: ${key}=${value} is not ${integer ? 'an integer' : 'a number'}`);
      hypers[key.replace(/-/g, '_')] = number;
    }
    return { kind, hypers };
  });
}

// `hamd train energy`: an energy/force model on an energy dataset, in this process.
async function trainEnergy(rest: string[], argv: string[]): Promise<number> {
  const args = parseArgs(rest, {
    values: ['data', 'output', ...hyperFlags.map(([flag]) => flag), 'validation-fraction', 'test-fraction', 'seed', 'threads',
      'features', 'force-sigmas', 'ridges', 'covariance-mb'],
    flags: ['help', 'block-ridge'],
    aliases: { '-o': 'output', '-h': 'help' },
  });
  if (args.flags.has('help')) {
    process.stdout.write(trainUsage + '\n');
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`train energy: unexpected argument "${args.positionals[0]}"`);
  const data = args.options.get('data');
  if (!data) throw new UsageError('train energy: --data DATA.npz is required');
  const output = args.options.get('output');
  if (!output) throw new UsageError('train energy: -o MODEL.npz is required');
  if (!fs.existsSync(data)) throw new Error(`${data}: no such file`);
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  const hypers: Record<string, number> = {};
  for (const [flag, key, integer] of hyperFlags) {
    const value = numberOption(args, flag, integer);
    if (value !== undefined) hypers[key] = value;
  }
  const config: EnergyTrainingConfig = {
    data: path.resolve(data), output: path.resolve(output), hypers, command: ['hamd', 'train', ...argv].join(' '),
  };
  const fraction = numberOption(args, 'validation-fraction', false);
  if (fraction !== undefined) {
    if (!(fraction > 0 && fraction < 1)) throw new UsageError('--validation-fraction must be between 0 and 1');
    config.validationFraction = fraction;
  }
  const testFraction = numberOption(args, 'test-fraction', false);
  if (testFraction !== undefined) {
    if (!(testFraction >= 0 && testFraction < 1)) throw new UsageError('--test-fraction must be in [0, 1)');
    config.testFraction = testFraction;
  }
  const seed = numberOption(args, 'seed', true);
  if (seed !== undefined) config.seed = seed;
  const forceSigmas = numberList(args, 'force-sigmas');
  if (forceSigmas) config.forceSigma = forceSigmas;
  const ridges = numberList(args, 'ridges');
  if (ridges) config.ridge = ridges;
  if (args.flags.has('block-ridge')) config.blockRidge = true;
  const covarianceMb = numberOption(args, 'covariance-mb', false);
  if (covarianceMb !== undefined) {
    if (!(covarianceMb > 0)) throw new UsageError('--covariance-mb must be positive');
    config.covarianceMaxBytes = Math.round(covarianceMb * 1024 * 1024);
  }
  const features = args.options.get('features');
  if (features !== undefined) config.extraFeatures = parseFeatures(features);
  const engine = loadAddon().createEngine(numberOption(args, 'threads', true) ?? 0);
  const bars = new ProgressBars();
  const started = Date.now();
  let report;
  try {
    report = await engine.trainEnergyModel(config, (p) => bars.update(p));
    await progressDelivered();
  } finally {
    bars.done();
    engine.close();
  }
  const reportFile = besideModel(config.output, 'report.json');
  fs.writeFileSync(reportFile, JSON.stringify({ ...report, config, wall_seconds: (Date.now() - started) / 1000 }, null, 2) + '\n');
  const validation = ((report.metadata as Record<string, unknown> | undefined)?.validation as Record<string, Record<string, number>> | undefined)?.validation;
  if (validation) {
    process.stderr.write(`hamd: validation energy MAE ${validation.energy_mae_ev?.toFixed(4)} eV, force MAE ${validation.force_mae_ev_per_angstrom?.toFixed(4)} eV/A\n`);
  }
  process.stderr.write(`hamd: model -> ${config.output}, report -> ${reportFile}\n`);
  return 0;
}
