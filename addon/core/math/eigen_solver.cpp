#include "core/math/eigen_solver.hpp"

#include <lapacke.h>

#include <stdexcept>
#include <string>

#include "core/base/errors.hpp"
#include "core/math/blas.hpp"

namespace hamd {

SymmetricEigen symmetric_eigen(const Eigen::MatrixXd& matrix, bool with_vectors) {
    if (matrix.rows() != matrix.cols()) throw InvalidArgument("symmetric_eigen: matrix is not square");
    if (!matrix.allFinite()) throw InvalidArgument("symmetric_eigen: matrix has NaN or infinite entries");
    use_single_threaded_blas();

    const lapack_int n = static_cast<lapack_int>(matrix.rows());
    SymmetricEigen result;
    result.values.resize(n);
    Eigen::MatrixXd work = matrix;  // column-major, overwritten by the eigenvectors
    if (n > 0) {
        const lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, with_vectors ? 'V' : 'N', 'L', n, work.data(), n,
                                               result.values.data());
        if (info != 0) throw std::runtime_error("LAPACKE_dsyevd failed with info " + std::to_string(info));
    }
    if (with_vectors) result.vectors = std::move(work);
    return result;
}

}  // namespace hamd
