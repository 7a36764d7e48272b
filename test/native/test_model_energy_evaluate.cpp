// EnergyModel::evaluate (one descriptor pass, gradients contracted with the weights) against the
// independent slow implementation, the design rows of EnergyModel::design times the weights;
// forces and stress (also of models with a bispectrum family, which have no strain design rows)
// against finite differences of evaluate's own energy; a neighbour list with a Verlet skin
// changes nothing; bad lists are refused.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "core/base/errors.hpp"
#include "core/descriptors/engine.hpp"
#include "core/descriptors/registry.hpp"
#include "core/models/energy/energy_model.hpp"
#include "native/check.hpp"
#include "native/energy_fixtures.hpp"

using namespace hamd;
using hamd_test::two_waters;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

EnergyFeatureSettings settings() {
    EnergyFeatureSettings s;
    s.hypers.cutoff = 3.5;
    s.hypers.cutoff_width = 0.5;
    s.hypers.max_radial = 3;
    s.hypers.max_angular = 3;
    s.hypers.density_width = 0.4;
    s.species = {1, 8};
    return s;
}

// Sums of |weight x descriptor term| that each output of one structure is made of: the scale of
// its rounding. Energy: sum_i (|b| + sum_k |w_k p_ik|); force component (j, x): sum over the
// centres i of sum_k |w_k dp_ik/dr_jx|; strain (c, b): sum_k |h_kc| sum_i sum_q |w_q dp_iq/dh_kb|
// for families with cell gradients, an estimate for the others (below).
struct Magnitudes {
    double energy = 0;
    std::vector<double> forces;
    std::array<double, 9> strain{};
    size_t centres_per_atom = 0;  // most centres contributing to one force component
};

Magnitudes magnitudes(const EnergyModel& model, const System& s, bool periodic, ThreadPool& pool) {
    Magnitudes m;
    m.forces.assign(3 * s.size(), 0.0);
    std::vector<size_t> contributions(s.size(), 0);
    std::array<double, 9> dh{};
    double without_cell_gradients = 0;  // energy terms of the families without cell gradients
    for (size_t set = 0; set < model.feature_sets().size(); ++set) {
        const bool cell = periodic && descriptor_kind_info(model.feature_sets()[set].kind).cell_gradients;
        const double energy_before = m.energy;
        DescriptorOptions options;
        options.kind = model.feature_sets()[set].kind;
        options.hypers = model.feature_sets()[set].hypers;
        options.species = model.species();
        options.gradient_positions = true;
        options.gradient_cell = cell;
        const TensorMap map = compute_descriptors({s}, options, pool);
        const size_t P = model.feature_count(set);
        for (size_t b = 0; b < map.blocks.size(); ++b) {
            const Block& block = map.blocks[b];
            const int32_t z = map.keys.values[b * map.keys.names.size() + 2];
            const size_t base = model.block_offset(static_cast<size_t>(std::find(model.species().begin(), model.species().end(), z) - model.species().begin()));
            const size_t column = base + 1 + model.feature_offset(set);
            auto w = [&](size_t k) { return std::fabs(model.weights()[static_cast<Eigen::Index>(column + k)]); };
            for (size_t r = 0; r < block.samples.count(); ++r) {
                if (set == 0) m.energy += std::fabs(model.weights()[static_cast<Eigen::Index>(base)]);
                for (size_t k = 0; k < P; ++k) m.energy += w(k) * std::fabs(block.values[r * P + k]);
            }
            for (const GradientBlock& g : block.gradients) {
                if (g.parameter == "positions") {
                    for (size_t i = 0; i < g.samples.count(); ++i) {
                        const size_t j = static_cast<size_t>(g.samples.values[3 * i + 2]);
                        if (set == 0) ++contributions[j];
                        for (int x = 0; x < 3; ++x)
                            for (size_t k = 0; k < P; ++k) m.forces[3 * j + x] += w(k) * std::fabs(g.values[(3 * i + x) * P + k]);
                    }
                } else {
                    for (size_t i = 0; i < g.samples.count(); ++i)
                        for (int kb = 0; kb < 9; ++kb)
                            for (size_t k = 0; k < P; ++k) dh[kb] += w(k) * std::fabs(g.values[(9 * i + kb) * P + k]);
                }
            }
        }
        if (periodic && !cell) without_cell_gradients += m.energy - energy_before;
    }
    for (int c = 0; c < 3; ++c)
        for (int bb = 0; bb < 3; ++bb)
            for (int k = 0; k < 3; ++k) m.strain[3 * c + bb] += std::fabs(s.cell[3 * k + c]) * dh[3 * k + bb];
    // A family without cell gradients (the bispectrum): its strain terms r_p (x) dE_i/dr_p over the
    // pairs p are estimated as in test_linear_bispectrum.cpp: each is an energy term (a product of
    // three expansion coefficients) with one factor replaced by its derivative, |dc/dr| <~ 10 |c|
    // per A (the expansion varies over the cutoff width, 0.5 A), times |r_p| <= the cutoff.
    for (double& x : m.strain) x += 3 * 10 * model.cutoff() * without_cell_gradients;
    // Each family adds its contributions from the same centres (at most one per centre and family).
    for (size_t c : contributions) m.centres_per_atom = std::max(m.centres_per_atom, c * model.feature_sets().size());
    return m;
}

