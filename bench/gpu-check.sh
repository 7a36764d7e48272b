#!/bin/sh
# The GPU check of issue 12 in one go, for the device machine (run from the repository root):
# builds the core with CUDA, runs the CPU/GPU parity test and the GPU-vs-CPU benchmark.
#   bash bench/gpu-check.sh            (about 3-6 minutes on 16 cores, most of it the build)
# Prints the CUDA status first; without a usable GPU the parity checks report SKIP.
set -e
cd "$(dirname "$0")/.."
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not available"
mkdir -p build
cmake -S . -B build/gpu -DCMAKE_BUILD_TYPE=Release -DHAMD_BUILD_NATIVE_TESTS=ON -DHAMD_CUDA=ON \
  -DHAMD_BUILD_C_CLIENT=OFF > build/gpu-configure.log
cmake --build build/gpu -j "$(nproc)" --target test_cuda_parity test_spherical_harmonics test_radial_integral \
  bench_gpu_descriptors > build/gpu-build.log 2>&1 || { tail -40 build/gpu-build.log; exit 1; }
build/gpu/test_spherical_harmonics | tail -1
build/gpu/test_radial_integral | tail -1
build/gpu/test_cuda_parity
build/gpu/bench_gpu_descriptors data/bench
