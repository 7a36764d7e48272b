#include "core/math/dense_kernels.hpp"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hamd {

namespace {

// Every load below reads exactly the elements the product uses. The wide tiles are written
// with explicit 4-wide vectors (one unaligned load of 4 doubles of B per row of B, one
// scalar broadcast per element of A), so no compiler has to vectorise the k loop: GCC 12
// did, at -O3 in the x86-64-v3 clone, and loaded the element after the last row of A into
// an unused lane, reading past the end of the buffer (a crash when that lay on an unmapped
// page). CMakeLists.txt also compiles this file without the loop vectoriser, so the scalar
// tails stay scalar; test/native/test_guard_pages.cpp runs every shape on buffers that end
// at a guard page.
// Naturally aligned, so that accumulators live in registers; loads and stores go through
// memcpy, which compiles to one unaligned vector move.
typedef double v4d __attribute__((vector_size(32)));

HAMD_ALWAYS_INLINE void load4(v4d& v, const double* p) { std::memcpy(&v, p, sizeof v); }

HAMD_ALWAYS_INLINE void store4(double* p, const v4d& v) { std::memcpy(p, &v, sizeof v); }

// A ROWS x (4 * VECTORS) tile of A^T B, accumulated over k in vector registers.
template <int ROWS, int VECTORS>
HAMD_ALWAYS_INLINE void vector_tile(int k, double scale, const double* a, size_t lda, const double* b, size_t ldb,
                                    double* out, size_t ldo) {
    v4d acc[ROWS][VECTORS];
    for (int r = 0; r < ROWS; ++r)
        for (int v = 0; v < VECTORS; ++v) acc[r][v] = v4d{0.0, 0.0, 0.0, 0.0};
    for (int kk = 0; kk < k; ++kk) {
        const double* arow = a + kk * lda;
        const double* brow = b + kk * ldb;
        v4d bv[VECTORS];
        for (int v = 0; v < VECTORS; ++v) load4(bv[v], brow + 4 * v);
        for (int r = 0; r < ROWS; ++r) {
            const double x = arow[r];
            for (int v = 0; v < VECTORS; ++v) acc[r][v] += x * bv[v];
        }
    }
    for (int r = 0; r < ROWS; ++r)
        for (int v = 0; v < VECTORS; ++v) store4(out + r * ldo + 4 * v, acc[r][v] * scale);
}

// The last n % 4 columns, one entry at a time.
template <int ROWS>
HAMD_ALWAYS_INLINE void scalar_column(int k, double scale, const double* a, size_t lda, const double* b, size_t ldb,
                                      double* out, size_t ldo) {
    double acc[ROWS] = {};
    for (int kk = 0; kk < k; ++kk) {
        const double y = b[kk * ldb];
        for (int r = 0; r < ROWS; ++r) acc[r] += a[kk * lda + r] * y;
    }
    for (int r = 0; r < ROWS; ++r) out[r * ldo] = scale * acc[r];
}

template <int ROWS>
HAMD_ALWAYS_INLINE void row_panel(int n, int k, double scale, const double* a, size_t lda, const double* b, size_t ldb,
                                  double* out, size_t ldo) {
    int j = 0;
    for (; j + 8 <= n; j += 8) vector_tile<ROWS, 2>(k, scale, a, lda, b + j, ldb, out + j, ldo);
    if (j + 4 <= n) {
        vector_tile<ROWS, 1>(k, scale, a, lda, b + j, ldb, out + j, ldo);
        j += 4;
    }
    for (; j < n; ++j) scalar_column<ROWS>(k, scale, a, lda, b + j, ldb, out + j, ldo);
}

}  // namespace

HAMD_MULTIVERSION
void gemm_tn(int m, int n, int k, double scale, const double* a, size_t lda, const double* b, size_t ldb, double* out,
             size_t ldo) {
    int i = 0;
    for (; i + 2 <= m; i += 2) row_panel<2>(n, k, scale, a + i, lda, b, ldb, out + i * ldo, ldo);
    if (i < m) row_panel<1>(n, k, scale, a + i, lda, b, ldb, out + i * ldo, ldo);
}

void stream_copy(double* dst, const double* src, size_t n) {
#if defined(__SSE2__)
    size_t i = 0;
    if ((reinterpret_cast<uintptr_t>(dst) & 15) != 0 && n > 0) {
        dst[0] = src[0];
        i = 1;
    }
    for (; i + 2 <= n; i += 2) _mm_stream_pd(dst + i, _mm_loadu_pd(src + i));
    if (i < n) dst[i] = src[i];
    _mm_sfence();
#else
    std::memcpy(dst, src, n * sizeof(double));
#endif
}

}  // namespace hamd
