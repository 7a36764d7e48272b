// The model RPCs' messages: PredictRequest checked against the wire contract and the model
// that will answer it, the prediction as a PredictResponse, a registry entry as a ModelInfo.
// The model's own checks (unknown element, atoms closer than 0.3 Angstrom) run in the addon,
// which reports them as INVALID_ARGUMENT. The handlers are in ./handlers.ts.
import { elementSymbol } from '../native/xyz';
import type { ModelEntry } from '../models/registry';
import type {
  HamiltonianModelHandle, ModelMetadata, NativeEnergyPrediction, NativeEnergyRequest, NativeEnergyResult, NativePredictRequest, NativePredictResult, NativeStructurePrediction,
} from '../native/model-addon';
import { float64Array, int32Array } from '../wire/arrays';
import { invalidArgument, resourceExhausted } from '../wire/status';
import type { ModelInfo, PredictRequest__Output, PredictResponse, StructurePrediction } from '../wire/types';
import {
  defaultEnergyOutputs, defaultPredictOutputs, energyOutputs, energyUnits, excitationOutputs, hamiltonianOutputs, isOneOf, matrixOutputs, modelVariants,
  orbitalOrders, outputKind, predictOutputs, type ModelKind, type PredictOutput,
} from '../wire/vocabulary';
import type { DaemonLimits } from './limits';
import { checkStructures } from './validate';

// A checked PredictRequest: the model's request, every choice made.
export type CheckedPredictRequest = Required<NativePredictRequest>;

// One of `allowed`; unset or "" is the first (the default, as hamd.proto documents).
function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T {
  const text = value ?? '';
  if (text === '') return allowed[0];
  if (!isOneOf(text, allowed)) throw invalidArgument(`${field}: "${text}" is not one of ${allowed.join(', ')}`);
  return text;
}

// Wire checks of a PredictRequest against the model that will answer it.
export function checkPredictRequest(request: PredictRequest__Output, model: { metadata: ModelMetadata; handle: HamiltonianModelHandle },
  limits: DaemonLimits): CheckedPredictRequest {
  const metadata = model.metadata;
  const outputs: PredictOutput[] = [];
  for (const [i, name] of (request.outputs ?? []).entries()) {
    if (!isOneOf(name, hamiltonianOutputs)) {
      throw invalidArgument(`outputs[${i}]: "${name}" is not one of ${hamiltonianOutputs.join(', ')} (a Hamiltonian model's outputs)`);
    }
    if (!outputs.includes(name)) outputs.push(name);
  }
  const units = oneOf(request.units, energyUnits, 'units');
  const order = oneOf(request.order, orbitalOrders, 'order');
  const variant = oneOf(request.variant, modelVariants, 'variant');

  const systems = checkStructures(request.structures ?? []);
  const known = new Set(metadata.species);
  systems.forEach((system, s) => {
    if (system.pbc.some(Boolean)) throw invalidArgument(`structures[${s}].pbc: Hamiltonian models take molecules, not periodic structures`);
    system.types.forEach((z, atom) => {
      if (!known.has(z)) {
        throw invalidArgument(`structures[${s}].atomic_numbers[${atom}]: ${elementSymbol(z)} is an element this model does not know `
          + `(it knows ${metadata.species.map(elementSymbol).join(', ')})`);
      }
    });
  });

  // Memory, before any native work: the core's figure for the results and the working storage
  // of the largest structure, whatever the outputs (F', S and the eigensolver's copy; the sTDA
  // window with excitations), so asking only for orbital energies of a huge structure is no way
  // around the limit. It also checks the options (n_states range: INVALID_ARGUMENT).
  const wanted = outputs.length > 0 ? outputs : [...defaultPredictOutputs];
  const checked = { systems, outputs: wanted, units, order, variant, charge: request.charge ?? 0, nStates: request.n_states ?? 0 };
  const bytes = model.handle.predictionBytes(checked);
  if (bytes.results + bytes.working > limits.maxOutputBytes) {
    throw resourceExhausted(`outputs: ${bytes.results} bytes of results and ${bytes.working} bytes of working matrices (${bytes.largestOrbitals} orbitals) `
      + `but this daemon computes at most ${limits.maxOutputBytes} bytes per request (hamd serve --max-output-bytes)`);
  }
  return checked;
}

// One structure's Hamiltonian outputs as a StructurePrediction (Predict and sessions).
export function hamiltonianPrediction(s: NativeStructurePrediction): StructurePrediction {
  const n = s.nOrbitals;
  const message: StructurePrediction = { n_orbitals: n, n_electrons: s.nElectrons };
  if (s.fockOrthogonal) message.fock_orthogonal = float64Array(s.fockOrthogonal, [n, n]);
  if (s.fock) message.fock = float64Array(s.fock, [n, n]);
  if (s.overlap) message.overlap = float64Array(s.overlap, [n, n]);
  if (s.orbitalEnergies) message.orbital_energies = float64Array(s.orbitalEnergies, [n]);
  if (s.validOrbitals) message.valid_orbitals = s.validOrbitals;
  if (s.homo !== undefined) message.homo = s.homo;
  if (s.lumo !== undefined) message.lumo = s.lumo;
  if (s.gap !== undefined) message.gap = s.gap;
  if (s.excitationEnergies) message.excitation_energies = float64Array(s.excitationEnergies, [s.excitationEnergies.length]);
  if (s.oscillatorStrengths) message.oscillator_strengths = float64Array(s.oscillatorStrengths, [s.oscillatorStrengths.length]);
  if (s.excitationValidWeight) message.excitation_valid_weight = float64Array(s.excitationValidWeight, [s.excitationValidWeight.length]);
  if (s.warnings && s.warnings.length > 0) message.warnings = s.warnings;
  if (s.orbitals || s.orbitalNames) {
    message.orbital_labels = {
      orbitals: { names: ['atom', 'n', 'l', 'm'], values: int32Array(s.orbitals ?? new Int32Array(0), [s.orbitals ? n : 0, 4]) },
      names: s.orbitalNames ?? [],
    };
  }
  return message;
}

