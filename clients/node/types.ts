// Public types of the hamd Node client.

export type DescriptorKind = 'spherical-expansion' | 'power-spectrum' | 'lambda-soap' | 'bispectrum';
export type GradientParameter = 'positions' | 'cell';

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

export interface Hypers {
  cutoff: number;             // Angstrom [5]
  cutoff_width: number;       // Angstrom [0.5]
  max_radial: number;         // inclusive [7]
  max_angular: number;        // inclusive [6]
  density_width: number;      // Angstrom [0.3]
  center_atom_weight: number; // [1]
}

export interface DescriptorOptions {
  kind: DescriptorKind;
  hypers?: Partial<Hypers>;
  species?: number[];
  maxLambda?: number;                 // lambda-soap only
  gradients?: GradientParameter[];
  deadlineMs?: number;                // per call; default none
}

export interface Labels {
  names: string[];
  values: Int32Array; // count x names.length, row-major
  count: number;
}

export interface GradientBlock {
  parameter: GradientParameter;
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
