// Small dense kernels of the descriptor engine, written so that the compiler keeps the
// accumulators in registers. The hot entry points are compiled twice (baseline x86-64 and
// x86-64-v3 = AVX2 + FMA) and picked at load time, so the build stays portable
// (no -march=native) while machines with AVX2 run the wide version.
#pragma once
#include <cstddef>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define HAMD_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define HAMD_MULTIVERSION
#endif

#if defined(__GNUC__)
#define HAMD_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define HAMD_ALWAYS_INLINE inline
#endif

namespace hamd {

// out[i * ldo + j] = scale * sum_k a[k * lda + i] * b[k * ldb + j]  for i < m, j < n
// (A^T B with A: k x m and B: k x n, both row-major with the given leading dimensions).
void gemm_tn(int m, int n, int k, double scale, const double* a, size_t lda, const double* b, size_t ldb, double* out,
             size_t ldo);

// dst[0 .. n) = src[0 .. n) with non-temporal stores: for large outputs written once, this
// avoids reading the destination into the cache first. Ends with a store fence.
void stream_copy(double* dst, const double* src, size_t n);

}  // namespace hamd
