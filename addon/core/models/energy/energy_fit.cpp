#include "core/models/energy/energy_fit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/base/errors.hpp"
#include "core/math/blas.hpp"
#include "core/math/eigen_solver.hpp"

namespace hamd {

namespace {

void check_training_set(const EnergyTrainingSet& data) {
    if (data.systems.empty()) throw InvalidArgument("energy training: no structures");
    if (data.energies.size() != data.systems.size() || (!data.forces.empty() && data.forces.size() != data.systems.size()))
        throw InvalidArgument("energy training: one energy (and one force list, if any) per structure");
    for (size_t s = 0; s < data.forces.size(); ++s)
        if (!data.forces[s].empty() && data.forces[s].size() != 3 * data.systems[s].size())
            throw InvalidArgument("energy training: structure " + std::to_string(s) + " has " + std::to_string(data.forces[s].size()) +
                                  " force components for " + std::to_string(data.systems[s].size()) + " atoms");
}

}  // namespace

EnergyNormalEquations accumulate_normal_equations(const EnergyModel& model, const EnergyTrainingSet& data, ThreadPool& pool,
                                                  const std::function<void(size_t, size_t)>& progress,
                                                  const std::atomic<bool>* cancel) {
    check_training_set(data);
    const bool with_forces = !data.forces.empty();
    const auto W = static_cast<Eigen::Index>(model.n_weights());
    EnergyNormalEquations n;
    n.energy = Eigen::MatrixXd::Zero(W, W);
    n.energy_rhs = Eigen::VectorXd::Zero(W);
    if (with_forces) {
        n.forces = Eigen::MatrixXd::Zero(W, W);
        n.forces_rhs = Eigen::VectorXd::Zero(W);
    }
    // Batches of about 64 MB of force rows: the design of all structures would be 3 x atoms x W
    // doubles (hundreds of MB for a few hundred molecules), the normal matrices stay W x W.
    const size_t rows_per_batch = std::max<size_t>(64, (size_t{64} << 20) / (8 * static_cast<size_t>(W)));
    const size_t S = data.systems.size();
    for (size_t first = 0; first < S;) {
        size_t last = first, rows = 0;
        std::vector<System> batch;
        while (last < S && (batch.empty() || rows + 3 * data.systems[last].size() <= rows_per_batch)) {
            rows += 3 * data.systems[last].size();
            batch.push_back(data.systems[last++]);
        }
        EnergyDesign d = model.design(batch, with_forces, false, pool, cancel);
        Eigen::VectorXd energy_targets(d.energy.rows());
        for (size_t s = first; s < last; ++s) {
            const double per_atom = 1.0 / static_cast<double>(data.systems[s].size());
            d.energy.row(static_cast<Eigen::Index>(s - first)) *= per_atom;
            energy_targets[static_cast<Eigen::Index>(s - first)] = data.energies[s] * per_atom;
        }
        add_gram(n.energy, d.energy, 1.0, pool);
        n.energy_rhs += d.energy.transpose() * energy_targets;
        n.energy_rows += last - first;
        if (with_forces) {
            Eigen::VectorXd force_targets = Eigen::VectorXd::Zero(d.forces.rows());
            for (size_t s = first; s < last; ++s) {
                const auto begin = static_cast<Eigen::Index>(3 * d.atom_offsets[s - first]);
                const auto count = static_cast<Eigen::Index>(3 * data.systems[s].size());
                if (data.forces[s].empty()) {
                    d.forces.middleRows(begin, count).setZero();  // no forces for this one: no rows
                    continue;
                }
                force_targets.segment(begin, count) = Eigen::Map<const Eigen::VectorXd>(data.forces[s].data(), count);
                n.force_rows += static_cast<size_t>(count);
            }
            add_gram(n.forces, d.forces, 1.0, pool);
            n.forces_rhs += d.forces.transpose() * force_targets;
        }
        if (progress) progress(last, S);
        first = last;
    }
    return n;
}

Eigen::MatrixXd data_normal_matrix(const EnergyModel& model, const EnergyNormalEquations& normal,
                                   const EnergyFitSettings& settings, Eigen::VectorXd* rhs, double* mean_feature_diagonal) {
    const double we = 1.0 / (settings.energy_sigma * settings.energy_sigma);
    Eigen::MatrixXd X = normal.energy * we;
    if (rhs) *rhs = normal.energy_rhs * we;
    if (normal.forces.size() > 0) {
        const double wf = 1.0 / (settings.force_sigma * settings.force_sigma);
        X += normal.forces * wf;
        if (rhs) *rhs += normal.forces_rhs * wf;
    }
    if (mean_feature_diagonal) {
        double sum = 0;
        size_t counted = 0;
        for (size_t a = 0; a < model.species().size(); ++a)
            for (size_t k = 0; k < model.n_features(); ++k, ++counted) {
                const auto i = static_cast<Eigen::Index>(model.block_offset(a) + 1 + k);
                sum += X(i, i);
            }
        *mean_feature_diagonal = std::max(sum / static_cast<double>(std::max<size_t>(counted, 1)), 1e-300);
    }
    return X;
}

Eigen::MatrixXd regularised_normal_matrix(const EnergyModel& model, const EnergyNormalEquations& normal,
                                          const EnergyFitSettings& settings, Eigen::VectorXd* rhs) {
    double mean_diagonal = 0;
    Eigen::MatrixXd A = data_normal_matrix(model, normal, settings, rhs, &mean_diagonal);
    // Ridge on the feature weights only (not on the per-species baselines), relative to their scale.
    for (size_t a = 0; a < model.species().size(); ++a) {
        const auto base = static_cast<Eigen::Index>(model.block_offset(a));
        A(base, base) += 1e-12 * std::max(A(base, base), 1.0);  // a species absent from training stays at 0
        for (size_t set = 0; set < model.feature_sets().size(); ++set) {
            const auto first = base + 1 + static_cast<Eigen::Index>(model.feature_offset(set));
            const auto count = static_cast<Eigen::Index>(model.feature_count(set));
            double scale = mean_diagonal;
            if (settings.block_ridge) {  // a species absent from training: the global scale
                const double block = A.diagonal().segment(first, count).mean();
                if (block > 0) scale = block;
            }
            A.diagonal().segment(first, count).array() += settings.ridge * scale;
        }
    }
    return A;
}

EnergyCovariance uncertainty_covariance(const SymmetricEigen& x, double mean_feature_diagonal, const EnergyFitSettings& settings) {
    const double prior = (settings.uncertainty_prior > 0 ? settings.uncertainty_prior : settings.ridge) * mean_feature_diagonal;
    if (!(prior > 0)) throw InvalidArgument("energy training: the uncertainty needs a positive prior (ridge or uncertainty_prior)");
    return covariance_from_spectrum(x, prior, settings.covariance_band);
}

bool solve_energy_model(EnergyModel& model, const EnergyNormalEquations& normal, const EnergyFitSettings& settings,
                        bool covariance) {
    Eigen::VectorXd b;
    Eigen::MatrixXd A = regularised_normal_matrix(model, normal, settings, &b);
    if (!cholesky_in_place(A)) return false;
    model.set_weights(cholesky_solve(A, b));
    if (covariance) {
        double mean_diagonal = 0;
        const Eigen::MatrixXd X = data_normal_matrix(model, normal, settings, nullptr, &mean_diagonal);
        model.covariance = uncertainty_covariance(symmetric_eigen(X, true), mean_diagonal, settings);
    }
    return true;
}

EnergyFitReport fit_energy_model(EnergyModel& model, const EnergyTrainingSet& data, const EnergyFitSettings& settings,
                                 ThreadPool& pool) {
    const EnergyNormalEquations normal = accumulate_normal_equations(model, data, pool);
    if (!solve_energy_model(model, normal, settings, true))
        throw std::runtime_error("energy training: the normal equations are not positive definite (raise the ridge)");
    model.uncertainty_scale = 1.0;
    EnergyFitReport report;
    report.rows = normal.energy_rows + normal.force_rows;
    size_t components = 0;
    for (size_t s = 0; s < data.systems.size(); ++s) {
        const bool forces = !data.forces.empty() && !data.forces[s].empty();
        const EnergyPrediction p = model.predict(data.systems[s], forces, false, pool);
        report.train_energy_mae += std::fabs(p.energy - data.energies[s]);
        for (size_t k = 0; forces && k < p.forces.size(); ++k, ++components) report.train_force_mae += std::fabs(p.forces[k] - data.forces[s][k]);
    }
    report.train_energy_mae /= static_cast<double>(data.systems.size());
    report.train_force_mae /= static_cast<double>(std::max<size_t>(components, 1));
    return report;
}

double calibrate_uncertainty(EnergyModel& model, const EnergyTrainingSet& data, ThreadPool& pool) {
    if (model.covariance.empty()) throw InvalidArgument("calibrate_uncertainty: the model has no covariance (not trained)");
    return calibrate_uncertainty(model, model.design(data.systems, false, false, pool).energy, data.energies);
}

double calibrate_uncertainty(EnergyModel& model, const Eigen::MatrixXd& energy_rows, const std::vector<double>& energies) {
    double squared_error = 0, variance = 0;
    for (size_t s = 0; s < energies.size(); ++s) {
        const Eigen::VectorXd f = energy_rows.row(static_cast<Eigen::Index>(s)).transpose();
        const double error = f.dot(model.weights()) - energies[s];
        squared_error += error * error;
        variance += model.energy_variance(f);
    }
    model.uncertainty_scale = variance > 0 ? std::sqrt(squared_error / variance) : 1.0;
    return model.uncertainty_scale;
}

}  // namespace hamd
