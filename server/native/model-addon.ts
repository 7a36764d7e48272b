// Typed view of the addon's surrogate-Hamiltonian models (addon/napi/model.cpp, training.cpp):
// loading a model file through the engine, its metadata, predictions and training, all on the
// engine's one compute pool. The addon returns exactly these shapes (no adapter here).
import type { EnergyUnit, ModelVariant, OrbitalOrder, PredictOutput } from '../wire/vocabulary';
import type { CancelToken, NativeDescriptorRequest, NativeSystem } from './types';

// The contract's words (outputs, units, orders, variants) come from the wire layer: one definition.
export { predictOutputs, energyUnits, orbitalOrders, modelVariants } from '../wire/vocabulary';
export type { PredictOutput, EnergyUnit, OrbitalOrder, ModelVariant } from '../wire/vocabulary';

// What a model says about itself (core/models/model.hpp ModelMetadata).
export interface ModelMetadata {
  kind: string;                         // "hamiltonian"
  format: string;                       // file format name, "hamd-hamiltonian-model"
  version: string;                      // model file format version
  species: number[];                    // atomic numbers, ascending
  basis: string;                        // e.g. "sto-3g"
  units: string;                        // energy unit the model was trained in, "hartree"
  cutoff: number;                       // pair cutoff, Angstrom
  orbitalCounts: Record<string, number>; // atomic number -> orbitals of its minimal basis
  outputs: PredictOutput[];             // what predict() can return
  hasIndirect: boolean;                 // eigenvalue-trained weights present
  validation: Record<string, number>;   // metrics (dotted names carry their unit)
  checksum: string;                     // as stored in the file, "crc32:..."
  extraJson: string;                    // hypers, provenance, training report: a JSON object, for display
}

export interface NativePredictRequest {
  systems: NativeSystem[];
  outputs: PredictOutput[];
  units: EnergyUnit;
  order: OrbitalOrder;
  variant?: ModelVariant;   // default "best"
  charge?: number;          // molecular charge, default 0: electrons = sum Z - charge
  nStates?: number;         // excitation outputs: lowest singlets, 1..50; 0 or absent: 5
}

// One structure's outputs: only those requested are present. Matrices row-major
// [nOrbitals, nOrbitals]; energies ascending.
export interface NativeStructurePrediction {
  nOrbitals: number;
  nElectrons: number;            // sum of atomic numbers - charge
  fockOrthogonal?: Float64Array;
  fock?: Float64Array;
  overlap?: Float64Array;
  orbitalEnergies?: Float64Array;
  validOrbitals?: boolean[];     // per orbital (ascending energy): a level the model was trained to reproduce
  homo?: number;
  lumo?: number;                 // absent, with gap, when the LUMO is not valid (warnings says why)
  gap?: number;
  excitationEnergies?: Float64Array;     // lowest singlets (sTDA), in the request's units
  oscillatorStrengths?: Float64Array;
  excitationValidWeight?: Float64Array;  // per state: share on valid orbitals
  warnings?: string[];
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
  // on the engine's pool; the promise settles on the event loop (CANCELLED when `cancel` fires).
  predict(request: NativePredictRequest, cancel?: CancelToken): Promise<NativePredictResult>;
  // Bytes predict(request) would hold at its peak: all structures' results, and the working
  // storage of the largest one. Synchronous and cheap (counts only); INVALID_ARGUMENT for bad options.
  predictionBytes(request: NativePredictRequest): { results: number; working: number; largestOrbitals: number };
}

// An energy model's request: outputs of energyOutputs; units "ev" (eV, Angstrom) or "hartree"
// (Hartree, Bohr).
export interface NativeEnergyRequest {
  systems: NativeSystem[];
  outputs: string[];
  units: 'ev' | 'hartree';
}

// One structure's outputs (those requested; stress for fully periodic structures only).
export interface NativeEnergyPrediction {
  nAtoms: number;
  energy?: number;
  energyUncertainty?: number;
  energies?: Float64Array;   // [nAtoms]
  forces?: Float64Array;     // [nAtoms, 3]
  stress?: Float64Array;     // [3, 3]
}

export interface NativeEnergyResult {
  structures: NativeEnergyPrediction[];
  computeMicroseconds: number;
  queueMicroseconds: number;
}

// An MD session's fixed part (addon/napi/energy_session.hpp): species, cell and periodicity
// (positions come with each step), the Verlet skin (Angstrom), outputs and units as predict's;
// `contributing` (one flag per atom, 0 or 1; absent: every atom) selects the atoms whose energies
// count (host codes' ghosts are not contributing; core/models/energy/energy_model.hpp).
export interface NativeSessionConfig {
  system: Omit<NativeSystem, 'positions'>;
  skin: number;
  outputs: string[];
  units: 'ev' | 'hartree';
  contributing?: Uint8Array;
}

// One step's outputs, as predict's for one structure, and whether it rebuilt the neighbour list.
export interface NativeSessionStep extends NativeEnergyPrediction {
  neighborsRebuilt: boolean;
  step: number;                 // steps before this one
  computeMicroseconds: number;
  queueMicroseconds: number;
}

