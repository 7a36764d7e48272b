// Functions written once for the CPU and the CUDA kernels (sphericart's approach): marked
// HAMD_HOST_DEVICE, they compile as plain inline C++ in the CPU build and as __host__ __device__
// under nvcc. Such functions take raw pointers and sizes only (no std containers, no exceptions).
#pragma once

#ifdef __CUDACC__
#define HAMD_HOST_DEVICE __host__ __device__ inline
#else
#define HAMD_HOST_DEVICE inline
#endif
