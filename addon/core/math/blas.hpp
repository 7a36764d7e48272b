// Dense linear algebra on OpenBLAS/LAPACK for the large normal matrices of linear models:
// Gram accumulation (rows^T rows) spread over hamd's own pool in tiles, Cholesky solves.
// OpenBLAS's own threads are switched off process-wide (see eigen_solver.hpp): hamd
// parallelises on its pool, and two thread systems on 2 cores only oversubscribe.
#pragma once
#include <Eigen/Dense>

#include "core/base/thread_pool.hpp"

namespace hamd {

// Once per process: OpenBLAS runs in the calling thread only.
void use_single_threaded_blas();

// lower += scale * rows^T rows, lower triangle only (the strict upper part is left alone).
// Tiles of the output are independent dsyrk/dgemm calls on the pool's threads.
void add_gram(Eigen::MatrixXd& lower, const Eigen::MatrixXd& rows, double scale, ThreadPool& pool);

// In place: `lower` (lower triangle read) becomes its Cholesky factor L (A = L L^T; strict upper
// part unspecified). False when A is not numerically positive definite.
bool cholesky_in_place(Eigen::MatrixXd& lower);

// x = A^-1 b from the factor of cholesky_in_place.
Eigen::VectorXd cholesky_solve(const Eigen::MatrixXd& factor, const Eigen::VectorXd& b);

}  // namespace hamd
