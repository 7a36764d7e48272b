// Typed view of the addon's surrogate-Hamiltonian models (addon/napi/model.cpp): loading a
// model file, its metadata, predictions on the model's native pool, and training. The server
// uses the interfaces declared here; the adapter at the end maps the binding's own shape onto
// them, so that a change of the binding is absorbed in this one file.
import { atomicNumber } from '../io/elements';
import type { NativeSystem } from './addon';

// Outputs of a prediction (PredictRequest.outputs in hamd.proto).
export const predictOutputs = ['fock_orthogonal', 'fock', 'overlap', 'orbital_energies', 'homo', 'lumo', 'gap', 'orbital_labels'] as const;
export type PredictOutput = (typeof predictOutputs)[number];
export const energyUnits = ['hartree', 'ev'] as const;
export type EnergyUnit = (typeof energyUnits)[number];
export const orbitalOrders = ['hamd', 'pyscf'] as const;
export type OrbitalOrder = (typeof orbitalOrders)[number];
// best: the indirect (eigenvalue-trained) weights when the model has them, else the direct ones.
export const modelVariants = ['best', 'direct', 'indirect'] as const;
export type ModelVariant = (typeof modelVariants)[number];

// What a model file says about itself.
export interface ModelMetadata {
  kind: string;                         // "hamiltonian"
  version: string;                      // model file format version
  species: number[];                    // atomic numbers, ascending
  basis: string;                        // e.g. "sto-3g"
  units: string;                        // "hartree"
  cutoff: number;                       // pair cutoff, Angstrom
  orbitalCounts: Record<string, number>; // atomic number -> orbitals of its minimal basis
  validation: Record<string, number>;   // metrics, names carry their unit
  checksum: string;
  extra: Record<string, unknown>;       // hypers, provenance, training report ...
}

export interface NativePredictRequest {
  systems: NativeSystem[];
  outputs: PredictOutput[];
  units: EnergyUnit;
  order: OrbitalOrder;
  variant?: ModelVariant;   // default "best"
}

// One structure's outputs: only those requested are present. Matrices row-major
// [nOrbitals, nOrbitals]; energies ascending.
export interface NativeStructurePrediction {
  nOrbitals: number;
  nElectrons: number;
  fockOrthogonal?: Float64Array;
  fock?: Float64Array;
  overlap?: Float64Array;
  orbitalEnergies?: Float64Array;
  homo?: number;
  lumo?: number;
  gap?: number;
  orbitalNames?: string[];       // "0 O 1s", ...
  orbitals?: Int32Array;         // [nOrbitals, 4]: atom, n, l, m
}

export interface NativePredictResult {
  structures: NativeStructurePrediction[];
  computeMicroseconds: number;
  queueMicroseconds: number;
}

export interface HamiltonianModelHandle {
  metadata(): ModelMetadata;
  // Validates (unknown element, atoms closer than 0.3 A, NaN: INVALID_ARGUMENT) and predicts
  // on the native pool; the promise settles on the event loop.
  predict(request: NativePredictRequest): Promise<NativePredictResult>;
}

export interface TrainingConfig {
  data: string;            // dataset .npz (docs/dataset-format.md)
  output: string;          // model .npz to write
  hypers?: Record<string, number>;
  folds?: number;          // cross-validation folds of the ridge fit
  indirect?: boolean;      // refine on the large-basis orbital energies
  epochs?: number;
  seed?: number;
  command?: string;        // recorded in the model's provenance
  learningRate?: number;
  patience?: number;
  threads?: number;        // native threads, 0 or absent: one per core
  [other: string]: unknown;
}

export interface TrainingProgress {
  stage: string;           // "features", "ridge", "indirect", ...
  step: number;
  total: number;
  trainLoss?: number;
  validationLoss?: number;
}

export type TrainingReport = Record<string, unknown>;

export interface ModelAddon {
  // threads: size of the model's native pool (0: one per core).
  loadHamiltonianModel(path: string, threads?: number): HamiltonianModelHandle;
  trainHamiltonianModel(config: TrainingConfig, onProgress: (progress: TrainingProgress) => void): Promise<TrainingReport>;
}

// ---- the binding as addon/napi/model.cpp exports it, and its adaptation ----

interface RawMatrix { values: Float64Array; shape: number[] }

interface RawPrediction {
  nOrbitals: number;
  orthogonal_fock?: RawMatrix;
  fock?: RawMatrix;
  overlap?: RawMatrix;
  orbital_energies?: Float64Array;
  homo?: number;
  lumo?: number;
  gap?: number;
  orbital_labels?: string[];
}

interface RawModelHandle {
  metadata(): { format: string; formatVersion: number; species: string[]; basis: string; hasIndirect: boolean; pairCutoff: number; metadata: string; checksum?: string };
  predict(request: { systems: NativeSystem[] }, options: { outputs: string[]; units: string; order: string; variant?: string }): Promise<RawPrediction[]>;
}

interface RawModelAddon {
  loadHamiltonianModel(path: string, threads?: number): RawModelHandle;
  trainHamiltonianModel(config: Record<string, unknown>, onProgress?: (progress: TrainingProgress) => void): Promise<TrainingReport>;
}

// Output names of the binding where they differ from the wire's.
const bindingOutputName: Partial<Record<PredictOutput, string>> = { fock_orthogonal: 'orthogonal_fock' };

