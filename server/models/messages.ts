// Shapes of the model messages of hamd.v1 (ListModels, LoadModel, UnloadModel, Predict) as
// @grpc/proto-loader presents them (options in wire/proto.ts).
import type { ArrayMsg, LabelsMsg, StructureMsg } from '../wire/messages';

export interface ModelInfoMsg {
  name: string;
  version: string;
  kind: string;
  state: string;
  error: string;
  species: number[];
  basis: string;
  units: string;
  cutoff: number;
  outputs: string[];
  validation: Record<string, number>;
  is_default: boolean;
  path: string;
  checksum: string;
  metadata_json: string;
}

export interface ListModelsResponseMsg {
  models: ModelInfoMsg[];
}

export interface ModelNameMsg {
  name: string;
}

export interface PredictRequestMsg {
  structures: StructureMsg[];
  model?: string;
  outputs: string[];
  units?: string;
  order?: string;
  variant?: string;
}

export interface OrbitalLabelsMsg {
  orbitals: LabelsMsg;
  names: string[];
}

export interface StructurePredictionMsg {
  n_orbitals: number;
  n_electrons: number;
  fock_orthogonal?: ArrayMsg;
  fock?: ArrayMsg;
  overlap?: ArrayMsg;
  orbital_energies?: ArrayMsg;
  homo?: number;
  lumo?: number;
  gap?: number;
  orbital_labels?: OrbitalLabelsMsg;
}

export interface PredictResponseMsg {
  model: string;
  units: string;
  order: string;
  structures: StructurePredictionMsg[];
  compute_us: number;
  queue_us: number;
}