export interface NativeEnergySession {
  // positions: [nAtoms, 3] Angstrom; cell: 9 numbers (a new cell from this step on) or undefined.
  // INVALID_ARGUMENT for a step the model refuses (the session stays usable); FAILED_PRECONDITION
  // when closed or a step is already running. inlineWhenIdle: run on the calling thread (the
  // event loop) when the compute pool has no other job, instead of handing it to a pool thread
  // (for steps smaller than the hand-off's cost; the promise is then settled at once).
  step(positions: Float64Array, cell?: Float64Array, cancel?: CancelToken, inlineWhenIdle?: boolean): Promise<NativeSessionStep>;
  // Frees the session's state (after a running step, when it ends); idempotent.
  close(): { steps?: number; neighborRebuilds?: number };
}

export interface EnergyModelHandle {
  metadata(): ModelMetadata;   // kind "energy"
  predict(request: NativeEnergyRequest, cancel?: CancelToken): Promise<NativeEnergyResult>;
  // INVALID_ARGUMENT for an element the model does not know, a bad cell or skin, a contributing
  // mask of another length than the atoms.
  openSession(config: NativeSessionConfig): NativeEnergySession;
}

// A loaded model of either kind; metadata().kind tells which.
// A fitted correlation contraction (addon/napi/contraction.hpp), loaded like a model: not a
// model Predict or sessions use, but what ComputeDescriptorsRequest.contraction names.
export interface ContractionHandle {
  metadata(): ModelMetadata;   // kind "correlation-contraction", no outputs
}

export type ModelHandle = HamiltonianModelHandle | EnergyModelHandle | ContractionHandle;

// What fitCorrelationContraction takes besides the request (core ContractionSettings).
export interface ContractionFitSettings {
  varianceFraction?: number;   // keep the leading components up to this share of the variance [1: all]
  maxComponents?: number;      // at most this many per block [0: no cap]
}

// Absent fields take the defaults of the shipped model (core/training/training_run.cpp).
export interface TrainingConfig {
  data: string;            // dataset .npz (docs/dataset-format.md)
  output: string;          // model .npz to write
  hypers?: Partial<Record<'cutoff' | 'cutoff_width' | 'max_radial' | 'max_angular' | 'density_width' | 'center_atom_weight', number>>;
  folds?: number;          // cross-validation folds of the ridge fit
  indirect?: boolean;      // refine on the large-basis orbital energies
  optimizer?: 'lbfgs' | 'adam'; // of the indirect refinement (default lbfgs)
  epochs?: number;
  seed?: number;
  command?: string;        // recorded in the model's provenance
  learningRate?: number;   // adam only
  penalty?: number;
  patience?: number;
  validationFraction?: number;
  virtualWeight?: number;
  lumoWeight?: number;
  chargeWeight?: number;          // Loewdin-charge term (datasets with large_loewdin_charges)
  densityMatrixWeight?: number;   // ||P' - P'_STO-3G||^2 term
  valenceVirtuals?: number;       // virtual slots paired by minimal-basis character (0: off)
  valenceCharacter?: number;      // character threshold of a valence virtual, 0..1
  valenceVirtualWeight?: number;  // weight of the paired slots above the LUMO
  messageRadial?: number;         // message-passing features (0: off)
  messageScale?: number;
  pairOrder2?: number;            // order-2 pair features: PCA components per block (0: off)
  pairOrder2Density?: number;     // density components in them (0: all)
}

export interface TrainingProgress {
  stage: string;           // "features", "ridge", "indirect", ...
  step: number;
  total: number;
  trainLoss?: number;
  validationLoss?: number;
}

export type TrainingReport = Record<string, unknown>;

// An energy/force model (core/training/energy_training.hpp); absent fields take its defaults.
export interface EnergyTrainingConfig {
  data: string;                 // energy dataset .npz (docs/dataset-format.md#energyforce-datasets)
  output: string;               // model .npz to write
  hypers?: TrainingConfig['hypers'];
  validationFraction?: number;  // of the structures, held out (force weight, ridge, calibration, metrics)
  testFraction?: number;        // of the structures, held out of everything (reported only)
  energySigma?: number;         // eV per atom
  ridge?: number | number[];    // x mean diagonal; several: chosen on validation
  forceSigma?: number | number[];  // eV/A; several: chosen on validation
  blockRidge?: boolean;         // ridge relative to each (species, family) block's mean diagonal
  covarianceMaxBytes?: number;  // budget of the stored covariance (default 8 MiB)
  extraFeatures?: Array<{ kind: 'power-spectrum' | 'bispectrum' | 'multi-scale'; hypers?: TrainingConfig['hypers'] }>;
  seed?: number;
  command?: string;
}

// What the engine (NativeEngine, server/native/addon.ts) offers for models: loading a file
// (throws a coded INVALID_ARGUMENT naming the problem) and training, both on its pool.
export interface ModelAddon {
  loadHamiltonianModel(path: string): HamiltonianModelHandle;
  // Any kind, by the file's format (a Hamiltonian model's loader names other formats).
  loadModel(path: string): ModelHandle;
  trainHamiltonianModel(config: TrainingConfig, onProgress?: (progress: TrainingProgress) => void): Promise<TrainingReport>;
  trainEnergyModel(config: EnergyTrainingConfig, onProgress?: (progress: TrainingProgress) => void): Promise<TrainingReport>;
  // Fits a contraction on the request's structures (kind "correlation") and writes it to `path`.
  fitCorrelationContraction(request: NativeDescriptorRequest, settings: ContractionFitSettings, path: string, cancel?: CancelToken): Promise<ModelMetadata>;
}

