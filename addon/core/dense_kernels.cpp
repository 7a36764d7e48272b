#include "core/dense_kernels.hpp"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hamd {

namespace {

// A ROWS x COLS tile of A^T B, accumulated over k in registers.
template <int ROWS, int COLS>
HAMD_ALWAYS_INLINE void tile(int k, double scale, const double* a, size_t lda, const double* b, size_t ldb, double* out,
                             size_t ldo) {
    double acc[ROWS][COLS] = {};
    for (int kk = 0; kk < k; ++kk) {
        const double* arow = a + kk * lda;
        const double* brow = b + kk * ldb;
        for (int r = 0; r < ROWS; ++r) {
            const double x = arow[r];
            for (int c = 0; c < COLS; ++c) acc[r][c] += x * brow[c];
        }
    }
    for (int r = 0; r < ROWS; ++r)
        for (int c = 0; c < COLS; ++c) out[r * ldo + c] = scale * acc[r][c];
}

template <int ROWS>
HAMD_ALWAYS_INLINE void row_panel(int n, int k, double scale, const double* a, size_t lda, const double* b, size_t ldb,
                                  double* out, size_t ldo) {
    int j = 0;
    for (; j + 8 <= n; j += 8) tile<ROWS, 8>(k, scale, a, lda, b + j, ldb, out + j, ldo);
    if (j + 4 <= n) {
        tile<ROWS, 4>(k, scale, a, lda, b + j, ldb, out + j, ldo);
        j += 4;
    }
    for (; j < n; ++j) tile<ROWS, 1>(k, scale, a, lda, b + j, ldb, out + j, ldo);
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
