// Shapes of the hamd.v1 messages as @grpc/proto-loader presents them with the
// options in proto.ts (keepCase, longs as Number, bytes as Buffer, absent optional
// fields undefined). Only what the daemon and the Node client touch.

export interface ArrayMsg {
  dtype: string;
  shape: number[];
  data: Buffer | Uint8Array;
}

export interface LabelsMsg {
  names: string[];
  values: ArrayMsg | null | undefined;
}

export interface StructureMsg {
  atomic_numbers: number[];
  positions?: ArrayMsg | null;
  cell?: ArrayMsg | null;
  pbc: boolean[];
}

export interface HypersMsg {
  cutoff?: number;
  cutoff_width?: number;
  max_radial?: number;
  max_angular?: number;
  density_width?: number;
  center_atom_weight?: number;
}

export interface ComputeDescriptorsRequestMsg {
  structures: StructureMsg[];
  kind: string;
  hypers?: HypersMsg | null;
  species: number[];
  max_lambda?: number;
  gradients: string[];
}

export interface GradientBlockMsg {
  parameter: string;
  samples: LabelsMsg;
  components: LabelsMsg[];
  values: ArrayMsg;
}

export interface BlockMsg {
  samples: LabelsMsg;
  components: LabelsMsg[];
  properties: LabelsMsg;
  values: ArrayMsg;
  gradients: GradientBlockMsg[];
}

export interface ComputeDescriptorsResponseMsg {
  keys: LabelsMsg;
  blocks: BlockMsg[];
  compute_us: number;
  queue_us: number;
}

export interface LimitsMsg {
  max_atoms_per_request: number;
  max_structures_per_request: number;
  max_message_bytes: number;
  max_output_bytes: number;
  max_response_bytes: number;
}

export interface ServerInfoMsg {
  version: string;
  api_version: string;
  capabilities: string[];
  threads: number;
  limits: LimitsMsg;
  descriptor_kinds: string[];
  addon_build: string;
}