double cell_volume(const std::array<double, 9>& h) {
    return std::fabs(h[0] * (h[4] * h[8] - h[5] * h[7]) - h[1] * (h[3] * h[8] - h[5] * h[6]) + h[2] * (h[3] * h[7] - h[4] * h[6]));
}

EnergyRequest everything() {
    EnergyRequest r;
    r.forces = r.stress = r.energies = r.uncertainty = true;
    return r;
}

}  // namespace

// Random weights of scale 1e-2 and a random symmetric positive definite covariance.
void randomise(EnergyModel& model, std::mt19937& rng) {
    std::normal_distribution<double> normal;
    Eigen::VectorXd weights(static_cast<Eigen::Index>(model.n_weights()));
    for (Eigen::Index k = 0; k < weights.size(); ++k) weights[k] = 1e-2 * normal(rng);
    model.set_weights(weights);
    const auto W = static_cast<Eigen::Index>(model.n_weights());
    Eigen::MatrixXd M(W, W);
    for (Eigen::Index k = 0; k < M.size(); ++k) M.data()[k] = normal(rng);
    // No prior: every eigenvector kept, C = A^-1 up to the float32 basis.
    model.covariance = covariance_from_spectrum(symmetric_eigen(M * M.transpose() / static_cast<double>(W) + Eigen::MatrixXd::Identity(W, W)), 0.0, 0.0);
    model.uncertainty_scale = 0.5;
}

