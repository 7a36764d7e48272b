// Original file: proto/hamd/v1/hamd.proto

import type { SharedMemoryRegion as _hamd_v1_SharedMemoryRegion, SharedMemoryRegion__Output as _hamd_v1_SharedMemoryRegion__Output } from '../../hamd/v1/SharedMemoryRegion';

export interface SharedMemoryStatusResponse {
  'regions'?: (_hamd_v1_SharedMemoryRegion)[];
}

export interface SharedMemoryStatusResponse__Output {
  'regions': (_hamd_v1_SharedMemoryRegion__Output)[];
}
