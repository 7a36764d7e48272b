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

// A(sigma_E, sigma_F, ridge) (lower triangle) and its right-hand side.
Eigen::MatrixXd regularised_normal_matrix(const EnergyModel& model, const EnergyNormalEquations& normal,
                                          const EnergyFitSettings& settings, Eigen::VectorXd* rhs = nullptr,
                                          double* ridge_value = nullptr);

// Sets model.weights (and model.covariance when `covariance`); false, leaving the model
// unchanged, when the regularised matrix is not numerically positive definite.
bool solve_energy_model(EnergyModel& model, const EnergyNormalEquations& normal, const EnergyFitSettings& settings,
                        bool covariance);

}  // namespace hamd
