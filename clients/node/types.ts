// Public types of the hamd Node client. Wire messages are the types generated from the proto
// (server/wire/types.ts) and the contract's words come from server/wire/vocabulary.ts; what is
// defined here is the client's own view: the structures it takes, its options, and the decoded
// results (typed arrays over the response's bytes, camelCase).
import type { GradientParameter as WireGradientParameter, DescriptorKind as WireDescriptorKind } from '../../server/wire/vocabulary';
import type { Hypers as HypersMessage } from '../../server/wire/types';

export type {
  DescriptorKind, EnergyUnit, GradientParameter, HyperName, ModelVariant, OrbitalOrder, PredictOutput,
} from '../../server/wire/vocabulary';
export type { ServerInfo__Output as ServerInfo } from '../../server/wire/types';

type Vector3 = ArrayLike<number>;

export interface StructureInput {
  atomicNumbers: ArrayLike<number>;
  // Angstrom: flat [x0, y0, z0, x1, ...] (Float64Array is sent as is) or one row per atom.
  positions: ArrayLike<number> | ArrayLike<Vector3>;
  // Rows are the lattice vectors a, b, c (Angstrom): flat 9 numbers or 3 rows. Omit if not periodic.
  cell?: ArrayLike<number> | ArrayLike<Vector3>;
  // Periodicity along a, b, c; a single boolean applies to all three. Default: non-periodic.
  pbc?: boolean | [boolean, boolean, boolean];
}

// hamd.v1 Hypers: any subset; unset ones take the defaults the proto documents
// (server/wire/vocabulary.ts defaultHypers).
export type Hypers = HypersMessage;

export interface DescriptorOptions {
  kind: WireDescriptorKind;
  hypers?: Hypers;
  species?: number[];
  maxLambda?: number;                 // lambda-soap only
  // Options of particular kinds (hamd.proto ComputeDescriptorsRequest); the daemon rejects
  // one given to a kind that does not take it.
  potentialExponent?: number;         // lode-spherical-expansion, multi-scale
  correlationOrder?: number;          // correlation
  contraction?: string;               // correlation: a loaded contraction's name (ListModels)
  nonlinearity?: string;              // triplet
  kCutoff?: number;                   // lode-spherical-expansion, multi-scale (periodic)
  device?: 'auto' | 'cpu' | 'cuda';   // where the daemon computes (hamd.proto); default auto
  gradients?: WireGradientParameter[];
  deadlineMs?: number;                // per call; default none
}

export interface Labels {
  names: string[];
  values: Int32Array; // count x names.length, row-major
  count: number;
}

export interface GradientBlock {
  parameter: WireGradientParameter;
  samples: Labels;
  components: Labels[];
  values: Float64Array;
  shape: number[];
}

export interface Block {
  samples: Labels;
  components: Labels[];
  properties: Labels;
  values: Float64Array;
  shape: number[]; // [n_samples, components..., n_properties]
  gradients: GradientBlock[];
}

export interface DescriptorResult {
  keys: Labels;
  blocks: Block[];
  computeMicroseconds: number;
  queueMicroseconds: number;
}
