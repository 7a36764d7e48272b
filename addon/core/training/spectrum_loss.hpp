// Loss on the spectrum of a predicted F' and its gradient (indirect learning,
// docs/science.md#spectrum-loss-and-its-gradient).
//
//   L = sum_{k<K} w_k (eps_k(F') - ref_k)^2 / sum_k w_k      (K = reference.size(); w = 1: the mean)
//   dL/dF' = sum_k g_k c_k c_k^T,   g_k = 2 w_k (eps_k - ref_k) / sum w
// with eps ascending and c_k the unit eigenvectors. The entries of F' are treated as independent
// (the usual convention for a symmetric argument); decouple_adjoint() carries it to the blocks.
//
// Degenerate levels (|eps_k - eps_k+1| < degeneracy_tolerance, chained): inside such a group the
// eigenvectors are arbitrary, and only the projector P = sum_group c_k c_k^T is well defined.
// g_k is replaced by its mean over the group, so the gradient is (mean g) P: independent of the
// eigenvector basis, and exact when the group's targets and weights are equal (then the loss is a
// smooth function of the group's trace). When the targets inside an exactly degenerate group
// differ the loss is not differentiable there (it depends on how the perturbation splits the
// group); the mean is then a symmetric subgradient-like choice. Levels K and above count with
// g = 0, so a group straddling level K gets the mean of its members' g as well.
#pragma once
#include <vector>

#include <Eigen/Dense>

namespace hamd {

struct SpectrumLossOptions {
    std::vector<double> weights;          // one per reference level; empty: all 1; 0 masks a level (e.g. core)
    double degeneracy_tolerance = 1e-8;   // Hartree
    bool gradient = true;
    bool vectors = false;                 // keep the eigenvectors even without the gradient
};

struct SpectrumLoss {
    double value = 0;
    Eigen::VectorXd eigenvalues;   // all levels of F', ascending
    Eigen::MatrixXd eigenvectors;  // columns (with the gradient, or when options.vectors)
    Eigen::MatrixXd gradient;      // dL/dF', symmetric (empty if not asked)
};

// Throws InvalidArgument if reference has more levels than F' or weights do not match, are
// negative, or sum to zero.
SpectrumLoss spectrum_loss(const Eigen::MatrixXd& orthogonal_fock, const std::vector<double>& reference,
                           const SpectrumLossOptions& options = {});

}  // namespace hamd
