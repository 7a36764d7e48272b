// An energy model with a multi-scale (long-range) feature family: evaluate (engine features
// contracted with the weights) equals the design rows times the weights (energy, forces, stress);
// forces are minus the finite-difference gradient of the energy; the energy of two waters beyond
// the cutoff depends on their separation with the family and not without it; the model file
// round-trips; padding (non-contributing) atoms are refused.
//
// Tolerances: evaluate and the design rows are the same features summed in another order:
// 1e-10 relative. Finite differences: central, h = 1e-5 A, truncation ~h^2 |E'''| and the
// features' spline accuracy (~1e-9 relative): 1e-6 of the largest force.
#include <cstdio>
#include <random>

#include <unistd.h>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/models/energy/energy_model_file.hpp"
#include "core/systems/neighbors.hpp"
#include "energy_fixtures.hpp"

using namespace hamd;
using namespace hamd_test;

namespace {

EnergyFeatureSettings settings(bool long_range) {
    EnergyFeatureSettings s = water_model_settings(false);
    s.hypers.max_radial = 2;
    s.hypers.max_angular = 2;
    if (long_range) {
        EnergyFeatureSet m;
        m.kind = DescriptorKind::MultiScale;
        m.hypers = s.hypers;
        m.hypers.max_radial = 1;
        s.extra.push_back(m);
    }
    return s;
}

EnergyModel random_model(bool long_range, unsigned seed) {
    EnergyModel model(settings(long_range));
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(0.0, 0.1);
    Eigen::VectorXd w(static_cast<Eigen::Index>(model.n_weights()));
    for (Eigen::Index k = 0; k < w.size(); ++k) w[k] = normal(rng);
    model.set_weights(w);
    return model;
}

EnergyPrediction run(const EnergyModel& model, const System& s, ThreadPool& pool, bool stress = false) {
    EnergyRequest r;
    r.forces = true;
    r.stress = stress;
    return model.evaluate(s, build_neighbor_list(s, model.cutoff()), r, pool, nullptr);
}

}  // namespace

int main() {
    ThreadPool pool(1);
    std::mt19937 rng(5);
    const EnergyModel model = random_model(true, 3);
    check::ok(model.n_features() > EnergyModel(settings(false)).n_features(), "the multi-scale family adds features");

    for (bool periodic : {false, true}) {
        const std::string what = periodic ? "periodic: " : "molecule: ";
        const System s = two_waters(rng, periodic);
        const EnergyPrediction p = run(model, s, pool, periodic);
        const EnergyDesign d = model.design({s}, true, periodic, pool);
        const Eigen::VectorXd energy = d.energy * model.weights(), forces = d.forces * model.weights();
        double force_scale = 0, force_diff = 0;
        for (size_t k = 0; k < p.forces.size(); ++k) {
            force_scale = std::max(force_scale, std::fabs(p.forces[k]));
            force_diff = std::max(force_diff, std::fabs(p.forces[k] - forces[static_cast<Eigen::Index>(k)]));
        }
        check::ok(std::fabs(p.energy - energy[0]) <= 1e-10 * std::max(1.0, std::fabs(energy[0])), what + "evaluate's energy = design . weights");
        check::ok(force_diff <= 1e-10 * force_scale, what + "evaluate's forces = force rows . weights",
                  "difference " + std::to_string(force_diff));
        if (periodic) {
            const Eigen::VectorXd strain = d.strain * model.weights();
            const double volume = std::fabs(s.cell[0] * (s.cell[4] * s.cell[8] - s.cell[5] * s.cell[7]) -
                                            s.cell[1] * (s.cell[3] * s.cell[8] - s.cell[5] * s.cell[6]) +
                                            s.cell[2] * (s.cell[3] * s.cell[7] - s.cell[4] * s.cell[6]));
            double diff = 0, scale = 0;
            for (int k = 0; k < 9; ++k) {
                diff = std::max(diff, std::fabs(p.stress[k] - strain[k] / volume));
                scale = std::max(scale, std::fabs(p.stress[k]));
            }
            check::ok(p.has_stress && diff <= 1e-10 * scale, what + "stress = strain rows . weights / V",
                      "difference " + std::to_string(diff));
        }
        // Forces against central differences of the energy.
        double fd_diff = 0;
        for (size_t k = 0; k < s.positions.size(); ++k) {
            System plus = s, minus = s;
            plus.positions[k] += 1e-5;
            minus.positions[k] -= 1e-5;
            const double fd = -(run(model, plus, pool).energy - run(model, minus, pool).energy) / 2e-5;
            fd_diff = std::max(fd_diff, std::fabs(fd - p.forces[k]));
        }
        check::ok(fd_diff <= 1e-6 * force_scale, what + "forces = -dE/dx by central differences",
                  "difference " + std::to_string(fd_diff / force_scale) + " of the largest force");
    }

    // Two rigid waters beyond the 3.5 A cutoff: only the long-range family sees their distance.
    {
        System near = distorted_water(rng, 0.0), far;
        auto pair_at = [&](double x) {
            System s = near;
            for (size_t i = 0; i < 3; ++i) {
                s.types.push_back(near.types[i]);
                s.positions.insert(s.positions.end(), {near.positions[3 * i] + x, near.positions[3 * i + 1], near.positions[3 * i + 2]});
            }
            return s;
        };
        const EnergyModel local = random_model(false, 3);
        const double local_8 = run(local, pair_at(8.0), pool).energy, local_10 = run(local, pair_at(10.0), pool).energy;
        const double long_8 = run(model, pair_at(8.0), pool).energy, long_10 = run(model, pair_at(10.0), pool).energy;
        check::ok(local_8 == local_10, "local model: the same energy at 8 and 10 A (beyond its cutoff)");
        check::ok(std::fabs(long_8 - long_10) > 1e-6 * std::fabs(long_8), "multi-scale model: the energies at 8 and 10 A differ",
                  std::to_string(long_8 - long_10));
    }

    // File round trip and padding atoms.
    {
        const std::string path = "/tmp/hamd-test-multi-scale-model-" + std::to_string(getpid()) + ".npz";
        save_energy_model(model, "{}", path);
        const LoadedEnergyModel loaded = load_energy_model(path);
        std::remove(path.c_str());
        const System s = two_waters(rng, false);
        check::ok(run(*loaded.model, s, pool).energy == run(model, s, pool).energy, "saved and loaded: the same energy, bit for bit");
        EnergyRequest r;
        r.contributing = {1, 1, 1, 0, 0, 0};
        bool refused = false;
        try {
            model.evaluate(s, build_neighbor_list(s, model.cutoff()), r, pool, nullptr);
        } catch (const InvalidArgument& e) {
            refused = std::string(e.what()).find("every atom") != std::string::npos;
        }
        check::ok(refused, "non-contributing (padding) atoms are refused with the reason");
    }
    return check::finish();
}
