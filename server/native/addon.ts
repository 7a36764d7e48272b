// The native addon (addon/napi) as TypeScript sees it: the engine (one compute pool for
// everything that computes), cancel tokens, the core's tables and readers; loading it.
import * as path from 'node:path';
import { packageRoot } from '../base/paths';
import type { ModelAddon } from './model-addon';
import type { CancelToken, NativeDescriptorRequest, NativePlacedTensorMap, NativeTensorMap, XyzFrame } from './types';

export type { NativeLabels, NativeGradientBlock, NativeBlock, NativeTensorMap, NativePlacedTensorMap, NativeRegionArray, NativeSystem, NativeHypers, NativeDescriptorRequest, NativeErrorCode, NativeError, CancelToken, XyzFrame } from './types';

// The addon's one compute pool and everything that runs on it (addon/napi/engine.hpp).
export interface NativeEngine extends ModelAddon {
  threads(): number;
  // Runs on the engine's own pool; the promise settles on the event loop. With `output`, the
  // values and gradients are written into that range of a shared-memory region as far as they
  // fit (the region stays mapped until the job ends, even if closed meanwhile).
  computeDescriptors(request: NativeDescriptorRequest, cancel?: CancelToken): Promise<NativeTensorMap>;
  computeDescriptors(request: NativeDescriptorRequest, cancel: CancelToken | undefined, output: NativeOutputRange): Promise<NativePlacedTensorMap>;
  // Stops accepting work, waits for queued jobs, joins the pool.
  close(): void;
}

// A client's shared-memory region mapped by the addon (addon/napi/shared_region.hpp):
// a sealed memfd of the daemon's user (core/io/mapped_region.hpp checks it).
export interface NativeSharedRegion {
  byteSize(): number;
  close(): void;   // the daemon's reference goes; a request writing into it keeps the mapping
}

// Where computeDescriptors places its results: [offset, offset + byteSize) of `region`
// (offset a multiple of 64; byteSize 0: to the region's end).
export interface NativeOutputRange {
  region: NativeSharedRegion;
  offset: number;
  byteSize: number;
}

export interface NativeAddon {
  buildInfo(): string;
  // The core's registered descriptor kinds and what each supports (core/descriptors/registry).
  descriptorKinds(): Array<{ name: string; positionGradients: boolean; cellGradients: boolean }>;
  // The core's XYZ reader and element table (server/native/xyz.ts).
  readXyz(text: string, source: string): XyzFrame[];
  elementSymbol(z: number): string;
  createEngine(threads: number): NativeEngine; // 0 threads: one per core
  createCancelToken(): CancelToken;
  // INVALID_ARGUMENT / PERMISSION_DENIED / RESOURCE_EXHAUSTED errors as MappedRegion's.
  mapSharedRegion(path: string, byteSize: number): NativeSharedRegion;
}

let cached: NativeAddon | undefined;

// Loads build/addon/Release/hamd.node of the package (from the sources or from dist/).
export function loadAddon(): NativeAddon {
  if (!cached) {
    const root = packageRoot;
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