int main() {
    ThreadPool pool(2);
    std::mt19937 rng(23);
    EnergyFeatureSettings nu3 = settings();  // + a bispectrum with a shorter cutoff
    EnergyFeatureSet bispectrum;
    bispectrum.kind = DescriptorKind::Bispectrum;
    bispectrum.hypers = nu3.hypers;
    bispectrum.hypers.cutoff = 3.0;
    bispectrum.hypers.max_radial = 1;
    bispectrum.hypers.max_angular = 2;
    nu3.extra.push_back(bispectrum);
    for (const bool with_bispectrum : {false, true}) {
        EnergyModel model(with_bispectrum ? nu3 : settings());
        randomise(model, rng);
        const auto W = static_cast<Eigen::Index>(model.n_weights());
        const std::string family = with_bispectrum ? "power spectrum + bispectrum, " : "";
        check::ok(model.cutoff() == 3.5 && model.has_strain_rows() == !with_bispectrum && model.n_features() > 0,
                  family + "cutoff() is the longest feature cutoff; strain design rows only without bispectrum");
        for (const bool periodic : {false, true}) {
            // evaluate gives the stress of every model (the adjoint route); design() has strain rows
            // only where every family has cell gradients.
            const bool stressed = periodic, strain_rows = periodic && model.has_strain_rows();
            const std::string what = family + (periodic ? "periodic cell" : "molecule");
            const EnergyRequest all = everything();
            const System s = two_waters(rng, periodic);
            const EnergyPrediction p = model.evaluate(s, build_neighbor_list(s, model.cutoff()), all, pool, nullptr);
            const EnergyDesign d = model.design({s}, true, strain_rows, pool);
            const Magnitudes m = magnitudes(model, s, periodic, pool);

            // Rounding: each side sums the same products in another order. evaluate sums P products
            // and the baseline per atom, then n atoms (per force component: the contributing centres);
            // the design sums over atoms (centres) first, then W products. A sum of m terms is off by
            // at most m u sum |terms| (u = eps / 2), so the two differ by at most
            // (P + 1 + 2 n + W) eps * sum|terms|; the strain adds the 3-term contraction with h.
            const size_t n = s.size(), P = model.n_features();
            const double energy_bound = static_cast<double>(P + 1 + 2 * n + static_cast<size_t>(W)) * kEps * m.energy;
            const double energy_slow = d.energy.row(0).dot(model.weights());
            check::ok(std::fabs(p.energy - energy_slow) <= energy_bound, what + ": evaluate's energy = design row . weights, within rounding",
                      std::to_string(p.energy - energy_slow) + " vs bound " + std::to_string(energy_bound));
            const Eigen::VectorXd forces_slow = d.forces * model.weights();
            double worst = 0;
            for (size_t c = 0; c < 3 * n; ++c) {
                const double bound = static_cast<double>(P + 2 * m.centres_per_atom + static_cast<size_t>(W)) * kEps * m.forces[c];
                worst = std::max(worst, std::fabs(p.forces[c] - forces_slow[static_cast<Eigen::Index>(c)]) / std::max(bound, 1e-300));
            }
            std::printf("# %s: energy difference %.3g (bound %.3g), forces worst difference / bound %.3g\n", what.c_str(),
                        p.energy - energy_slow, energy_bound, worst);
            check::ok(p.forces.size() == 3 * n && worst <= 1, what + ": evaluate's forces = force rows . weights, within rounding",
                      "worst error / bound " + std::to_string(worst));
            if (strain_rows) {
                const Eigen::VectorXd strain_slow = d.strain * model.weights();
                const double volume = cell_volume(s.cell);
                worst = 0;
                for (int k = 0; k < 9; ++k) {
                    const double bound = static_cast<double>(P + 2 * n + static_cast<size_t>(W) + 3) * kEps * m.strain[k] / volume;
                    worst = std::max(worst, std::fabs(p.stress[k] - strain_slow[k] / volume) / std::max(bound, 1e-300));
                }
                check::ok(p.has_stress && worst <= 1, what + ": evaluate's stress = strain rows . weights / V, within rounding",
                          "worst error / bound " + std::to_string(worst));
            } else if (!periodic) {
                check::ok(!p.has_stress, what + ": no stress without a cell periodic in 3D");
            } else {
                // Training on stresses would need the bispectrum's cell gradients: design() refuses
                // strain rows, while evaluate answers the stress (checked by finite differences below).
                bool refused = false;
                try {
                    model.design({s}, false, true, pool);
                } catch (const InvalidArgument& e) {
                    refused = std::string(e.what()).find("strain rows") != std::string::npos &&
                              std::string(e.what()).find("no cell gradients") != std::string::npos;
                }
                check::ok(refused && p.has_stress, what + ": evaluate gives the stress; design() refuses strain rows (no cell gradients for the bispectrum)");
            }
            double sum = 0;
            for (double e : p.energies) sum += e;
            check::ok(p.energies.size() == n && std::fabs(sum - p.energy) <= static_cast<double>(n) * kEps * m.energy,
                      what + ": per-atom energies sum to the energy");
            // Uncertainty: sigma^2 / alpha^2 = f^T C f; f differs by the rounding of n-term sums of
            // descriptors (relative n eps per |f| entry), the quadratic form adds 2 W eps |f|^T |C| |f|.
            const Eigen::VectorXd f = d.energy.row(0).transpose(), fa = f.cwiseAbs();
            const Eigen::MatrixXd C = model.covariance.dense(W);
            const double variance_slow = f.dot(C * f);
            double variance_bound = static_cast<double>(2 * n + 2 * static_cast<size_t>(W) + 2) * kEps * fa.dot(C.cwiseAbs() * fa);
            // evaluate forms p = Q^T f (W terms each), then sum_k p_k^2 / lambda_k (K terms): the
            // other summation order of the same products, bounded alike.
            const Eigen::VectorXd pa = model.covariance.basis.cwiseAbs().transpose() * fa;
            variance_bound += static_cast<double>(2 * (W + model.covariance.basis.cols()) + 4) * kEps *
                              pa.cwiseProduct(pa).dot(model.covariance.inverse_values);
            const double variance = std::pow(p.energy_uncertainty / model.uncertainty_scale, 2);
            // sigma is rounded once more by the sqrt and the scaling: a few eps relative.
            check::ok(std::fabs(variance - variance_slow) <= variance_bound + 8 * kEps * variance_slow,
                      what + ": energy uncertainty = alpha sqrt(f^T C f) of the design row");

            // Forces are minus the central-difference gradient of evaluate's own energy. Central
            // differences with step h: truncation h^2 |E'''| / 6 (covered by 1e-6 relative for these
            // smooth features at h = 1e-4) plus rounding 2 x (energy rounding) / (2 h).
            EnergyRequest energy_only;
            energy_only.forces = false;
            auto energy = [&](const System& t) {
                return model.evaluate(t, build_neighbor_list(t, model.cutoff()), energy_only, pool, nullptr).energy;
            };
            const double h = 1e-4, rounding = static_cast<double>(P + 1 + n) * kEps * m.energy;
            worst = 0;
            for (size_t c = 0; c < 3 * n; ++c) {
                System plus = s, minus = s;
                plus.positions[c] += h;
                minus.positions[c] -= h;
                const double numeric = -(energy(plus) - energy(minus)) / (2 * h);
                worst = std::max(worst, std::fabs(p.forces[c] - numeric) / (1e-6 * (std::fabs(numeric) + 1e-2) + 4 * rounding / h));
            }
            std::printf("# %s: forces vs finite differences, worst error / bound %.3g\n", what.c_str(), worst);
            check::ok(worst < 1, what + ": forces are minus the finite-difference gradient of the energy", "worst error / bound " + std::to_string(worst));
            if (stressed) {
                const double volume = cell_volume(s.cell), hs = 1e-5;
                worst = 0;
                for (int c = 0; c < 3; ++c)
                    for (int b = 0; b < 3; ++b) {
                        auto strained = [&](double e) {  // h -> h (1 + e E_cb), positions alike
                            System t = s;
                            for (int k = 0; k < 3; ++k) t.cell[3 * k + b] += e * s.cell[3 * k + c];
                            for (size_t a = 0; a < n; ++a) t.positions[3 * a + b] += e * s.positions[3 * a + c];
                            return energy(t);
                        };
                        const double numeric = (strained(hs) - strained(-hs)) / (2 * hs) / volume;
                        worst = std::max(worst, std::fabs(p.stress[3 * c + b] - numeric) / (1e-6 * (std::fabs(numeric) + 1e-3) + 4 * rounding / hs / volume));
                    }
                std::printf("# %s: stress vs finite differences, worst error / bound %.3g\n", what.c_str(), worst);
                check::ok(worst < 1, what + ": stress is the finite-difference strain derivative over the volume", "worst error / bound " + std::to_string(worst));
            }

            // A list with a Verlet skin (pairs up to cutoff + 1 A) gives the same prediction, within
            // the rounding of the sums.
            const EnergyPrediction q = model.evaluate(s, build_neighbor_list(s, model.cutoff() + 1.0), all, pool, nullptr);
            worst = std::fabs(q.energy - p.energy) / (2 * energy_bound);
            for (size_t c = 0; c < 3 * n; ++c)
                worst = std::max(worst, std::fabs(q.forces[c] - p.forces[c]) /
                                            std::max(2 * static_cast<double>(P + m.centres_per_atom) * kEps * m.forces[c], 1e-300));
            for (int k = 0; k < 9; ++k)
                worst = std::max(worst, std::fabs(q.stress[k] - p.stress[k]) /
                                            std::max(2 * static_cast<double>(P + 2 * n + 3) * kEps * m.strain[k] / cell_volume(s.cell), 1e-300));
            check::ok(worst <= 1 && q.has_stress == p.has_stress, what + ": a neighbour list with a 1 A skin changes nothing",
                      "worst difference / rounding bound " + std::to_string(worst));

            // Only what is asked is computed.
            EnergyRequest bare;
            bare.forces = false;
            const EnergyPrediction e = model.evaluate(s, build_neighbor_list(s, model.cutoff()), bare, pool, nullptr);
            check::ok(e.forces.empty() && e.energies.empty() && !e.has_stress && e.energy_uncertainty == 0 &&
                          std::fabs(e.energy - p.energy) <= 2 * energy_bound,
                      what + ": an energy-only request returns the energy and nothing else");
        }

    }

    // A list that is not the structure's (too short a cutoff or another structure) is refused.
    {
        EnergyModel model(settings());
        randomise(model, rng);
        const System s = two_waters(rng, false);
        auto refused = [&](const NeighborList& list) {
            try {
                model.evaluate(s, list, everything(), pool, nullptr);
            } catch (const InvalidArgument&) {
                return true;
            }
            return false;
        };
        System fewer = s;
        fewer.types.pop_back();
        fewer.positions.resize(fewer.positions.size() - 3);
        check::ok(refused(build_neighbor_list(fewer, model.cutoff())), "a neighbour list of another structure is InvalidArgument");
        System carbon = s;
        carbon.types[0] = 6;
        bool named = false;
        try {
            model.evaluate(carbon, build_neighbor_list(carbon, model.cutoff()), everything(), pool, nullptr);
        } catch (const InvalidArgument& e) {
            named = std::string(e.what()).find("C, an element the model does not know") != std::string::npos;
        }
        check::ok(named, "evaluate: an element the model does not know is InvalidArgument naming it");
        std::atomic<bool> cancel{true};
        bool cancelled = false;
        try {
            model.evaluate(s, build_neighbor_list(s, model.cutoff()), everything(), pool, &cancel);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        check::ok(cancelled, "evaluate: a set cancel flag is Cancelled");
    }
    return check::finish();
}
