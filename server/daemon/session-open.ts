// A SessionOpen checked against the wire contract and the models that will serve the session
// (docs/sessions.md): which energy model and/or Hamiltonian model, their outputs and units, the
// structure's fixed part and the Verlet skin. Like ./predict.ts for Predict: wire checks here,
// the models' own checks (elements, cell) in the addon.
import { status } from '@grpc/grpc-js';
import { elementSymbol } from '../native/xyz';
import type { ModelRegistry } from '../models/registry';
import type { EnergyModelHandle, HamiltonianModelHandle, ModelMetadata } from '../native/model-addon';
import type { NativeSystem } from '../native/types';
import { invalidArgument, resourceExhausted, StatusError } from '../wire/status';
import type { SessionOpen__Output } from '../wire/types';
import {
  defaultEnergyOutputs, energyOutputs, isOneOf, orbitalOrders, outputKind, predictOutputs,
  type EnergyUnit, type OrbitalOrder, type PredictOutput,
} from '../wire/vocabulary';
import type { DaemonLimits } from './limits';
import { checkFrame } from './validate';

export const DEFAULT_SKIN = 0.5;   // Angstrom
export const MAX_SKIN = 5.0;

export interface SessionEnergyPart {
  model: string;
  metadata: ModelMetadata;
  handle: EnergyModelHandle;
  outputs: PredictOutput[];
  units: 'ev' | 'hartree';
}

export interface SessionHamiltonianPart {
  model: string;
  metadata: ModelMetadata;
  handle: HamiltonianModelHandle;
  outputs: PredictOutput[];
  units: EnergyUnit;
  order: OrbitalOrder;
  charge: number;
}

export interface SessionPlan {
  frame: Omit<NativeSystem, 'positions'>;
  skin: number;
  // Which atoms' energies count (open.contributing); undefined: every atom.
  contributing?: Uint8Array;
  energy?: SessionEnergyPart;
  hamiltonian?: SessionHamiltonianPart;
  outputs: PredictOutput[];
}

function checkSpecies(types: Int32Array, metadata: ModelMetadata, model: string): void {
  const known = new Set(metadata.species);
  types.forEach((z, atom) => {
    if (!known.has(z)) {
      throw invalidArgument(`open.atomic_numbers[${atom}]: ${elementSymbol(z)} is an element model "${model}" does not know `
        + `(it knows ${metadata.species.map(elementSymbol).join(', ')})`);
    }
  });
}

function resolveKind(registry: ModelRegistry, name: string, kind: 'energy' | 'hamiltonian') {
  const entry = registry.resolve(name, kind);
  if (entry.metadata.kind !== kind) {
    throw new StatusError(status.INVALID_ARGUMENT, `model "${entry.name}" is a ${entry.metadata.kind} model, not a ${kind} model`);
  }
  return entry;
}

export function checkSessionOpen(open: SessionOpen__Output, registry: ModelRegistry, limits: DaemonLimits): SessionPlan {
  const numbers = open.atomic_numbers ?? [];
  if (numbers.length > limits.maxAtomsPerRequest) {
    throw resourceExhausted(`open.atomic_numbers: ${numbers.length} atoms but this daemon accepts at most ${limits.maxAtomsPerRequest} per request`);
  }
  const frame = checkFrame(numbers, open.pbc ?? [], open.cell, 'open');

  const outputs: PredictOutput[] = [];
  for (const [i, name] of (open.outputs ?? []).entries()) {
    if (!isOneOf(name, predictOutputs)) throw invalidArgument(`open.outputs[${i}]: "${name}" is not one of ${predictOutputs.join(', ')}`);
    if (!outputs.includes(name)) outputs.push(name);
  }
  if (outputs.length === 0) outputs.push(...defaultEnergyOutputs);
  const energyWanted = outputs.filter((o) => outputKind(o) === 'energy');
  const hamiltonianWanted = outputs.filter((o) => outputKind(o) === 'hamiltonian');

  const units = open.units ?? '';
  if (units !== '' && units !== 'ev' && units !== 'hartree') throw invalidArgument(`open.units: "${units}" is not one of ev, hartree (or empty)`);
  let skin = DEFAULT_SKIN;
  if (open.skin !== undefined && open.skin !== null) {
    skin = open.skin;
    if (!(skin >= 0 && skin <= MAX_SKIN)) throw invalidArgument(`open.skin = ${skin} is outside [0, ${MAX_SKIN}] Angstrom`);
  }

  const plan: SessionPlan = { frame, skin, outputs };
  const contributing = open.contributing ?? [];
  if (contributing.length > 0) {
    if (contributing.length !== numbers.length) {
      throw invalidArgument(`open.contributing: ${contributing.length} flags for ${numbers.length} atoms (one per atom, or none)`);
    }
    if (hamiltonianWanted.length > 0) {
      throw invalidArgument(`open.contributing: Hamiltonian outputs (${hamiltonianWanted.join(', ')}) are of the whole molecule; `
        + 'a contributing mask is for energy outputs only');
    }
    plan.contributing = Uint8Array.from(contributing, (flag) => (flag ? 1 : 0));
  }
  if (energyWanted.length > 0) {
    const entry = resolveKind(registry, open.model ?? '', 'energy');
    checkSpecies(frame.types, entry.metadata, entry.name);
    if (energyWanted.includes('stress') && !frame.pbc.every(Boolean)) {
      throw invalidArgument(`open.outputs: "stress" needs a structure periodic along a, b and c, but pbc is [${frame.pbc.join(', ')}]`);
    }
    plan.energy = {
      model: entry.name, metadata: entry.metadata, handle: entry.handle as EnergyModelHandle,
      outputs: energyWanted, units: units === 'hartree' ? 'hartree' : 'ev',
    };
  } else if ((open.model ?? '') !== '') {
    throw invalidArgument(`open.model: "${open.model}" is named but no energy output is asked (outputs: ${outputs.join(', ')})`);
  }
  if (hamiltonianWanted.length > 0) {
    const entry = resolveKind(registry, open.hamiltonian_model ?? '', 'hamiltonian');
    checkSpecies(frame.types, entry.metadata, entry.name);
    if (frame.pbc.some(Boolean)) throw invalidArgument('open.pbc: Hamiltonian models take molecules, not periodic structures');
    const order = open.order ?? '';
    if (order !== '' && !isOneOf(order, orbitalOrders)) throw invalidArgument(`open.order: "${order}" is not one of ${orbitalOrders.join(', ')}`);
    plan.hamiltonian = {
      model: entry.name, metadata: entry.metadata, handle: entry.handle as HamiltonianModelHandle,
      outputs: hamiltonianWanted, units: units === 'ev' ? 'ev' : 'hartree',
      order: order === '' ? orbitalOrders[0] : order as OrbitalOrder, charge: open.charge ?? 0,
    };
  } else if ((open.hamiltonian_model ?? '') !== '') {
    throw invalidArgument(`open.hamiltonian_model: "${open.hamiltonian_model}" is named but no Hamiltonian output is asked (outputs: ${outputs.join(', ')})`);
  }
  return plan;
}
