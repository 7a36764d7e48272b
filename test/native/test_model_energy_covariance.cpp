// The compact covariance of an energy model (core/models/energy/energy_covariance.hpp) against
// the exact f^T (X + p I)^-1 f, within the error its approximations allow: directions where X is
// below band x p taken as the prior alone, float32 eigenvectors re-orthonormalised in double. A saved model
// with a bispectrum family loads and predicts identically; version 1 files are refused by name.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include <unistd.h>

#include "core/base/errors.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/models/energy/energy_fit.hpp"
#include "core/models/energy/energy_model_file.hpp"
#include "core/io/model_archive.hpp"
#include "native/check.hpp"
#include "native/energy_fixtures.hpp"

using namespace hamd;
using namespace hamd_test;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kU32 = 1.0 / (1 << 24);  // unit roundoff of float32

EnergyTrainingSet water_set(std::mt19937& rng, int count, double amplitude) {
    EnergyTrainingSet set;
    for (int k = 0; k < count; ++k) {
        System s = distorted_water(rng, amplitude);
        std::vector<double> f;
        set.energies.push_back(pair_energy(s, &f));
        set.forces.push_back(f);
        set.systems.push_back(std::move(s));
    }
    return set;
}

}  // namespace

int main() {
    ThreadPool pool(2);
    std::mt19937 rng(31);
    const EnergyTrainingSet train = water_set(rng, 40, 0.12), validation = water_set(rng, 10, 0.12);

    for (const double band : {1e-2, 0.3}) {
        EnergyModel model(water_model_settings(false));
        EnergyFitSettings fit;
        fit.ridge = 1e-6;
        fit.uncertainty_prior = 1e-4;
        fit.covariance_band = band;
        const EnergyNormalEquations normal = accumulate_normal_equations(model, train, pool);
        check::ok(solve_energy_model(model, normal, fit, true), "fit with covariance");
        double mean_diagonal = 0;
        const Eigen::MatrixXd X = data_normal_matrix(model, normal, fit, nullptr, &mean_diagonal);
        const double prior = fit.uncertainty_prior * mean_diagonal;
        const auto W = X.rows();
        Eigen::MatrixXd full = X.selfadjointView<Eigen::Lower>();
        full.diagonal().array() += prior;
        const Eigen::LDLT<Eigen::MatrixXd> exact(full);
        const SymmetricEigen e = symmetric_eigen(X, true);  // the decomposition solve_energy_model made
        const EnergyCovariance& c = model.covariance;
        const Eigen::Index K = c.basis.cols();
        std::vector<Eigen::Index> kept, dropped;
        for (Eigen::Index k = 0; k < W; ++k) (e.values[k] > band * prior ? kept : dropped).push_back(k);
        double delta = 0;  // how far float32 + QR moved each kept eigenvector
        for (Eigen::Index j = 0; j < K; ++j) {
            const Eigen::VectorXd v = e.vectors.col(kept[static_cast<size_t>(j)]);
            delta = std::max(delta, std::min((c.basis.col(j) - v).norm(), (c.basis.col(j) + v).norm()));
        }
        check::ok(static_cast<Eigen::Index>(kept.size()) == K && K < W && delta <= std::sqrt(2.0 * static_cast<double>(K)) * kU32,
                  "band " + std::to_string(band) + ": the basis is the kept eigenvectors of X, moved by at most sqrt(2K) u32",
                  "K " + std::to_string(K) + ", delta " + std::to_string(delta));

        const EnergyDesign d = model.design(validation.systems, false, false, pool);
        const EnergyDesign far = model.design({distorted_water(rng, 0.6)}, false, false, pool);
        double worst = 0, worst_relative = 0;
        for (const EnergyDesign* set : {&d, &far})
            for (Eigen::Index s = 0; s < set->energy.rows(); ++s) {
                const Eigen::VectorXd f = set->energy.row(s).transpose();
                const double compact = c.quadratic_form(f);
                // The reference: the same eigenpairs summed in full, sum_k (v_k . f)^2 / (lambda_k + p).
                // Allowed: (1) dropped terms, lambda_k taken as 0; (2) kept terms with q_k for v_k;
                // (3) rounding: p_k = v_k . f is off by d_k = W eps |v_k|.|f|, so p_k^2 / (lambda_k + p) by
                // (2 |p_k| d_k + d_k^2) / p, in both sums, plus W eps of each sum for the additions.
                // The dropped terms all have one sign, so with a wide band, where (1) dominates, the
                // error comes close to this bound (it is attained up to rounding).
                double spectral = 0, bound = 0;
                for (Eigen::Index k = 0; k < W; ++k) {
                    const double pk = e.vectors.col(k).dot(f), dk = static_cast<double>(W) * kEps * e.vectors.col(k).cwiseAbs().dot(f.cwiseAbs());
                    spectral += pk * pk / (std::max(e.values[k], 0.0) + prior);
                    bound += 2 * (2 * std::fabs(pk) * dk + dk * dk) / prior;
                }
                bound += 2 * static_cast<double>(W) * kEps * (spectral + f.squaredNorm() / prior);
                for (Eigen::Index k : dropped)
                    bound += std::fabs(1 / prior - 1 / (std::max(e.values[k], 0.0) + prior)) * std::pow(e.vectors.col(k).dot(f), 2);
                for (Eigen::Index k : kept)
                    bound += std::fabs(1 / prior - 1 / (e.values[k] + prior)) * delta * f.norm() *
                             (2 * std::fabs(e.vectors.col(k).dot(f)) + delta * f.norm());
                worst = std::max(worst, std::fabs(compact - spectral) / bound);
                // And against an independent solve of (X + p I) y = f (LDLT): relative W eps kappa more.
                const double reference = f.dot(exact.solve(f));
                worst_relative = std::max(worst_relative, std::fabs(compact - reference) / reference);
                const double kappa = (e.values[W - 1] + prior) / prior;
                worst = std::max(worst, std::fabs(compact - reference) /
                                            (bound + std::fabs(spectral - reference) + static_cast<double>(W) * kEps * kappa * reference));
            }
        std::printf("# band %g: K %ld of W %ld, basis moved by %.3g, f^T C f relative error up to %.3g (error / bound %.3g)\n", band,
                    (long)K, (long)W, delta, worst_relative, worst);
        check::ok(worst <= 1, "band " + std::to_string(band) + ": compact f^T C f = f^T (X + p I)^-1 f within the bound of its approximations",
                  "worst error / bound " + std::to_string(worst));
    }

    // A power spectrum + bispectrum model: the file keeps both families and the covariance.
    {
        EnergyModel model(water_model_settings(true));
        EnergyFitSettings fit;
        fit.ridge = 1e-6;
        fit_energy_model(model, train, fit, pool);
        calibrate_uncertainty(model, validation, pool);
        const std::string path = "/tmp/hamd-test-energy-cov-" + std::to_string(::getpid()) + ".npz";
        save_energy_model(model, "{}", path);
        const LoadedEnergyModel loaded = load_energy_model(path);
        const System s = distorted_water(rng, 0.1);
        const EnergyPrediction p = model.predict(s, true, false, pool), q = loaded.model->predict(s, true, false, pool);
        check::ok(loaded.model->feature_sets().size() == 2 && loaded.model->feature_sets()[1].kind == DescriptorKind::Bispectrum &&
                      p.energy == q.energy && p.forces == q.forces && p.energy_uncertainty == q.energy_uncertainty && p.energy_uncertainty > 0,
                  "a saved power spectrum + bispectrum model loads and predicts identically (energy, forces, uncertainty)");
        const ModelMetadata m = describe_energy_model(loaded);
        check::ok(std::find(m.outputs.begin(), m.outputs.end(), "stress") != m.outputs.end(),
                  "a model with a bispectrum family lists stress among its outputs (evaluated by the adjoint)");

        NpzArchive old;
        old["format"] = NpyArray::scalar_string(kEnergyModelFormat);
        old["format_version"] = NpyArray::scalar_int(1);
        write_model_archive(old, path);
        bool refused = false;
        try {
            load_energy_model(path);
        } catch (const InvalidArgument& e) {
            refused = std::string(e.what()).find("format_version 1") != std::string::npos &&
                      std::string(e.what()).find("retrain") != std::string::npos;
        }
        check::ok(refused, "a format_version 1 energy model is refused with a message saying to retrain it");
        NpzArchive newer = old;
        newer["format_version"] = NpyArray::scalar_int(3);
        write_model_archive(newer, path);
        refused = false;
        try {
            load_energy_model(path);
        } catch (const InvalidArgument& e) {
            refused = std::string(e.what()).find("format_version 3 is not supported") != std::string::npos;
        }
        check::ok(refused, "a newer format_version is refused by name");
        std::remove(path.c_str());
    }
    return check::finish();
}
