// Node client types and decoding of the model RPCs (ListModels, LoadModel, UnloadModel, Predict).
import { decodeFloat64, decodeInt32 } from '../../server/wire/arrays';
import type { ModelInfo__Output, PredictResponse__Output, StructurePrediction__Output } from '../../server/wire/types';
import type { EnergyUnit, ModelVariant, OrbitalOrder, PredictOutput } from '../../server/wire/vocabulary';

export interface PredictOptions {
  model?: string;               // registry name; default: the daemon's default model
  outputs?: PredictOutput[];    // default: orbital_energies, valid_orbitals, homo, lumo, gap
  units?: EnergyUnit;           // default hartree
  order?: OrbitalOrder;         // orbital order of matrices and labels; default hamd
  variant?: ModelVariant;       // weights; default best (indirect when trained)
  charge?: number;              // molecular charge of every structure; default 0
  nStates?: number;             // excitation outputs: lowest singlets, 1..50; default 5
  deadlineMs?: number;
}

// One structure's outputs (those requested). Matrices are row-major [nOrbitals, nOrbitals].
export interface StructurePrediction {
  nOrbitals: number;
  nElectrons: number;
  fockOrthogonal?: Float64Array;
  fock?: Float64Array;
  overlap?: Float64Array;
  orbitalEnergies?: Float64Array;   // ascending
  validOrbitals?: boolean[];        // per orbital: a level the model was trained to reproduce
  homo?: number;
  lumo?: number;                    // absent (with gap) when the model does not vouch for it: see warnings
  gap?: number;
  excitationEnergies?: Float64Array;     // lowest singlets (sTDA on the predicted orbitals)
  oscillatorStrengths?: Float64Array;
  excitationValidWeight?: Float64Array;  // per state: share on valid orbitals
  warnings: string[];               // what to know about these numbers (empty: nothing)
  orbitalNames?: string[];          // "0 O 1s", ...
  orbitals?: Int32Array;            // [nOrbitals, 4]: atom, n, l, m
  // Energy models (eV and Angstrom unless units "hartree").
  energy?: number;
  energyUncertainty?: number;
  energies?: Float64Array;          // [nAtoms]
  forces?: Float64Array;            // [nAtoms, 3], row-major
  stress?: Float64Array;            // [3, 3], periodic structures only
}

export interface PredictResult {
  model: string;
  units: string;
  order: string;
  structures: StructurePrediction[];
  computeMicroseconds: number;
  queueMicroseconds: number;
}

// hamd.v1 ModelInfo with every field present, is_default as isDefault and metadata_json parsed
// into metadata. (state is one of vocabulary's modelStates.)
export type ModelInfo = Required<Omit<ModelInfo__Output, 'is_default' | 'metadata_json'>> & {
  isDefault: boolean;
  metadata: Record<string, unknown>;
};

export function decodeModelInfo(message: ModelInfo__Output): ModelInfo {
  let metadata: Record<string, unknown> = {};
  try {
    metadata = JSON.parse(message.metadata_json || '{}');
  } catch {
    /* left empty: the daemon always sends JSON */
  }
  return {
    name: message.name ?? '', version: message.version ?? '', kind: message.kind ?? '', state: message.state ?? '',
    error: message.error ?? '', species: message.species ?? [], basis: message.basis ?? '', units: message.units ?? '',
    cutoff: message.cutoff ?? 0, outputs: message.outputs ?? [], validation: message.validation ?? {},
    isDefault: Boolean(message.is_default), path: message.path ?? '', checksum: message.checksum ?? '', metadata,
  };
}

// One StructurePrediction message (Predict's, or a session step's) as typed arrays.
export function decodeStructurePrediction(s: Partial<StructurePrediction__Output>, where: string): StructurePrediction {
    const out: StructurePrediction = { nOrbitals: s.n_orbitals ?? 0, nElectrons: s.n_electrons ?? 0, warnings: s.warnings ?? [] };
    if (s.fock_orthogonal) out.fockOrthogonal = decodeFloat64(s.fock_orthogonal, `${where}.fock_orthogonal`).values;
    if (s.fock) out.fock = decodeFloat64(s.fock, `${where}.fock`).values;
    if (s.overlap) out.overlap = decodeFloat64(s.overlap, `${where}.overlap`).values;
    if (s.orbital_energies) out.orbitalEnergies = decodeFloat64(s.orbital_energies, `${where}.orbital_energies`).values;
    if (s.homo !== undefined && s.homo !== null) out.homo = s.homo;
    if (s.lumo !== undefined && s.lumo !== null) out.lumo = s.lumo;
    if (s.gap !== undefined && s.gap !== null) out.gap = s.gap;
    if (s.valid_orbitals && s.valid_orbitals.length > 0) out.validOrbitals = s.valid_orbitals;
    if (s.excitation_energies) out.excitationEnergies = decodeFloat64(s.excitation_energies, `${where}.excitation_energies`).values;
    if (s.oscillator_strengths) out.oscillatorStrengths = decodeFloat64(s.oscillator_strengths, `${where}.oscillator_strengths`).values;
    if (s.excitation_valid_weight) {
      out.excitationValidWeight = decodeFloat64(s.excitation_valid_weight, `${where}.excitation_valid_weight`).values;
    }
    if (s.orbital_labels) {
      out.orbitalNames = s.orbital_labels.names ?? [];
      const values = s.orbital_labels.orbitals?.values;
      if (values) out.orbitals = decodeInt32(values, `${where}.orbital_labels.orbitals`).values;
    }
    if (s.energy !== undefined && s.energy !== null) out.energy = s.energy;
    if (s.energy_uncertainty !== undefined && s.energy_uncertainty !== null) out.energyUncertainty = s.energy_uncertainty;
    if (s.energies) out.energies = decodeFloat64(s.energies, `${where}.energies`).values;
    if (s.forces) out.forces = decodeFloat64(s.forces, `${where}.forces`).values;
    if (s.stress) out.stress = decodeFloat64(s.stress, `${where}.stress`).values;
    return out;
}

export function decodePredictResponse(response: PredictResponse__Output): PredictResult {
  const structures = response.structures.map((s, i) => decodeStructurePrediction(s, `structures[${i}]`));
  return {
    model: response.model ?? '', units: response.units ?? '', order: response.order ?? '', structures,
    computeMicroseconds: response.compute_us ?? 0, queueMicroseconds: response.queue_us ?? 0,
  };
}
