// Contributing centres (EnergyRequest::contributing, evaluate_linear's mask): how a host code
// that hands over its atoms plus their periodic images or ghosts as one cluster (the KIM API,
// LAMMPS) gets the periodic answer. A periodic structure equals the cluster of its cell atoms
// (contributing) and every image within the cutoff (not contributing): energy, per-atom
// energies, uncertainty, forces folded back onto the cell atoms, and -sum r (x) f = stress x V.
// The forces on ghosts are minus the finite-difference gradient of the masked energy; an
// all-true mask is bitwise no mask; masks of the wrong length are refused.
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "core/base/errors.hpp"
#include "core/models/energy/energy_session.hpp"
#include "core/systems/neighbors.hpp"
#include "native/check.hpp"
#include "native/energy_fixtures.hpp"

using namespace hamd;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::shared_ptr<EnergyModel> random_model(std::mt19937& rng, bool bispectrum) {
    EnergyFeatureSettings settings;
    settings.hypers.cutoff = 3.5;
    settings.hypers.max_radial = 3;
    settings.hypers.max_angular = 3;
    settings.species = {1, 8};
    if (bispectrum) {
        EnergyFeatureSet b;
        b.kind = DescriptorKind::Bispectrum;
        b.hypers = settings.hypers;
        b.hypers.cutoff = 3.0;
        b.hypers.max_radial = 1;
        b.hypers.max_angular = 2;
        settings.extra.push_back(b);
    }
    auto model = std::make_shared<EnergyModel>(settings);
    std::normal_distribution<double> g(0.0, 1.0);
    Eigen::VectorXd weights(static_cast<Eigen::Index>(model->n_weights()));
    for (Eigen::Index k = 0; k < weights.size(); ++k) weights[k] = 1e-2 * g(rng);
    model->set_weights(std::move(weights));
    // A random symmetric positive definite covariance (as test_model_energy_evaluate.cpp's).
    const auto W = static_cast<Eigen::Index>(model->n_weights());
    Eigen::MatrixXd M(W, W);
    for (Eigen::Index k = 0; k < M.size(); ++k) M.data()[k] = g(rng);
    model->covariance = covariance_from_spectrum(symmetric_eigen(M * M.transpose() / static_cast<double>(W) + Eigen::MatrixXd::Identity(W, W)), 0.0, 0.0);
    return model;
}

// Two distorted waters in a skewed cell about as long as the cutoff: every atom has images of
// every other (and of itself) within the cutoff, several cells deep (energy_fixtures.hpp).
System periodic_waters(std::mt19937& rng) { return hamd_test::two_waters(rng, true); }

// The cluster a KIM host hands over: the cell atoms first (contributing), then every image
// (j, S != 0) that is within the cutoff of a cell atom (not contributing), as LAMMPS' ghosts.
struct Cluster {
    System system;
    std::vector<uint8_t> contributing;
    std::vector<size_t> owner;  // the cell atom each particle is an image of
};

Cluster cluster_of(const System& s, double cutoff) {
    Cluster c;
    c.system.types = s.types;
    c.system.positions = s.positions;
    c.contributing.assign(s.size(), 1);
    for (size_t i = 0; i < s.size(); ++i) c.owner.push_back(i);
    std::map<std::array<int32_t, 4>, bool> seen;
    for (const Pair& p : build_neighbor_list(s, cutoff).pairs) {
        if (p.shift[0] == 0 && p.shift[1] == 0 && p.shift[2] == 0) continue;
        const std::array<int32_t, 4> key{p.second, p.shift[0], p.shift[1], p.shift[2]};
        if (seen[key]) continue;
        seen[key] = true;
        const size_t j = static_cast<size_t>(p.second);
        c.system.types.push_back(s.types[j]);
        for (int d = 0; d < 3; ++d) {
            double x = s.positions[3 * j + d];
            for (int k = 0; k < 3; ++k) x += p.shift[k] * s.cell[3 * k + d];
            c.system.positions.push_back(x);
        }
        c.contributing.push_back(0);
        c.owner.push_back(j);
    }
    return c;
}

double cell_volume(const std::array<double, 9>& h) {
    return std::fabs(h[0] * (h[4] * h[8] - h[5] * h[7]) - h[1] * (h[3] * h[8] - h[5] * h[6]) + h[2] * (h[3] * h[7] - h[4] * h[6]));
}

double max_abs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m = std::max(m, std::fabs(x));
    return m;
}

}  // namespace

