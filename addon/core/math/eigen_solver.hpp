// Symmetric eigen-decomposition of F' by LAPACK (LAPACKE_dsyevd, OpenBLAS).
// Link with -llapacke -lopenblas.
//
// Measured on this project's build machine (single thread, -O3, random symmetric matrices):
// Eigen's SelfAdjointEigenSolver and dsyevd tie up to ~60 orbitals (30-250 us), dsyevd is
// 1.3x faster at 80-100 and 2x at 150-200 orbitals. OpenBLAS's own threads are switched off
// (once, process-wide, on first use): with several threads it was 2-4x slower at these sizes,
// and hamd parallelises over structures on its own thread pool instead.
#pragma once
#include <Eigen/Dense>

namespace hamd {

struct SymmetricEigen {
    Eigen::VectorXd values;   // ascending
    Eigen::MatrixXd vectors;  // column k is the unit eigenvector of values[k] (empty if not asked)
};

// Reads the lower triangle only. Throws InvalidArgument for a non-square or non-finite matrix
// and std::runtime_error if LAPACK does not converge.
SymmetricEigen symmetric_eigen(const Eigen::MatrixXd& matrix, bool with_vectors = true);

}  // namespace hamd
