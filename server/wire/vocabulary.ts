// The words of the hamd.v1 contract that the proto carries as strings, each defined once on the
// TypeScript side: descriptor kinds, gradient parameters, hyper-parameter names and defaults,
// Predict outputs, energy units, orbital orders, model variants and model states. The daemon
// validates with these lists and reports them in GetServerInfo; the Node client and the CLI type
// and check with them. test/contract.test.ts checks every list against the comments of
// proto/hamd/v1/hamd.proto (and the native layer's own copies in server/native/model-addon.ts
// against these).
import type { Hypers__Output } from './generated/hamd/v1/Hypers';

export const API_VERSION = 'hamd.v1';

// ComputeDescriptorsRequest.kind; ServerInfo.descriptor_kinds and "descriptors/<kind>" capabilities.
export const descriptorKinds = ['spherical-expansion', 'power-spectrum', 'lambda-soap', 'bispectrum', 'correlation', 'triplet',
  'lode-spherical-expansion', 'multi-scale', 'pair-features', 'message-passing'] as const;
export type DescriptorKind = (typeof descriptorKinds)[number];

// ComputeDescriptorsRequest.device.
export const computeDevices = ['auto', 'cpu', 'cuda'] as const;
export type ComputeDevice = (typeof computeDevices)[number];

// ComputeDescriptorsRequest.gradients, GradientBlock.parameter; "gradients/<name>" capabilities.
export const gradientParameters = ['positions', 'cell'] as const;
export type GradientParameter = (typeof gradientParameters)[number];

// The fields of Hypers (the generated type's, without the virtual oneof fields "_cutoff", ...)
// and the defaults the proto documents for unset ones.
export type HyperName = Exclude<keyof Hypers__Output, `_${string}`>;
export const defaultHypers: Readonly<Record<HyperName, number>> = {
  cutoff: 5.0,
  cutoff_width: 0.5,
  max_radial: 7,
  max_angular: 6,
  density_width: 0.3,
  center_atom_weight: 1.0,
};
export const hyperNames = Object.keys(defaultHypers) as HyperName[];
// The int32 ones (the others are double).
export const integerHyperNames: readonly HyperName[] = ['max_radial', 'max_angular'];

// PredictRequest.outputs (ModelInfo.outputs) of each model kind, and the default of each kind
// when the request names none.
export const hamiltonianOutputs = [
  'fock_orthogonal', 'fock', 'overlap', 'orbital_energies', 'valid_orbitals', 'homo', 'lumo', 'gap', 'orbital_labels',
  'excitation_energies', 'oscillator_strengths',
] as const;
export const energyOutputs = ['energy', 'forces', 'stress', 'energies', 'energy_uncertainty'] as const;
export const predictOutputs = [...hamiltonianOutputs, ...energyOutputs] as const;
export type PredictOutput = (typeof predictOutputs)[number];
export type HamiltonianOutput = (typeof hamiltonianOutputs)[number];
export type EnergyOutput = (typeof energyOutputs)[number];
export const defaultPredictOutputs: readonly PredictOutput[] = ['orbital_energies', 'valid_orbitals', 'homo', 'lumo', 'gap'];
export const excitationOutputs: readonly PredictOutput[] = ['excitation_energies', 'oscillator_strengths'];
export const defaultEnergyOutputs: readonly PredictOutput[] = ['energy', 'forces'];
// Model kinds that Predict and sessions serve (ModelInfo.kind) and the outputs each serves.
export const modelKinds = ['hamiltonian', 'energy'] as const;
// The other kind of file the model registry loads: a fitted correlation contraction, which
// ComputeDescriptorsRequest.contraction names (ModelInfo.kind).
export const contractionKind = 'correlation-contraction';
export type ModelKind = (typeof modelKinds)[number];
export function outputKind(output: PredictOutput): ModelKind {
  return (energyOutputs as readonly string[]).includes(output) ? 'energy' : 'hamiltonian';
}
// The outputs that are [n_orb, n_orb] matrices (the others are per-orbital vectors or numbers).
export const matrixOutputs: readonly PredictOutput[] = ['fock_orthogonal', 'fock', 'overlap'];

// PredictRequest.units, .order and .variant; the first of each is the default (also for "").
export const energyUnits = ['hartree', 'ev'] as const;
export type EnergyUnit = (typeof energyUnits)[number];
export const orbitalOrders = ['hamd', 'pyscf'] as const;
export type OrbitalOrder = (typeof orbitalOrders)[number];
// best: the indirect (eigenvalue-trained) weights when the model has them, else the direct ones.
export const modelVariants = ['best', 'direct', 'indirect'] as const;
export type ModelVariant = (typeof modelVariants)[number];

// ModelInfo.state.
export const modelStates = ['ready', 'unloaded', 'failed'] as const;
export type ModelState = (typeof modelStates)[number];

export function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}