// Numbers of a nested JSON object, keyed by their dotted paths ("a.b.c").
function flattenNumbers(value: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out[prefix] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flattenNumbers(child, prefix ? `${prefix}.${key}` : key, out);
  }
  return out;
}

const angularLetters = 'spdfghik';
const namedComponents: Record<string, number> = {
  s: 0, py: -1, pz: 0, px: 1, dxy: -2, dyz: -1, 'dz^2': 0, dxz: 1, 'dx2-y2': 2,
};

// "0 O 2px" (core/qc/orbital_order.cpp) -> [atom, n, l, m].
export function parseOrbitalLabel(label: string): [number, number, number, number] {
  const match = /^(\d+) \S+ (\d+)([a-z])(.*)$/.exec(label);
  if (!match) throw new Error(`unexpected orbital label "${label}"`);
  const [, atom, n, letter, rest] = match;
  const l = angularLetters.indexOf(letter);
  const m = namedComponents[letter + rest] ?? Number(rest);
  if (l < 0 || !Number.isInteger(m) || Math.abs(m) > l) throw new Error(`unexpected orbital label "${label}"`);
  return [Number(atom), Number(n), l, m];
}

function adaptMetadata(raw: ReturnType<RawModelHandle['metadata']>): ModelMetadata {
  const extra = JSON.parse(raw.metadata || '{}') as Record<string, unknown>;
  const shells = ((extra.basis as { shells?: Record<string, string[]> } | undefined)?.shells) ?? {};
  const orbitalCounts: Record<string, number> = {};
  for (const [symbol, list] of Object.entries(shells)) {
    const z = atomicNumber(symbol);
    if (z !== undefined) orbitalCounts[String(z)] = list.reduce((n, shell) => n + 2 * angularLetters.indexOf(shell.slice(-1)) + 1, 0);
  }
  const units = (extra.units as { energy?: string } | undefined)?.energy ?? 'hartree';
  return {
    kind: 'hamiltonian',
    version: String(raw.formatVersion),
    species: raw.species.map((s) => atomicNumber(s) as number).sort((a, b) => a - b),
    basis: raw.basis,
    units,
    cutoff: raw.pairCutoff,
    orbitalCounts,
    validation: flattenNumbers(extra.validation),
    checksum: raw.checksum ?? (typeof extra.checksum === 'string' ? extra.checksum : ''),
    extra: { ...extra, has_indirect: raw.hasIndirect },
  };
}

function adaptPrediction(raw: RawPrediction, system: NativeSystem): NativeStructurePrediction {
  let electrons = 0;
  for (const z of system.types) electrons += z;
  const out: NativeStructurePrediction = { nOrbitals: raw.nOrbitals, nElectrons: electrons };
  if (raw.orthogonal_fock) out.fockOrthogonal = raw.orthogonal_fock.values;
  if (raw.fock) out.fock = raw.fock.values;
  if (raw.overlap) out.overlap = raw.overlap.values;
  if (raw.orbital_energies) out.orbitalEnergies = raw.orbital_energies;
  if (raw.homo !== undefined) out.homo = raw.homo;
  if (raw.lumo !== undefined) out.lumo = raw.lumo;
  if (raw.gap !== undefined) out.gap = raw.gap;
  if (raw.orbital_labels) {
    out.orbitalNames = raw.orbital_labels;
    out.orbitals = Int32Array.from(raw.orbital_labels.flatMap(parseOrbitalLabel));
  }
  return out;
}

function adaptHandle(raw: RawModelHandle): HamiltonianModelHandle {
  return {
    metadata: () => adaptMetadata(raw.metadata()),
    predict: async (request) => {
      const start = process.hrtime.bigint();
      const outputs = request.outputs.map((o) => bindingOutputName[o] ?? o);
      const results = await raw.predict({ systems: request.systems }, { outputs, units: request.units, order: request.order, variant: request.variant ?? 'best' });
      // The binding reports no timing: the wall time of the native call, queue included.
      const computeMicroseconds = Number(process.hrtime.bigint() - start) / 1e3;
      return { structures: results.map((r, i) => adaptPrediction(r, request.systems[i])), computeMicroseconds, queueMicroseconds: 0 };
    },
  };
}

// The binding's flat, camelCase training options.
function bindingTrainingConfig(config: TrainingConfig): Record<string, unknown> {
  const { hypers, folds, ...rest } = config;
  const h = hypers ?? {};
  const flat: Record<string, unknown> = {
    ...rest,
    cutoff: h.cutoff, cutoffWidth: h.cutoff_width, maxRadial: h.max_radial, maxAngular: h.max_angular, densityWidth: h.density_width,
    cvFolds: folds,
  };
  for (const key of Object.keys(flat)) if (flat[key] === undefined) delete flat[key];
  return flat;
}

export function hasModelSupport(addon: object): boolean {
  return typeof (addon as Record<string, unknown>).loadHamiltonianModel === 'function';
}

// The addon's model functions, or an error saying the addon was built without them.
export function modelAddon(addon: object): ModelAddon {
  if (!hasModelSupport(addon)) {
    throw new Error('this hamd addon has no surrogate-Hamiltonian models (rebuild it: npm run build:addon)');
  }
  const raw = addon as unknown as RawModelAddon;
  return {
    loadHamiltonianModel: (file, threads = 0) => adaptHandle(raw.loadHamiltonianModel(file, threads)),
    trainHamiltonianModel: (config, onProgress) => raw.trainHamiltonianModel(bindingTrainingConfig(config), onProgress),
  };
}
