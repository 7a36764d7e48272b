// Plain data that crosses the N-API boundary (addon/napi/convert.cpp and friends): typed
// arrays and labels. No behaviour, no imports, so that every module of the native layer can
// use them without import cycles.

// L: Int32Array, or also NativeRegionArray (int32) for a request with an output range.
export interface NativeLabels<L = Int32Array> {
  names: string[];
  values: L; // count x names.length, row-major
}

// Values the engine placed in a request's shared-memory output range: `length` float64 at byte
// `regionOffset` of the region (addon/napi/convert.cpp, values_to_js).
export interface NativeRegionArray {
  regionOffset: number;
  length: number;
}

// V: Float64Array, or also NativeRegionArray for a request with an output range (and L the same
// for the label tables the addon copied there).
export interface NativeGradientBlock<V = Float64Array, L = Int32Array> {
  parameter: 'positions' | 'cell';
  samples: NativeLabels<L>;
  components: NativeLabels[];
  values: V;
  shape: number[];
}

export interface NativeBlock<V = Float64Array, L = Int32Array> {
  samples: NativeLabels<L>;
  components: NativeLabels[];
  properties: NativeLabels<L>;
  values: V;
  shape: number[]; // [n_samples, components..., n_properties]
  gradients: NativeGradientBlock<V, L>[];
}

export interface NativeTensorMap<V = Float64Array, L = Int32Array> {
  keys: NativeLabels;
  blocks: NativeBlock<V, L>[];
  computeMicroseconds: number; // time in the engine
  queueMicroseconds: number;   // time waiting for a pool thread
}

// A result with an output range: the arrays that fitted are in the region (values, gradients and
// large label tables); outputBytes is the room all of them need there (64-byte aligned each,
// headers included).
export interface NativePlacedTensorMap extends NativeTensorMap<Float64Array | NativeRegionArray, Int32Array | NativeRegionArray> {
  outputBytes: number;
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
  kind: string;               // a name the addon registers (descriptorKinds())
  hypers: NativeHypers;
  species: Int32Array;        // empty: species present in the request
  maxLambda: number;          // -1: max_angular
  // Options of particular kinds (proto ComputeDescriptorsRequest): absent = the kind's default;
  // the core rejects one given to a kind that does not take it.
  potentialExponent?: number;
  correlationOrder?: number;
  nonlinearity?: string;
  kCutoff?: number;
  device?: string;            // auto (default) | cpu | cuda
  gradients: string[];        // subset of ["positions", "cell"]
  maxOutputBytes: number;     // 0: unlimited
  contraction?: NativeContractionRef;  // correlation: the fitted projection of the intermediate levels
}

// A loaded correlation contraction (./model-addon.ts ContractionHandle), opaque to the request:
// the addon unwraps it and the core checks it against the request.
export interface NativeContractionRef {
  metadata(): { kind: string };
}

// Errors thrown or rejected by the addon carry a `code` the server maps to gRPC.
export type NativeErrorCode = 'INVALID_ARGUMENT' | 'RESOURCE_EXHAUSTED' | 'CANCELLED' | 'INTERNAL' | 'UNAVAILABLE' | 'FAILED_PRECONDITION' | 'PERMISSION_DENIED';
export interface NativeError extends Error { code: NativeErrorCode }

export interface CancelToken { cancel(): void }

// One frame of an (extended) XYZ file as the core's reader returns it (server/native/xyz.ts).
export interface XyzFrame {
  atomicNumbers: number[];
  positions: Float64Array; // n x 3, Angstrom
  cell?: Float64Array;     // 9, rows = lattice vectors; absent without Lattice
  pbc: [boolean, boolean, boolean];
}
