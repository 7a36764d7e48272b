// Typed view of the native addon (addon/napi). The addon does the maths on its own
// thread pool; everything here is plain data: typed arrays and labels.
import * as path from 'node:path';
import type { ModelAddon } from './model-addon';

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

export interface NativeHypers {
  cutoff: number;
  cutoff_width: number;
  max_radial: number;
  max_angular: number;
  density_width: number;
  center_atom_weight: number;
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

// The addon's one compute pool and everything that runs on it (addon/napi/engine.hpp).
export interface NativeEngine extends ModelAddon {
  threads(): number;
  // Runs on the engine's own pool; the promise settles on the event loop.
  computeDescriptors(request: NativeDescriptorRequest, cancel?: CancelToken): Promise<NativeTensorMap>;
  // Stops accepting work, waits for queued jobs, joins the pool.
  close(): void;
}

export interface NativeAddon {
  buildInfo(): string;
  createEngine(threads: number): NativeEngine; // 0 threads: one per core
  createCancelToken(): CancelToken;
}

let cached: NativeAddon | undefined;

// Loads build/addon/Release/hamd.node relative to the repository root.
export function loadAddon(): NativeAddon {
  if (!cached) {
    const root = path.resolve(__dirname, '..', '..', '..');
    const candidates = [
      path.join(root, 'build', 'addon', 'Release', 'hamd.node'),
      path.join(root, 'build', 'addon', 'hamd.node'),
    ];
    let lastError: unknown;
    for (const file of candidates) {
      try {
        cached = require(file) as NativeAddon;
        break;
      } catch (error) {
        lastError = error;
      }
    }
    if (!cached) {
      throw new Error(`hamd native addon not found (run \`npm install\`): ${String(lastError)}`);
    }
  }
  return cached;
}