export function toPredictResponse(model: string, checked: CheckedPredictRequest, result: NativePredictResult): PredictResponse {
  const structures = result.structures.map(hamiltonianPrediction);
  return { model, units: checked.units, order: checked.order, structures, compute_us: result.computeMicroseconds, queue_us: result.queueMicroseconds };
}

// `defaults`: the default model of each kind (ModelInfo.is_default).
export function modelInfo(entry: ModelEntry, defaults: ReadonlyArray<string | undefined>): ModelInfo {
  const m = entry.metadata;
  return {
    name: entry.name,
    version: m?.version ?? '',
    kind: m?.kind ?? '',
    state: entry.state,
    error: entry.error,
    species: m?.species ?? [],
    basis: m?.basis ?? '',
    units: m?.units ?? '',
    cutoff: m?.cutoff ?? 0,
    outputs: m?.outputs ?? [],
    validation: m?.validation ?? {},
    is_default: defaults.includes(entry.name),
    path: entry.path,
    checksum: m?.checksum ?? '',
    metadata_json: m?.extraJson ?? '{}',
  };
}

// The model kind a PredictRequest asks for: that of its outputs (INVALID_ARGUMENT for unknown
// names or a mix of kinds); undefined when it names none.
export function requestedKind(request: PredictRequest__Output): ModelKind | undefined {
  const kinds = new Set<ModelKind>();
  for (const [i, name] of (request.outputs ?? []).entries()) {
    if (!isOneOf(name, predictOutputs)) throw invalidArgument(`outputs[${i}]: "${name}" is not one of ${predictOutputs.join(', ')}`);
    kinds.add(outputKind(name));
  }
  if (kinds.size > 1) {
    throw invalidArgument('outputs: Hamiltonian outputs and energy outputs in one request; one request asks one model, ask each kind separately');
  }
  return kinds.size === 1 ? [...kinds][0] : undefined;
}

// A checked PredictRequest for an energy model.
export interface CheckedEnergyRequest extends NativeEnergyRequest {
  outputs: PredictOutput[];
}

// Wire checks of a PredictRequest against the energy model that will answer it.
export function checkEnergyRequest(request: PredictRequest__Output, metadata: ModelMetadata, limits: DaemonLimits): CheckedEnergyRequest {
  const outputs: PredictOutput[] = [];
  for (const [i, name] of (request.outputs ?? []).entries()) {
    if (!isOneOf(name, energyOutputs)) {
      throw invalidArgument(`outputs[${i}]: "${name}" is not one of ${energyOutputs.join(', ')} (an energy model's outputs)`);
    }
    if (!outputs.includes(name)) outputs.push(name);
  }
  const units = request.units === 'hartree' ? 'hartree' : oneOf(request.units, ['ev', 'hartree'] as const, 'units');
  if ((request.order ?? '') !== '') throw invalidArgument('order: energy models have no orbital order; leave it empty');
  if ((request.variant ?? '') !== '' && request.variant !== 'best') throw invalidArgument('variant: energy models have one set of weights; leave it empty');
  if ((request.charge ?? 0) !== 0) throw invalidArgument('charge: this energy model was trained on neutral structures only');
  const systems = checkStructures(request.structures ?? []);
  const known = new Set(metadata.species);
  systems.forEach((system, s) => {
    system.types.forEach((z, atom) => {
      if (!known.has(z)) {
        throw invalidArgument(`structures[${s}].atomic_numbers[${atom}]: ${elementSymbol(z)} is an element this model does not know `
          + `(it knows ${metadata.species.map(elementSymbol).join(', ')})`);
      }
    });
  });
  const wanted = outputs.length > 0 ? outputs : [...defaultEnergyOutputs];
  const atoms = systems.reduce((n, s) => n + s.types.length, 0);
  const bytes = 8 * (4 * atoms + 12 * systems.length);
  if (bytes > limits.maxOutputBytes) {
    throw resourceExhausted(`outputs: ${bytes} bytes of results but this daemon returns at most ${limits.maxOutputBytes} per request`);
  }
  return { systems, outputs: wanted, units };
}

// One structure's energy-model outputs as a StructurePrediction (Predict and sessions).
export function energyPrediction(s: NativeEnergyPrediction): StructurePrediction {
  const n = s.nAtoms;
  const message: StructurePrediction = {};
  if (s.energy !== undefined) message.energy = s.energy;
  if (s.energyUncertainty !== undefined) message.energy_uncertainty = s.energyUncertainty;
  if (s.energies) message.energies = float64Array(s.energies, [n]);
  if (s.forces) message.forces = float64Array(s.forces, [n, 3]);
  if (s.stress) message.stress = float64Array(s.stress, [3, 3]);
  return message;
}

export function toEnergyResponse(model: string, checked: CheckedEnergyRequest, result: NativeEnergyResult): PredictResponse {
  const structures = result.structures.map(energyPrediction);
  return { model, units: checked.units, order: '', structures, compute_us: result.computeMicroseconds, queue_us: result.queueMicroseconds };
}
