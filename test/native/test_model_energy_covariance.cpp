// The compact covariance of an energy model (core/models/energy/energy_covariance.hpp) against
// the exact f^T A^-1 f, within the error its approximations allow: eigenvalues inside the ridge
// band taken as the ridge, and float32 eigenvectors re-orthonormalised in double. A saved model
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
#include "core/models/model_file.hpp"
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

EnergyFeatureSettings settings(bool bispectrum) {
    EnergyFeatureSettings s;
    s.hypers.cutoff = 3.5;
    s.hypers.max_radial = 3;
    s.hypers.max_angular = 3;
    s.species = {1, 8};
    if (bispectrum) {
        EnergyFeatureSet b;
        b.kind = DescriptorKind::Bispectrum;
        b.hypers = s.hypers;
        b.hypers.max_radial = 1;
        b.hypers.max_angular = 2;
        s.extra.push_back(b);
    }
    return s;
}

}  // namespace

int main() {
    ThreadPool pool(2);
    std::mt19937 rng(31);
    const EnergyTrainingSet train = water_set(rng, 40, 0.12), validation = water_set(rng, 10, 0.12);

    for (const double band : {1e-2, 0.3}) {
        EnergyModel model(settings(false));
        EnergyFitSettings fit;
        fit.ridge = 1e-6;
        fit.covariance_band = band;
        const EnergyNormalEquations normal = accumulate_normal_equations(model, train, pool);
        check::ok(solve_energy_model(model, normal, fit, true), "fit with covariance");
        double ridge_value = 0;
        const Eigen::MatrixXd A = regularised_normal_matrix(model, normal, fit, nullptr, &ridge_value);
        const Eigen::MatrixXd full = A.selfadjointView<Eigen::Lower>();
        const Eigen::LDLT<Eigen::MatrixXd> exact(full);
        const SymmetricEigen e = symmetric_eigen(A, true);  // the decomposition compact_covariance made
        const auto W = A.rows();
        const EnergyCovariance& c = model.covariance;
        const Eigen::Index K = c.basis.cols();
        // The kept vectors in order, against the basis: float32 plus QR moves each by delta'.
        std::vector<Eigen::Index> kept, dropped;
        for (Eigen::Index k = 0; k < W; ++k)
            (std::fabs(e.values[k] - ridge_value) > band * ridge_value ? kept : dropped).push_back(k);
        double delta = 0;
        for (Eigen::Index j = 0; j < K; ++j) {
            const Eigen::VectorXd v = e.vectors.col(kept[static_cast<size_t>(j)]);
            delta = std::max(delta, std::min((c.basis.col(j) - v).norm(), (c.basis.col(j) + v).norm()));
        }
        // Rounding each entry of a unit vector to float32 moves it by at most u32; QR of K such
        // vectors moves the orthonormal factor by at most ~sqrt(2) |E|_F <= sqrt(2 K) u32.
        check::ok(static_cast<Eigen::Index>(kept.size()) == K && delta <= 2 * std::sqrt(static_cast<double>(K)) * kU32,
                  "band " + std::to_string(band) + ": the basis is the kept eigenvectors within sqrt(2K) u32",
                  "K " + std::to_string(K) + ", delta " + std::to_string(delta));

        const EnergyDesign d = model.design(validation.systems, false, false, pool);
        const EnergyDesign far = model.design({distorted_water(rng, 0.6)}, false, false, pool);
        double worst = 0, worst_relative = 0, worst_tight = 0;
        for (const EnergyDesign* set : {&d, &far})
            for (Eigen::Index s = 0; s < set->energy.rows(); ++s) {
                const Eigen::VectorXd f = set->energy.row(s).transpose();
                const double reference = f.dot(exact.solve(f));
                // Allowed: (1) band terms, 1/lambda_k taken as 1/lambda_r; (2) each kept term with
                // q_k instead of v_k: |(q.f)^2 - (v.f)^2| <= delta |f| (2 |v.f| + delta |f|); (3) the
                // reference solve, relative W eps kappa(A).
                double bound = static_cast<double>(W) * kEps * (e.values[W - 1] / e.values[0]) * std::fabs(reference);
                for (Eigen::Index k : dropped) bound += std::fabs(1 / e.values[k] - 1 / ridge_value) * std::pow(e.vectors.col(k).dot(f), 2);
                for (Eigen::Index k : kept)
                    bound += std::fabs(1 / e.values[k] - 1 / ridge_value) * delta * f.norm() *
                             (2 * std::fabs(e.vectors.col(k).dot(f)) + delta * f.norm());
                bound += 4 * static_cast<double>(W + K) * kEps * f.squaredNorm() / std::min(ridge_value, e.values[0]);
                const double error = std::fabs(c.quadratic_form(f) - reference);
                worst = std::max(worst, error / bound);
                worst_relative = std::max(worst_relative, error / reference);
                // Tighter, against the same eigenpairs summed in full (sum_k (v_k.f)^2 / lambda_k):
                // only the two approximations and the rounding of both sums remain.
                // Rounding: p_k = v_k . f is off by d_k = W eps |v_k|.|f|, so p_k^2 / lambda_k by
                // (2 |p_k| d_k + d_k^2) / lambda_k; both sides form such sums (x 2), plus their additions.
                double spectral = 0, rounding = 0;
                for (Eigen::Index k = 0; k < W; ++k) {
                    const double p = e.vectors.col(k).dot(f), dk = static_cast<double>(W) * kEps * e.vectors.col(k).cwiseAbs().dot(f.cwiseAbs());
                    spectral += p * p / e.values[k];
                    rounding += 2 * (2 * std::fabs(p) * dk + dk * dk) / std::min(e.values[k], ridge_value);
                }
                rounding += 2 * static_cast<double>(W) * kEps * (spectral + f.squaredNorm() / ridge_value);
                double tight = rounding;
                for (Eigen::Index k : dropped) tight += std::fabs(1 / e.values[k] - 1 / ridge_value) * std::pow(e.vectors.col(k).dot(f), 2);
                for (Eigen::Index k : kept)
                    tight += std::fabs(1 / e.values[k] - 1 / ridge_value) * delta * f.norm() *
                             (2 * std::fabs(e.vectors.col(k).dot(f)) + delta * f.norm());
                worst_tight = std::max(worst_tight, std::fabs(c.quadratic_form(f) - spectral) / tight);
            }
        std::printf("# band %g: K %ld of W %ld, basis moved by %.3g, f^T C f relative error up to %.3g (error / bound %.3g; kappa(A) %.3g)\n",
                    band, (long)K, (long)W, delta, worst_relative, worst, e.values[W - 1] / e.values[0]);
        check::ok(worst <= 1, "band " + std::to_string(band) + ": compact f^T C f = f^T A^-1 f (LDLT) within the bound of its approximations",
                  "worst error / bound " + std::to_string(worst));
        std::printf("# band %g: against the full eigen-sum, error / bound %.3g\n", band, worst_tight);
        check::ok(worst_tight <= 1, "band " + std::to_string(band) + ": compact f^T C f = the full eigen-sum within the band and float32 bound",
                  "worst error / bound " + std::to_string(worst_tight));
    }

    // A power spectrum + bispectrum model: the file keeps both families and the covariance.
    {
        EnergyModel model(settings(true));
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
        check::ok(std::find(m.outputs.begin(), m.outputs.end(), "stress") == m.outputs.end(),
                  "a model with a bispectrum family does not list stress among its outputs");

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
