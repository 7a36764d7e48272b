// Fitting the linear energy model: the normal equations of the energy rows and of the force
// rows are accumulated once (descriptors computed once, in batches that bound the memory), and
// any choice of weights and ridge is then a combination of the two and one Cholesky solve:
//
//   A(sigma_E, sigma_F, ridge) = A_E / sigma_E^2 + A_F / sigma_F^2 + ridge * mean_diag * D
//
// with A_E = sum_s (f_s / n_s)(f_s / n_s)^T, A_F = sum over force rows g g^T, D the identity on the
// feature weights and 0 on the per-species baselines (docs/science.md#energy-and-force-model).
#pragma once
#include <atomic>
#include <functional>

#include "core/models/energy/energy_model.hpp"

namespace hamd {

struct EnergyNormalEquations {
    Eigen::MatrixXd energy, forces;          // A_E, A_F: lower triangles only
    Eigen::VectorXd energy_rhs, forces_rhs;  // sum (E_s / n_s)(f_s / n_s), sum F g
    size_t energy_rows = 0, force_rows = 0;
};

// InvalidArgument for inconsistent data (one energy per structure; forces empty, or one list of
// 3 n components per structure, an empty list meaning none for it). `progress(done, total)`
// after each batch of structures.
EnergyNormalEquations accumulate_normal_equations(const EnergyModel& model, const EnergyTrainingSet& data, ThreadPool& pool,
                                                  const std::function<void(size_t, size_t)>& progress = nullptr,
                                                  const std::atomic<bool>* cancel = nullptr);

// X = A_E / sigma_E^2 + A_F / sigma_F^2 (lower triangle), its right-hand side and the mean of its
// diagonal over the feature weights (the scale the ridge and the prior are relative to).
Eigen::MatrixXd data_normal_matrix(const EnergyModel& model, const EnergyNormalEquations& normal,
                                   const EnergyFitSettings& settings, Eigen::VectorXd* rhs = nullptr,
                                   double* mean_feature_diagonal = nullptr);

// A = X + ridge x mean diagonal on the feature weights (+ 1e-12 relative on the baselines).
Eigen::MatrixXd regularised_normal_matrix(const EnergyModel& model, const EnergyNormalEquations& normal,
                                          const EnergyFitSettings& settings, Eigen::VectorXd* rhs = nullptr);

// The covariance for the uncertainty from the eigenpairs of X: prior = uncertainty_prior (or the
// ridge) x mean feature diagonal; InvalidArgument when that is not positive.
EnergyCovariance uncertainty_covariance(const SymmetricEigen& x, double mean_feature_diagonal, const EnergyFitSettings& settings);

// Sets the model's weights (and model.covariance when `covariance`: an eigendecomposition of X); false, leaving the model
// unchanged, when the regularised matrix is not numerically positive definite.
bool solve_energy_model(EnergyModel& model, const EnergyNormalEquations& normal, const EnergyFitSettings& settings,
                        bool covariance);

// calibrate_uncertainty (energy_model.hpp) from design rows already computed: `energy_rows`
// (structures x weights, EnergyDesign::energy) of structures with reference `energies`.
double calibrate_uncertainty(EnergyModel& model, const Eigen::MatrixXd& energy_rows, const std::vector<double>& energies);

}  // namespace hamd
