// Plain data that crosses the N-API boundary (addon/napi/convert.cpp and friends): typed
// arrays and labels. No behaviour, no imports, so that every module of the native layer can
// use them without import cycles.

export interface NativeLabels {
  names: string[];
  values: Int32Array; // count x names.length, row-major
}

export interface NativeGradientBlock {
  parameter: 'positions' | 'cell';
  samples: NativeLabels;
  components: NativeLabels[];
  values: Float64Array;
  shape: number[];
}

export interface NativeBlock {
  samples: NativeLabels;
  components: NativeLabels[];
  properties: NativeLabels;
  values: Float64Array;
  shape: number[]; // [n_samples, components..., n_properties]
  gradients: NativeGradientBlock[];
}

export interface NativeTensorMap {
  keys: NativeLabels;
  blocks: NativeBlock[];
  computeMicroseconds: number; // time in the engine
  queueMicroseconds: number;   // time waiting for a pool thread
}

export interface NativeSystem {
  types: Int32Array;          // atomic numbers
  positions: Float64Array;    // n x 3, Angstrom
  cell: Float64Array;         // 9, rows = lattice vectors
  pbc: [boolean, boolean, boolean];
}

// The hyper-parameters a request sets (proto Hypers field names); the core fills the others
// with its defaults and checks every range (addon/core/descriptors/hypers.cpp).
export interface NativeHypers {
  cutoff?: number;
  cutoff_width?: number;
  max_radial?: number;
  max_angular?: number;
  density_width?: number;
  center_atom_weight?: number;
}

export interface NativeDescriptorRequest {
  systems: NativeSystem[];
  kind: string;               // spherical-expansion | power-spectrum | lambda-soap | bispectrum
  hypers: NativeHypers;
  species: Int32Array;        // empty: species present in the request
  maxLambda: number;          // -1: max_angular
  gradients: string[];        // subset of ["positions", "cell"]
  maxOutputBytes: number;     // 0: unlimited
}

// Errors thrown or rejected by the addon carry a `code` the server maps to gRPC.
export type NativeErrorCode = 'INVALID_ARGUMENT' | 'RESOURCE_EXHAUSTED' | 'CANCELLED' | 'INTERNAL';
export interface NativeError extends Error { code: NativeErrorCode }

export interface CancelToken { cancel(): void }

// One frame of an (extended) XYZ file as the core's reader returns it (server/native/xyz.ts).
export interface XyzFrame {
  atomicNumbers: number[];
  positions: Float64Array; // n x 3, Angstrom
  cell?: Float64Array;     // 9, rows = lattice vectors; absent without Lattice
  pbc: [boolean, boolean, boolean];
}