int main() {
    std::mt19937 rng(7);
    ThreadPool pool(2);
    EnergyRequest all;
    all.forces = all.energies = all.uncertainty = true;

    for (const bool bispectrum : {false, true}) {
        const auto model = random_model(rng, bispectrum);
        const std::string family = bispectrum ? "power spectrum + bispectrum: " : "power spectrum: ";
        const System s = periodic_waters(rng);
        EnergyRequest periodic_request = all;
        periodic_request.stress = true;  // every family has the strain derivative (the adjoint)
        const EnergyPrediction want = model->evaluate(s, build_neighbor_list(s, model->cutoff()), periodic_request, pool, nullptr);
        const Cluster c = cluster_of(s, model->cutoff());
        const size_t n = s.size(), m = c.system.size();
        check::ok(m > 5 * n, family + "the cluster has many images per cell atom (" + std::to_string(m - n) + " ghosts)");
        EnergyRequest masked = all;
        masked.contributing = c.contributing;
        const EnergyPrediction got = model->evaluate(c.system, build_neighbor_list(c.system, model->cutoff()), masked, pool, nullptr);

        // Both sides sum the same pair terms, in another order (neighbours of a centre, images
        // folded back), and the pair vectors differ in the last bits (an image's position is
        // rounded once before r_j - r_i). So each result agrees to a few hundred eps of its
        // scale, as a session step agrees with a fresh prediction (test_energy_session.cpp):
        // 1e3 eps (1 + scale); the measured ratio is printed.
        auto tolerance = [](double scale) { return 1e3 * kEps * (1.0 + scale); };
        double energy_scale = 0;
        for (double e : want.energies) energy_scale += std::fabs(e);
        double worst = std::fabs(got.energy - want.energy) / tolerance(energy_scale);
        for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(got.energies[i] - want.energies[i]) / tolerance(energy_scale));
        bool ghosts_zero = true;
        for (size_t g = n; g < m; ++g) ghosts_zero = ghosts_zero && got.energies[g] == 0.0;
        std::printf("# %senergy %.17g periodic %.17g, worst difference / tolerance %.3g\n", family.c_str(), got.energy, want.energy, worst);
        check::ok(worst <= 1 && ghosts_zero, family + "cluster energy and per-atom energies = periodic; ghosts' per-atom energies are 0",
                  "worst / tolerance " + std::to_string(worst));
        check::ok(std::fabs(got.energy_uncertainty - want.energy_uncertainty) <= tolerance(want.energy_uncertainty) && want.energy_uncertainty > 0,
                  family + "uncertainty = periodic (ghosts are not in the design row)",
                  std::to_string(got.energy_uncertainty - want.energy_uncertainty));

        // Forces on ghosts are folded back onto the atoms they are images of.
        std::vector<double> folded(3 * n, 0.0);
        double ghost_force = 0;
        for (size_t a = 0; a < m; ++a)
            for (int d = 0; d < 3; ++d) {
                folded[3 * c.owner[a] + d] += got.forces[3 * a + d];
                if (a >= n) ghost_force = std::max(ghost_force, std::fabs(got.forces[3 * a + d]));
            }
        const double force_scale = max_abs(want.forces);
        worst = 0;
        for (size_t k = 0; k < 3 * n; ++k) worst = std::max(worst, std::fabs(folded[k] - want.forces[k]) / tolerance(force_scale));
        std::printf("# %slargest ghost force %.3g, max |F| %.3g; folded forces worst difference / tolerance %.3g\n", family.c_str(),
                    ghost_force, force_scale, worst);
        check::ok(ghost_force > 1e-2 * force_scale, family + "ghosts carry forces (their share of the cell atoms' energies)");
        check::ok(worst <= 1, family + "cluster forces folded back onto the cell atoms = periodic forces", "worst / tolerance " + std::to_string(worst));

        {
            // dE/d(strain)[x][d] = sum_j r_jx dE/dr_jd = -sum_j r_j (x) f_j over every particle;
            // the periodic one is stress x V. Each of the m forces carries its own rounding (at
            // most the force tolerance above), weighted by |r| <= X: m X tolerance(max|f|), plus
            // the tolerance of the virial's own scale.
            std::array<double, 9> virial{};
            double X = 0;
            for (size_t a = 0; a < m; ++a)
                for (int x = 0; x < 3; ++x) {
                    X = std::max(X, std::fabs(c.system.positions[3 * a + x]));
                    for (int d = 0; d < 3; ++d) virial[3 * x + d] -= c.system.positions[3 * a + x] * got.forces[3 * a + d];
                }
            const double volume = cell_volume(s.cell);
            double virial_scale = 0;
            for (double v : want.stress) virial_scale = std::max(virial_scale, std::fabs(v) * volume);
            const double virial_tolerance = static_cast<double>(m) * X * tolerance(force_scale) + tolerance(virial_scale);
            worst = 0;
            for (int k = 0; k < 9; ++k) worst = std::max(worst, std::fabs(virial[k] - want.stress[k] * volume) / virial_tolerance);
            std::printf("# %svirial xx %.17g, stress x V %.17g, worst difference / tolerance %.3g\n", family.c_str(), virial[0],
                        want.stress[0] * volume, worst);
            check::ok(worst <= 1 && virial_scale > 0, family + "-sum r (x) f over the cluster = stress x volume",
                      "worst / tolerance " + std::to_string(worst));
        }

        // Forces on ghosts are -dE/dr of the masked energy (central differences: truncation below
        // 1e-6 relative for these smooth features at h = 1e-4, rounding 2 x tolerance / 2h).
        EnergyRequest energy_only;
        energy_only.forces = false;
        energy_only.contributing = c.contributing;
        auto energy = [&](const System& t) {
            return model->evaluate(t, build_neighbor_list(t, model->cutoff()), energy_only, pool, nullptr).energy;
        };
        const double h = 1e-4;
        worst = 0;
        size_t checked = 0;
        for (size_t g = n; g < m; g += std::max<size_t>(1, (m - n) / 8)) {
            for (int d = 0; d < 3; ++d) {
                System plus = c.system, minus = c.system;
                plus.positions[3 * g + d] += h;
                minus.positions[3 * g + d] -= h;
                const double numeric = -(energy(plus) - energy(minus)) / (2 * h);
                worst = std::max(worst, std::fabs(got.forces[3 * g + d] - numeric) /
                                            (1e-6 * (std::fabs(numeric) + 1e-2) + 2 * tolerance(energy_scale) / h));
            }
            ++checked;
        }
        std::printf("# %sghost forces vs finite differences (%zu ghosts), worst error / bound %.3g\n", family.c_str(), checked, worst);
        check::ok(worst < 1, family + "forces on ghosts are minus the finite-difference gradient of the masked energy",
                  "worst / bound " + std::to_string(worst));

        // An all-true mask is no mask, to the last bit.
        EnergyRequest ones = periodic_request;
        ones.contributing.assign(n, 1);
        const EnergyPrediction same = model->evaluate(s, build_neighbor_list(s, model->cutoff()), ones, pool, nullptr);
        check::ok(same.energy == want.energy && same.forces == want.forces && same.energies == want.energies &&
                      same.stress == want.stress && same.energy_uncertainty == want.energy_uncertainty,
                  family + "an all-true mask is bitwise the same as no mask");

        // A session with the mask: its steps equal evaluate with the mask (a Verlet list with a
        // skin sums the same terms: same tolerance).
        EnergySessionSettings settings;
        settings.types = c.system.types;
        settings.request = masked;
        EnergySession session(model, settings);
        const EnergyPrediction step = session.step(c.system.positions, nullptr, pool, nullptr);
        worst = std::fabs(step.energy - got.energy) / tolerance(energy_scale);
        for (size_t k = 0; k < 3 * m; ++k) worst = std::max(worst, std::fabs(step.forces[k] - got.forces[k]) / tolerance(force_scale));
        check::ok(worst <= 1, family + "a session step with the mask = evaluate with the mask", "worst / tolerance " + std::to_string(worst));
    }

    // Masks of the wrong length are refused, naming the field.
    {
        const auto model = random_model(rng, false);
        const System s = periodic_waters(rng);
        EnergyRequest bad;
        bad.contributing.assign(s.size() - 1, 1);
        bool refused = false;
        try {
            model->evaluate(s, build_neighbor_list(s, model->cutoff()), bad, pool, nullptr);
        } catch (const InvalidArgument& e) {
            refused = std::string(e.what()).find("contributing: 5 flags for 6 atoms") != std::string::npos;
        }
        check::ok(refused, "evaluate: a mask of 5 flags for 6 atoms is InvalidArgument naming the field");
        EnergySessionSettings settings;
        settings.types = s.types;
        settings.request.contributing.assign(7, 1);
        refused = false;
        try {
            EnergySession session(model, settings);
        } catch (const InvalidArgument& e) {
            refused = std::string(e.what()).find("contributing: 7 flags for a session of 6 atoms") != std::string::npos;
        }
        check::ok(refused, "session open: a mask of 7 flags for 6 atoms is InvalidArgument naming the field");
    }
    return check::finish();
}
