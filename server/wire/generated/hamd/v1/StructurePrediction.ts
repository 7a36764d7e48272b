// Original file: proto/hamd/v1/hamd.proto

import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from '../../hamd/v1/Array';
import type { OrbitalLabels as _hamd_v1_OrbitalLabels, OrbitalLabels__Output as _hamd_v1_OrbitalLabels__Output } from '../../hamd/v1/OrbitalLabels';

export interface StructurePrediction {
  'n_orbitals'?: (number);
  'n_electrons'?: (number);
  'fock_orthogonal'?: (_hamd_v1_Array | null);
  'fock'?: (_hamd_v1_Array | null);
  'overlap'?: (_hamd_v1_Array | null);
  'orbital_energies'?: (_hamd_v1_Array | null);
  'homo'?: (number | string);
  'lumo'?: (number | string);
  'gap'?: (number | string);
  'orbital_labels'?: (_hamd_v1_OrbitalLabels | null);
  'energy'?: (number | string);
  'forces'?: (_hamd_v1_Array | null);
  'stress'?: (_hamd_v1_Array | null);
  'energies'?: (_hamd_v1_Array | null);
  'energy_uncertainty'?: (number | string);
  'valid_orbitals'?: (boolean)[];
  'excitation_energies'?: (_hamd_v1_Array | null);
  'oscillator_strengths'?: (_hamd_v1_Array | null);
  'excitation_valid_weight'?: (_hamd_v1_Array | null);
  'warnings'?: (string)[];
  '_homo'?: "homo";
  '_lumo'?: "lumo";
  '_gap'?: "gap";
  '_energy'?: "energy";
  '_energy_uncertainty'?: "energy_uncertainty";
}

export interface StructurePrediction__Output {
  'n_orbitals'?: (number);
  'n_electrons'?: (number);
  'fock_orthogonal'?: (_hamd_v1_Array__Output);
  'fock'?: (_hamd_v1_Array__Output);
  'overlap'?: (_hamd_v1_Array__Output);
  'orbital_energies'?: (_hamd_v1_Array__Output);
  'homo'?: (number);
  'lumo'?: (number);
  'gap'?: (number);
  'orbital_labels'?: (_hamd_v1_OrbitalLabels__Output);
  'energy'?: (number);
  'forces'?: (_hamd_v1_Array__Output);
  'stress'?: (_hamd_v1_Array__Output);
  'energies'?: (_hamd_v1_Array__Output);
  'energy_uncertainty'?: (number);
  'valid_orbitals': (boolean)[];
  'excitation_energies'?: (_hamd_v1_Array__Output);
  'oscillator_strengths'?: (_hamd_v1_Array__Output);
  'excitation_valid_weight'?: (_hamd_v1_Array__Output);
  'warnings': (string)[];
  '_homo'?: "homo";
  '_lumo'?: "lumo";
  '_gap'?: "gap";
  '_energy'?: "energy";
  '_energy_uncertainty'?: "energy_uncertainty";
}
