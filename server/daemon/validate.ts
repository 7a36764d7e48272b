// Checks a ComputeDescriptorsRequest against the wire contract (hamd.proto) and turns
// it into the addon's request. Owns the wire format only: the physics (singular
// cells, neighbour search, ...) is the engine's, which reports its own errors.
import type { NativeDescriptorRequest, NativeHypers, NativeSystem } from '../native/addon';
import { decodeFloat64 } from '../wire/arrays';
import { invalidArgument } from '../wire/status';
import type { ArrayMessage__Output, ComputeDescriptorsRequest__Output, Hypers__Output, Structure__Output } from '../wire/types';
import { gradientParameters, hyperNames, isOneOf } from '../wire/vocabulary';
import type { DaemonLimits } from './limits';

const MAX_ATOMIC_NUMBER = 118;

function checkAtomicNumber(z: number, where: string): void {
  if (!Number.isInteger(z) || z < 1 || z > MAX_ATOMIC_NUMBER) {
    throw invalidArgument(`${where}: atomic number ${z} is not an element (1..${MAX_ATOMIC_NUMBER})`);
  }
}

function firstNonFinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

// Positions of `n` atoms: float64 [n, 3], every number finite.
export function decodePositions(message: ArrayMessage__Output | null | undefined, n: number, where: string): Float64Array {
  const positions = decodeFloat64(message, where);
  const shape = positions.shape;
  if (shape.length !== 2 || shape[1] !== 3) {
    throw invalidArgument(`${where}: shape [${shape.join(', ')}] but expected [n_atoms, 3]`);
  }
  if (shape[0] !== n) {
    throw invalidArgument(`${where}: shape [${shape.join(', ')}] but ${n} atomic numbers`);
  }
  const bad = firstNonFinite(positions.values);
  if (bad >= 0) {
    throw invalidArgument(`${where}[${Math.floor(bad / 3)}][${bad % 3}] is ${positions.values[bad]}, not a finite number`);
  }
  return positions.values;
}

// Whether a cell field is present (a message with a shape or data; absent or empty: no cell).
export function hasCell(message: ArrayMessage__Output | null | undefined): boolean {
  return !!message && (message.shape.length > 0 || (message.data?.byteLength ?? 0) > 0);
}

// A cell: float64 [3, 3], every number finite.
export function decodeCell(message: ArrayMessage__Output | null | undefined, where: string): Float64Array {
  const decoded = decodeFloat64(message, where);
  if (decoded.shape.length !== 2 || decoded.shape[0] !== 3 || decoded.shape[1] !== 3) {
    throw invalidArgument(`${where}: shape [${decoded.shape.join(', ')}] but expected [3, 3]`);
  }
  const badCell = firstNonFinite(decoded.values);
  if (badCell >= 0) {
    throw invalidArgument(`${where}[${Math.floor(badCell / 3)}][${badCell % 3}] is ${decoded.values[badCell]}, not a finite number`);
  }
  return decoded.values;
}

// Atomic numbers (at least one, each an element), periodicity and cell of a structure (or of
// a session's fixed part); positions are the caller's.
export function checkFrame(numbers: readonly number[], pbcList: readonly boolean[], cellMessage: ArrayMessage__Output | null | undefined, where: string): Omit<NativeSystem, 'positions'> {
  numbers.forEach((z, atom) => checkAtomicNumber(z, `${where}.atomic_numbers[${atom}]`));
  if (numbers.length === 0) throw invalidArgument(`${where}: no atoms; every structure needs at least one atom`);
  if (pbcList.length !== 0 && pbcList.length !== 3) {
    throw invalidArgument(`${where}.pbc: ${pbcList.length} values but expected 0 or 3`);
  }
  const pbc: [boolean, boolean, boolean] = pbcList.length === 3 ? [pbcList[0], pbcList[1], pbcList[2]] : [false, false, false];
  let cell: Float64Array = new Float64Array(9);
  if (hasCell(cellMessage)) {
    cell = decodeCell(cellMessage, `${where}.cell`);
  } else if (pbc.some(Boolean)) {
    throw invalidArgument(`${where}.cell: missing but pbc is [${pbc.join(', ')}]`);
  }
  return { types: Int32Array.from(numbers), cell, pbc };
}

