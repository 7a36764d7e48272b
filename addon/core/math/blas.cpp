#include "core/math/blas.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

extern "C" void openblas_set_num_threads(int threads);

namespace hamd {

void use_single_threaded_blas() {
    static std::once_flag single_threaded;
    std::call_once(single_threaded, [] { openblas_set_num_threads(1); });
}

void add_gram(Eigen::MatrixXd& lower, const Eigen::MatrixXd& rows, double scale, ThreadPool& pool) {
    use_single_threaded_blas();
    const Eigen::Index W = lower.rows(), R = rows.rows();
    if (R == 0 || W == 0) return;
    // Tiles of 384 columns: large enough for BLAS efficiency, small enough to share 2+ threads.
    constexpr Eigen::Index kTile = 384;
    const Eigen::Index tiles = (W + kTile - 1) / kTile;
    std::vector<std::pair<Eigen::Index, Eigen::Index>> work;  // (row tile, column tile), row >= column
    for (Eigen::Index i = 0; i < tiles; ++i)
        for (Eigen::Index j = 0; j <= i; ++j) work.emplace_back(i, j);
    const double* B = rows.data();
    double* A = lower.data();
    const auto ld = static_cast<int>(R), lda = static_cast<int>(W);
    pool.parallel_for(work.size(), [&](size_t t) {
        const Eigen::Index i0 = work[t].first * kTile, j0 = work[t].second * kTile;
        const auto ni = static_cast<int>(std::min(kTile, W - i0)), nj = static_cast<int>(std::min(kTile, W - j0));
        if (i0 == j0)
            cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, ni, ld, scale, B + i0 * R, ld, 1.0, A + i0 * W + i0, lda);
        else  // A[i0.., j0..] += B[:, i0..]^T B[:, j0..]
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ni, nj, ld, scale, B + i0 * R, ld, B + j0 * R, ld, 1.0,
                        A + j0 * W + i0, lda);
    });
}

bool cholesky_in_place(Eigen::MatrixXd& lower) {
    use_single_threaded_blas();
    const auto n = static_cast<lapack_int>(lower.rows());
    if (n == 0) return true;
    return LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, lower.data(), n) == 0;
}

Eigen::VectorXd cholesky_solve(const Eigen::MatrixXd& factor, const Eigen::VectorXd& b) {
    Eigen::VectorXd x = b;
    const auto n = static_cast<lapack_int>(factor.rows());
    if (n > 0) LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, factor.data(), n, x.data(), n);
    return x;
}

}  // namespace hamd
