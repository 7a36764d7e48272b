// EnergySession (core/models/energy/energy_session.hpp), the state of one MD simulation: its steps
// equal fresh predictions (neighbour lists reused with a skin), permuting the atoms
// permutes forces and per-atom energies, a refused step leaves the session as it was, a new cell
// is taken from a step, and bad opens are refused.
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "core/base/errors.hpp"
#include "core/models/energy/energy_session.hpp"
#include "native/check.hpp"

using namespace hamd;

namespace {

std::shared_ptr<EnergyModel> random_model(std::mt19937& rng) {
    EnergyFeatureSettings settings;
    settings.hypers.cutoff = 3.5;
    settings.hypers.max_radial = 3;
    settings.hypers.max_angular = 3;
    settings.species = {1, 8};
    auto model = std::make_shared<EnergyModel>(settings);
    std::normal_distribution<double> g(0.0, 1.0);
    Eigen::VectorXd weights(static_cast<Eigen::Index>(model->n_weights()));
    for (Eigen::Index k = 0; k < weights.size(); ++k) weights[k] = g(rng);
    model->set_weights(weights);
    model->covariance.inverse_ridge = 1e-4;  // C = 1e-4 I: every prediction has an uncertainty
    return model;
}

// Two water molecules, 3 Angstrom apart, displaced at random.
std::vector<double> waters(std::mt19937& rng, double amplitude) {
    std::vector<double> x = {0.0, 0.0, 0.117, 0.0, 0.757, -0.467, 0.0, -0.757, -0.467,
                             3.0, 0.2, 0.117, 3.0, 0.957, -0.467, 3.0, -0.557, -0.467};
    std::uniform_real_distribution<double> u(-amplitude, amplitude);
    for (double& v : x) v += u(rng);
    return x;
}

// Session and fresh prediction sum the same terms; only pair vectors differ in the last bits
// (refreshed as r_j - r_i + S.h), so each result agrees to a few hundred eps of its scale.
double tolerance(double scale) { return 1e3 * std::numeric_limits<double>::epsilon() * (1.0 + scale); }

double max_abs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m = std::max(m, std::fabs(x));
    return m;
}

}  // namespace