function toSystem(structure: Structure__Output, index: number): NativeSystem {
  const where = `structures[${index}]`;
  const numbers = structure.atomic_numbers ?? [];
  numbers.forEach((z, atom) => checkAtomicNumber(z, `${where}.atomic_numbers[${atom}]`));
  if (numbers.length === 0) throw invalidArgument(`${where}: no atoms; every structure needs at least one atom`);
  const positions = decodePositions(structure.positions, numbers.length, `${where}.positions`);
  return { ...checkFrame(numbers, structure.pbc ?? [], structure.cell, where), positions };
}

// The fields the request sets, as they are: the core owns the defaults and the ranges
// (addon/core/descriptors/hypers.cpp), and its messages name the wire field
// ("hypers.cutoff = -1 is outside (0, 20] Angstrom").
export function toHypers(message: Hypers__Output | null | undefined): NativeHypers {
  const hypers: NativeHypers = {};
  for (const name of hyperNames) {
    const value = message?.[name];
    if (value !== undefined && value !== null) hypers[name] = value;
  }
  return hypers;
}

// The structure contract shared by every RPC that takes structures: at least one, each one
// well formed (shapes, finite numbers, atomic numbers). Their number and size against the
// limits is checked before, for every RPC alike (./unary.ts).
export function checkStructures(structures: Structure__Output[]): NativeSystem[] {
  if (structures.length === 0) throw invalidArgument('structures: empty, give at least one structure');
  return structures.map(toSystem);
}

// The kinds with equivariant blocks up to a chosen lambda (the core registers the same: kMaxLambda).
const maxLambdaKinds: readonly string[] = ['lambda-soap', 'pair-features', 'message-passing'];

function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

// A ComputeDescriptorsRequest as the engine's request.
// `kinds`: the descriptor kinds the core registers (the addon's descriptorKinds()).
export function checkDescriptorRequest(request: ComputeDescriptorsRequest__Output, limits: DaemonLimits, kinds: readonly string[]): NativeDescriptorRequest {
  const systems = checkStructures(request.structures ?? []);

  const kind = request.kind ?? '';
  if (!kinds.includes(kind)) {
    throw invalidArgument(`kind: "${kind}" is not one of ${kinds.join(', ')}`);
  }
  const hypers = toHypers(request.hypers);

  const species = request.species ?? [];
  species.forEach((z, i) => checkAtomicNumber(z, `species[${i}]`));
  if (new Set(species).size !== species.length) throw invalidArgument(`species: [${species.join(', ')}] lists an element twice`);

  let maxLambda = -1;
  if (request.max_lambda !== undefined && request.max_lambda !== null) {
    if (!maxLambdaKinds.includes(kind)) {
      throw invalidArgument(`max_lambda: only meaningful for kinds ${maxLambdaKinds.map((k) => `"${k}"`).join(', ')}, not "${kind}"`);
    }
    maxLambda = request.max_lambda;  // its range (0..2 max_angular) is the core's to check
    if (maxLambda < 0) throw invalidArgument(`max_lambda = ${maxLambda} is outside 0..2*max_angular`);
  }

  const gradients = [...new Set(request.gradients ?? [])];
  for (const [i, name] of gradients.entries()) {
    if (!isOneOf(name, gradientParameters)) {
      throw invalidArgument(`gradients[${i}]: "${name}" is not one of ${gradientParameters.join(', ')}`);
    }
  }

  if (gradients.includes('cell')) {
    const notPeriodic = systems.findIndex((s) => !s.pbc.every(Boolean));
    if (notPeriodic >= 0) {
      throw invalidArgument(`gradients: "cell" needs structures periodic along a, b and c, but structures[${notPeriodic}].pbc is [${systems[notPeriodic].pbc.join(', ')}]`);
    }
  }

  // Kind options go to the core as given: it knows which kinds take them and their ranges.
  const kindOptions: Pick<NativeDescriptorRequest, 'potentialExponent' | 'correlationOrder' | 'nonlinearity' | 'kCutoff'> = {};
  if (isSet(request.potential_exponent)) kindOptions.potentialExponent = request.potential_exponent;
  if (isSet(request.correlation_order)) kindOptions.correlationOrder = request.correlation_order;
  if (isSet(request.nonlinearity)) kindOptions.nonlinearity = request.nonlinearity;
  if (isSet(request.k_cutoff)) kindOptions.kCutoff = request.k_cutoff;

  return { systems, kind, hypers, species: Int32Array.from(species), maxLambda, ...kindOptions, gradients, maxOutputBytes: limits.maxOutputBytes };
}
