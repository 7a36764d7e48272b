// Indirect (eigenvalue) training: the analytic gradient of the full loss (levels, Loewdin
// charges and the density matrix) with respect to the weights matches central finite differences, and Adam lowers the loss towards the
// "large-basis" levels while early stopping keeps the best validation state.
#include <cmath>
#include <cstdio>

#include "check.hpp"
#include "core/training/hamiltonian_training.hpp"
#include "test_model_util.hpp"

using namespace hamd;

int main() {
    const Basis basis = Basis::sto3g();
    std::mt19937 rng(3);
    std::vector<ReferenceStructure> refs;
    for (int k = 0; k < 4; ++k) refs.push_back(modeltest::synthetic_reference(basis, modeltest::displaced(hamtest::methanol(), 0.05, rng), k % 2));
    for (int k = 0; k < 4; ++k)
        refs.push_back(modeltest::synthetic_reference(basis, modeltest::displaced(hamtest::ethylamine_like(), 0.05, rng), 2 + k % 2));
    // Reference Loewdin charges on all but the last structure (the loss must take both kinds):
    // small random charges summing to 0.
    std::uniform_real_distribution<double> charge(-0.3, 0.3);
    for (size_t k = 0; k + 1 < refs.size(); ++k) {
        refs[k].large_charges.resize(refs[k].system.size());
        double sum = 0;
        for (double& q : refs[k].large_charges) sum += (q = charge(rng));
        for (double& q : refs[k].large_charges) q -= sum / static_cast<double>(refs[k].large_charges.size());
    }
    std::vector<const ReferenceStructure*> pointers;
    for (const auto& r : refs) pointers.push_back(&r);

    HamiltonianFeatureSettings fs;
    fs.hypers.cutoff = 5.0;
    fs.hypers.max_radial = 2;
    fs.hypers.max_angular = 2;
    fs.hypers.density_width = 0.4;
    ThreadPool pool(2);
    HamiltonianModel model(basis, fs);
    LevelWeights levels;
    levels.core = 0.5;  // every kind of level takes part, with different weights
    levels.virtuals = 0.3;
    levels.charges = 0.05;  // and the Loewdin-charge term (charge_loss.hpp)
    levels.density_matrix = 0.02;  // and the density-matrix term
    auto examples = prepare_examples(model, pointers, levels, pool);
    RidgeSettings ridge;
    ridge.folds = 2;
    train_direct(model, examples, ridge, pool);

    std::map<FeatureFamilyKey, Eigen::MatrixXd> weights, anchor;
    for (const auto& [k, fam] : model.families) {
        weights[k] = fam.direct;
        anchor[k] = fam.direct + Eigen::MatrixXd::Constant(fam.direct.rows(), fam.direct.cols(), 0.01);
    }
    std::vector<const TrainingExample*> all;
    for (const auto& ex : examples) all.push_back(&ex);
    const double penalty = 1e-3;
    const IndirectLoss analytic = indirect_loss(model, all, weights, &anchor, penalty, true, pool);
    check::ok(analytic.loss > 0 && std::isfinite(analytic.loss), "indirect loss is positive and finite");

    // Central differences on weights of several families: the largest-gradient entry of each
    // (a well-conditioned check) and a random one.
    // Errors are relative to max(|analytic|, 1e-4 x the largest gradient entry): eigenvalues carry
    // absolute noise ~1e-15 x |F'| (~20 Hartree core levels), i.e. ~1e-9 in a difference quotient
    // with h = 1e-6, which would swamp the relative error of a tiny gradient entry.
    double largest = 0;
    for (const auto& [k, g] : analytic.gradient) largest = std::max(largest, g.cwiseAbs().maxCoeff());
    std::mt19937 pick(5);
    int checked = 0, good = 0;
    double worst = 0;
    for (const auto& [k, w] : weights) {
        const Eigen::MatrixXd& g = analytic.gradient.at(k);
        Eigen::Index r0, c0;
        g.cwiseAbs().maxCoeff(&r0, &c0);
        const Eigen::Index r1 = static_cast<Eigen::Index>(pick() % w.rows()), c1 = static_cast<Eigen::Index>(pick() % w.cols());
        for (auto [r, c] : {std::pair<Eigen::Index, Eigen::Index>{r0, c0}, {r1, c1}}) {
            const double h = 1e-6 * std::max(1.0, std::fabs(w(r, c)));
            auto shifted = weights;
            shifted[k](r, c) += h;
            const double plus = indirect_loss(model, all, shifted, &anchor, penalty, false, pool).loss;
            shifted[k](r, c) -= 2 * h;
            const double minus = indirect_loss(model, all, shifted, &anchor, penalty, false, pool).loss;
            const double numeric = (plus - minus) / (2 * h);
            const double error = std::fabs(numeric - g(r, c)) / std::max(std::fabs(g(r, c)), 1e-4 * largest);
            worst = std::max(worst, error);
            if (error > 1e-4) std::printf("# family (%d %d %d %d %d) w(%ld,%ld) analytic %.10g numeric %.10g\n", k.block_type, k.species_i, k.species_j, k.lambda, k.sigma, (long)r, (long)c, g(r, c), numeric);
            ++checked;
            good += error <= 1e-4;
        }
        if (checked >= 24) break;
    }
    std::printf("# %d weights checked, worst relative error %.3g\n", checked, worst);
    check::ok(checked >= 12 && good == checked, "dL/dw matches central finite differences (relative 1e-4)");

    // Adam lowers the loss; the stored weights are the best validation state.
    IndirectSettings settings;
    settings.epochs = 60;
    settings.learning_rate = 1e-3;
    settings.validation_fraction = 0.25;
    settings.levels = levels;
    const IndirectReport report = train_indirect(model, examples, settings, pool);
    std::printf("# indirect: validation loss %.3g -> %.3g (best epoch %d of %d), train %.3g -> %.3g\n", report.initial_validation,
                report.best_validation, report.best_epoch, report.epochs, report.initial_train, report.best_train);
    check::ok(model.has_indirect(), "indirect weights are stored");
    check::ok(report.best_validation < 0.5 * report.initial_validation, "indirect training halves the validation loss");
    std::map<FeatureFamilyKey, Eigen::MatrixXd> trained;
    for (const auto& [k, fam] : model.families) trained[k] = fam.indirect;
    const double trained_loss = indirect_loss(model, all, trained, nullptr, 0, false, pool).loss;
    const double direct_loss = indirect_loss(model, all, weights, nullptr, 0, false, pool).loss;
    check::ok(trained_loss < direct_loss, "the indirect weights fit the large-basis levels better than the direct ones");
    return check::finish();
}