int main() {
    std::mt19937 rng(42);
    ThreadPool pool(2);
    auto model = random_model(rng);
    EnergyRequest all;
    all.forces = all.energies = all.uncertainty = true;

    // Steps equal predictions; the list is reused within the skin.
    {
        EnergySessionSettings settings;
        settings.types = {8, 1, 1, 8, 1, 1};
        settings.skin = 0.4;
        settings.request = all;
        EnergySession session(model, settings);
        double worst = 0;
        bool all_close = true;
        for (int step = 0; step < 30; ++step) {
            System s;
            s.types = {8, 1, 1, 8, 1, 1};
            s.positions = waters(rng, 0.05);
            const EnergyPrediction got = session.step(s.positions, nullptr, pool, nullptr);
            const EnergyPrediction want = model->predict(s, true, false, pool);
            const double scale = std::fabs(want.energy) + max_abs(want.forces);
            double diff = std::fabs(got.energy - want.energy) + std::fabs(got.energy_uncertainty - want.energy_uncertainty);
            for (size_t k = 0; k < want.forces.size(); ++k) diff = std::max(diff, std::fabs(got.forces[k] - want.forces[k]));
            for (size_t k = 0; k < want.energies.size(); ++k) diff = std::max(diff, std::fabs(got.energies[k] - want.energies[k]));
            worst = std::max(worst, diff / (1 + scale));
            all_close = all_close && diff <= tolerance(scale);
        }
        check::ok(all_close, "30 session steps equal fresh predictions (worst relative " + std::to_string(worst) + ")");
        check::ok(session.steps() == 30, "30 steps counted");
        check::ok(session.neighbor_rebuilds() < 30, "the list is reused within the skin (" + std::to_string(session.neighbor_rebuilds()) + " rebuilds)");
    }

    // Permutation: the same structure with its atoms in another order.
    {
        const std::vector<size_t> order = {4, 0, 5, 2, 3, 1};  // new atom a is old atom order[a]
        EnergySessionSettings a, b;
        a.types = {8, 1, 1, 8, 1, 1};
        for (size_t k : order) b.types.push_back(a.types[k]);
        a.request = b.request = all;
        EnergySession first(model, a), second(model, b);
        const std::vector<double> x = waters(rng, 0.05);
        std::vector<double> y;
        for (size_t k : order) y.insert(y.end(), x.begin() + 3 * k, x.begin() + 3 * k + 3);
        const EnergyPrediction p = first.step(x, nullptr, pool, nullptr), q = second.step(y, nullptr, pool, nullptr);
        const double scale = std::fabs(p.energy) + max_abs(p.forces);
        bool permuted = std::fabs(p.energy - q.energy) <= tolerance(scale);
        for (size_t a2 = 0; a2 < order.size(); ++a2) {
            permuted = permuted && std::fabs(q.energies[a2] - p.energies[order[a2]]) <= tolerance(scale);
            for (int d = 0; d < 3; ++d) permuted = permuted && std::fabs(q.forces[3 * a2 + d] - p.forces[3 * order[a2] + d]) <= tolerance(scale);
        }
        check::ok(permuted, "permuted atoms: same energy, forces and per-atom energies permuted");
    }

    // A refused step leaves the session as it was.
    {
        EnergySessionSettings settings;
        settings.types = {8, 1, 1, 8, 1, 1};
        settings.request = all;
        EnergySession session(model, settings);
        const std::vector<double> x = waters(rng, 0.02);
        const double before = session.step(x, nullptr, pool, nullptr).energy;
        auto refused = [&](std::vector<double> bad, const std::string& what) {
            try {
                session.step(bad, nullptr, pool, nullptr);
                check::ok(false, what + ": refused");
            } catch (const InvalidArgument& e) {
                check::ok(true, what + ": refused (" + e.what() + ")");
            }
        };
        std::vector<double> nan = x;
        nan[4] = std::numeric_limits<double>::quiet_NaN();
        refused(nan, "NaN position");
        std::vector<double> overlap = x;
        for (int d = 0; d < 3; ++d) overlap[3 + d] = x[d] + 0.05;
        refused(overlap, "atoms 0.09 Angstrom apart");
        refused(std::vector<double>(x.begin(), x.end() - 3), "one atom short");
        check::ok(session.step(x, nullptr, pool, nullptr).energy == before, "after refused steps the session gives the same energy");
        check::ok(session.steps() == 2, "refused steps are not counted");
    }

    // A periodic session takes a new cell from a step.
    {
        EnergySessionSettings settings;
        settings.types = {8, 1, 1, 8, 1, 1};
        settings.cell = {6.0, 0, 0, 0.3, 6.2, 0, -0.2, 0.1, 5.9};
        settings.pbc = {true, true, true};
        settings.request = all;
        settings.request.stress = true;
        EnergySession session(model, settings);
        const std::vector<double> x = waters(rng, 0.03);
        session.step(x, nullptr, pool, nullptr);
        std::array<double, 9> cell = settings.cell;
        for (double& v : cell) v *= 1.02;
        const EnergyPrediction got = session.step(x, &cell, pool, nullptr);
        check::ok(session.last_step_rebuilt_neighbors(), "a new cell rebuilds the list");
        System s;
        s.types = settings.types;
        s.positions = x;
        s.cell = cell;
        s.pbc = settings.pbc;
        const EnergyPrediction want = model->predict(s, true, true, pool);
        double diff = std::fabs(got.energy - want.energy);
        for (int k = 0; k < 9; ++k) diff = std::max(diff, std::fabs(got.stress[k] - want.stress[k]));
        check::ok(got.has_stress && diff <= tolerance(std::fabs(want.energy)), "energy and stress of the new cell");
    }

    // Bad opens.
    auto refused_open = [&](EnergySessionSettings settings, const std::string& what) {
        try {
            EnergySession session(model, settings);
            check::ok(false, what + ": refused at open");
        } catch (const InvalidArgument& e) {
            check::ok(true, what + ": refused at open (" + e.what() + ")");
        }
    };
    EnergySessionSettings carbon;
    carbon.types = {6, 1, 1};
    refused_open(carbon, "an element the model does not know");
    refused_open(EnergySessionSettings{}, "no atoms");
    EnergySessionSettings skin;
    skin.types = {8, 1, 1};
    skin.skin = -0.1;
    refused_open(skin, "a negative skin");
    EnergySessionSettings singular;
    singular.types = {8, 1, 1};
    singular.pbc = {true, true, true};
    refused_open(singular, "a periodic session with a zero cell");
    return check::finish();
}
