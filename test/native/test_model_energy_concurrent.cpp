// One EnergyModel evaluated from many threads at once, as concurrent sessions and Predict requests
// share a loaded model: every result is bitwise the one of the same evaluation run alone. The
// per-family evaluators are built once, when the weights are set, and evaluate only reads them;
// a copy of the model shares them, and setting the copy's weights leaves the original alone.
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/models/energy/energy_model.hpp"
#include "native/check.hpp"
#include "native/energy_fixtures.hpp"

using namespace hamd;

namespace {

// Both evaluators (power spectrum and bispectrum), random weights, an uncertainty.
EnergyModel random_model(std::mt19937& rng) {
    EnergyModel model(hamd_test::water_model_settings(true));
    std::normal_distribution<double> normal;
    Eigen::VectorXd weights(static_cast<Eigen::Index>(model.n_weights()));
    for (Eigen::Index k = 0; k < weights.size(); ++k) weights[k] = 1e-2 * normal(rng);
    model.set_weights(weights);
    model.covariance.basis.resize(weights.size(), 0);  // no stored directions: C = 1e-4 I, every
    model.covariance.inverse_ridge = 1e-4;              // prediction has an uncertainty
    return model;
}

bool same_bits(const EnergyPrediction& a, const EnergyPrediction& b) {
    return a.energy == b.energy && a.forces == b.forces && a.energies == b.energies && a.stress == b.stress &&
           a.has_stress == b.has_stress && a.energy_uncertainty == b.energy_uncertainty;
}

}  // namespace

int main() {
    std::mt19937 rng(31);
    const EnergyModel model = random_model(rng);
    EnergyRequest all;
    all.forces = all.stress = all.energies = all.uncertainty = true;
    std::vector<System> systems;
    for (int k = 0; k < 6; ++k) systems.push_back(hamd_test::two_waters(rng, k % 2 == 1));
    std::vector<NeighborList> lists;
    for (const System& s : systems) lists.push_back(build_neighbor_list(s, model.cutoff()));

    ThreadPool pool(2);
    std::vector<EnergyPrediction> alone;
    for (size_t k = 0; k < systems.size(); ++k) alone.push_back(model.evaluate(systems[k], lists[k], all, pool, nullptr));
    check::ok(alone[1].has_stress && alone[1].forces.size() == 18 && alone[1].energy_uncertainty > 0,
              "the reference evaluations have forces, stress (periodic, bispectrum included) and an uncertainty");

    // Four threads at once on the shared pool, each through all structures (starting at another
    // one), three times: the same bits as alone.
    std::atomic<int> differing{0}, evaluations{0};
    std::vector<std::thread> threads;
    for (size_t t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int repeat = 0; repeat < 3; ++repeat)
                for (size_t j = 0; j < systems.size(); ++j) {
                    const size_t k = (j + t) % systems.size();
                    if (!same_bits(model.evaluate(systems[k], lists[k], all, pool, nullptr), alone[k])) ++differing;
                    ++evaluations;
                }
        });
    for (std::thread& thread : threads) thread.join();
    check::ok(differing == 0 && evaluations == 72, "72 concurrent evaluations of one model: bitwise equal to each run alone",
              std::to_string(differing.load()) + " differ");

    // A copy shares the evaluators; new weights for the copy leave the original as it was.
    EnergyModel copy = model;
    check::ok(same_bits(copy.evaluate(systems[1], lists[1], all, pool, nullptr), alone[1]), "a copy of the model evaluates the same bits");
    copy.set_weights(2.0 * model.weights());
    const EnergyPrediction doubled = copy.evaluate(systems[1], lists[1], all, pool, nullptr);
    check::ok(doubled.energy != alone[1].energy && same_bits(model.evaluate(systems[1], lists[1], all, pool, nullptr), alone[1]),
              "new weights for the copy change its results, not the original's");
    return check::finish();
}
