// EnergyModel::evaluate: one descriptor pass per feature family, gradients contracted with the
// weights as they are read (no design rows): per centre-species block,
//   e_i = b_a + w_a . p_i,   F_j -= sum_i w_a . dp_i/dr_j,   dE/dh = sum_i w_a . dp_i/dh.
#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"
#include "core/descriptors/soap/linear_power_spectrum.hpp"
#include "core/models/energy/energy_features.hpp"
#include "core/models/energy/energy_model.hpp"

namespace hamd {

namespace {

// Dot products of the weights with `rows` rows of `n` values each, spread over the pool in
// chunks large enough to be worth a thread (the scatter into forces stays serial: atoms repeat).
void contract_rows(const double* values, size_t rows, size_t n, const double* w, double* out, ThreadPool& pool) {
    constexpr size_t kRowsPerChunk = 256;
    const size_t chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
    auto body = [&](size_t chunk) {
        const size_t end = std::min(rows, (chunk + 1) * kRowsPerChunk);
        for (size_t r = chunk * kRowsPerChunk; r < end; ++r) {
            const double* x = values + r * n;
            double sum = 0;
            for (size_t k = 0; k < n; ++k) sum += w[k] * x[k];
            out[r] = sum;
        }
    };
    if (chunks <= 1) {
        if (chunks == 1) body(0);
        return;
    }
    pool.parallel_for(chunks, body);
}

}  // namespace

EnergyPrediction EnergyModel::evaluate(const System& system, const NeighborList& list, const EnergyRequest& request,
                                       ThreadPool& pool, const std::atomic<bool>* cancel, TensorMap& storage) const {
    validate_input(system, 0);
    require_separated(list, 0);  // overlapping atoms would silently drop out of the features
    const bool stress = request.stress && fully_periodic(system);
    if (stress && !has_stress())
        throw InvalidArgument("stress: this energy model has bispectrum features, which have no cell gradients");

    const size_t n = system.size();
    EnergyPrediction p;
    std::vector<double> energies(n, 0.0);
    if (request.forces) p.forces.assign(3 * n, 0.0);
    std::array<double, 9> dE_dh{};
    Eigen::VectorXd row;
    if (request.uncertainty && !covariance.empty()) row = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_weights()));
    std::vector<double> dots;

    std::array<double, 9> dE_dstrain{};  // from the adjoint route, directly as a strain derivative
    auto species_index = [&](int32_t z) {
        return static_cast<size_t>(std::lower_bound(species().begin(), species().end(), z) - species().begin());
    };

    // One family after the other through the same storage (its memory serves them all).
    for (size_t set = 0; set < sets_.size(); ++set) {
        if (sets_[set].kind == DescriptorKind::PowerSpectrum) {
            // The adjoint route (descriptors/soap/linear_power_spectrum.hpp): energies, forces, the
            // strain derivative and the design row without the power spectrum's gradients.
            const size_t P = feature_count(set);
            const ExpansionSetup setup(sets_[set].hypers, species());
            std::vector<std::vector<double>> w(species().size());
            for (size_t a = 0; a < species().size(); ++a) {
                const double* first = weights.data() + block_offset(a) + 1 + feature_offset(set);
                w[a].assign(first, first + P);
            }
            LinearPowerSpectrum::Result r;
            LinearPowerSpectrum(setup, w).evaluate(system, list, request.forces || stress, row.size() > 0, pool, cancel, r);
            for (size_t i = 0; i < n; ++i) {
                const size_t base = block_offset(species_index(system.types[i]));
                energies[i] += (set == 0 ? weights[static_cast<Eigen::Index>(base)] : 0.0) + r.energies[i];
                if (row.size() > 0 && set == 0) row[static_cast<Eigen::Index>(base)] += 1.0;
            }
            if (request.forces)
                for (size_t k = 0; k < 3 * n; ++k) p.forces[k] += r.forces[k];
            if (stress)
                for (int k = 0; k < 9; ++k) dE_dstrain[k] += r.strain_derivative[k];
            if (row.size() > 0)
                for (size_t a = 0; a < species().size(); ++a)
                    row.segment(static_cast<Eigen::Index>(block_offset(a) + 1 + feature_offset(set)), static_cast<Eigen::Index>(P)) +=
                        Eigen::Map<const Eigen::VectorXd>(r.feature_sums[a].data(), static_cast<Eigen::Index>(P));
            continue;
        }
        // The engine checks that `list` belongs to `system`; pairs beyond a family's cutoff are skipped there.
        compute_descriptors_into({system}, {list}, energy_descriptor_options(sets_[set], species(), request.forces, stress), pool,
                                 cancel, storage);
        const size_t P = feature_count(set);
        for (size_t b = 0; b < storage.blocks.size(); ++b) {
            const Block& block = storage.blocks[b];
            const int32_t z = storage.keys.values[b * storage.keys.names.size() + 2];  // (o3_lambda, o3_sigma, center_type)
            const size_t base = block_offset(static_cast<size_t>(std::lower_bound(species().begin(), species().end(), z) - species().begin()));
            const size_t column = base + 1 + feature_offset(set);
            const double* w = weights.data() + column;
            const size_t centres = block.samples.count();
            dots.resize(std::max<size_t>(centres, 1));
            contract_rows(block.values.data(), centres, P, w, dots.data(), pool);
            for (size_t r = 0; r < centres; ++r) {
                double& e = energies[static_cast<size_t>(block.samples.values[2 * r + 1])];
                e += (set == 0 ? weights[static_cast<Eigen::Index>(base)] : 0.0) + dots[r];
            }
            if (row.size() > 0) {
                if (set == 0) row[static_cast<Eigen::Index>(base)] += static_cast<double>(centres);
                for (size_t r = 0; r < centres; ++r)
                    row.segment(static_cast<Eigen::Index>(column), static_cast<Eigen::Index>(P)) +=
                        Eigen::Map<const Eigen::VectorXd>(block.values.data() + r * P, static_cast<Eigen::Index>(P));
            }
            for (const GradientBlock& gradient : block.gradients) {
                if (gradient.parameter == "positions") {
                    // values[g][x][P]; samples (sample, system, atom)
                    const size_t g_count = gradient.samples.count();
                    dots.resize(std::max<size_t>(3 * g_count, 1));
                    contract_rows(gradient.values.data(), 3 * g_count, P, w, dots.data(), pool);
                    for (size_t g = 0; g < g_count; ++g) {
                        const size_t j = static_cast<size_t>(gradient.samples.values[3 * g + 2]);
                        for (int x = 0; x < 3; ++x) p.forces[3 * j + x] -= dots[3 * g + x];
                    }
                } else if (gradient.parameter == "cell") {
                    // values[g][k][b][P]: d p / d h[k][b], fractional coordinates fixed
                    const size_t g_count = gradient.samples.count();
                    dots.resize(std::max<size_t>(9 * g_count, 1));
                    contract_rows(gradient.values.data(), 9 * g_count, P, w, dots.data(), pool);
                    for (size_t g = 0; g < g_count; ++g)
                        for (int k = 0; k < 9; ++k) dE_dh[k] += dots[9 * g + k];
                }
            }
        }
    }
    if (cancel && cancel->load()) throw Cancelled();

    for (double e : energies) p.energy += e;
    if (request.energies) p.energies = std::move(energies);
    if (stress) {
        std::array<double, 9> dE = strain_derivative(dE_dh, system.cell);
        for (int k = 0; k < 9; ++k) dE[k] += dE_dstrain[k];
        const double volume = cell_volume(system.cell);
        for (int k = 0; k < 9; ++k) p.stress[k] = dE[k] / volume;
        p.has_stress = true;
    }
    if (row.size() > 0) p.energy_uncertainty = uncertainty_scale * std::sqrt(std::max(0.0, energy_variance(row)));
    return p;
}

EnergyPrediction EnergyModel::predict(const System& system, bool forces, bool stress, ThreadPool& pool,
                                      const std::atomic<bool>* cancel) const {
    validate_input(system, 0);
    EnergyRequest request;
    request.forces = forces;
    request.stress = stress;
    request.energies = true;
    request.uncertainty = true;
    TensorMap storage;
    return evaluate(system, build_neighbor_list(system, cutoff()), request, pool, cancel, storage);
}

double EnergyModel::energy_variance(const Eigen::VectorXd& f) const {
    return covariance.quadratic_form(f);
}

}  // namespace hamd
