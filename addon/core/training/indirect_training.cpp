// Indirect refinement on large-basis orbital energies (hamiltonian_training.hpp, docs/science.md#indirect-training).
#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>

#include "core/base/errors.hpp"
#include "core/training/charge_loss.hpp"
#include "core/training/spectrum_loss.hpp"
#include "core/training/hamiltonian_training.hpp"

namespace hamd {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using WeightMap = std::map<FeatureFamilyKey, Eigen::MatrixXd>;

namespace {

// Loss of one structure and (optionally) its gradient with respect to every family's weights.
double structure_loss(const HamiltonianModel& model, const TrainingExample& ex, const WeightMap& weights,
                      WeightMap* gradient) {
    const System& system = ex.reference->system;
    const CoupledHamiltonian blocks = model.predict_blocks_with(system, ex.features, weights);
    const Eigen::MatrixXd F = decouple(model.basis(), {system}, blocks)[0];
    SpectrumLossOptions options;
    options.weights = ex.level_weights;
    options.gradient = gradient != nullptr;
    const bool charges = ex.charge_weight > 0;
    const bool density = ex.density_weight > 0;
    options.vectors = charges || density;
    SpectrumLoss loss = spectrum_loss(F, ex.levels, options);
    if (density) {
        const DensityLoss p = density_matrix_loss(loss.eigenvalues, loss.eigenvectors, ex.reference->occupied(),
                                                  ex.reference_density, ex.density_weight, gradient != nullptr);
        loss.value += p.value;
        if (gradient) loss.gradient += p.gradient;
    }
    if (charges) {
        const ChargeLoss q = loewdin_charge_loss(loss.eigenvalues, loss.eigenvectors, ex.reference->occupied(), ex.orbital_atom,
                                                 system.types, ex.reference->large_charges, ex.charge_weight, gradient != nullptr);
        loss.value += q.value;
        if (gradient) loss.gradient += q.gradient;
    }
    if (!gradient) return loss.value;

    // dL/dF' -> dL/dblock values -> dL/dW = diag(scale) X^T dY per family.
    const CoupledHamiltonian dblocks = decouple_adjoint(model.basis(), {system}, {loss.gradient}, blocks);
    std::map<FeatureFamilyKey, RowMatrix> dY;
    for (const CoupledBlock& block : dblocks.blocks) {
        const FeatureFamilyKey family = feature_family_of(block.key);
        auto fam = model.families.find(family);
        auto feats = ex.features.find(family);
        if (fam == model.families.end() || feats == ex.features.end()) continue;
        const int column = fam->second.column(block.key);
        if (column < 0) continue;
        auto it = dY.find(family);
        if (it == dY.end())
            it = dY.emplace(family, RowMatrix::Zero(feats->second.samples.size() * feats->second.components,
                                                    fam->second.keys.size())).first;
        const int comps = block.components();
        for (size_t s = 0; s < block.samples.size(); ++s) {
            const int row = feats->second.find(block.samples[s].atom_i, block.samples[s].atom_j);
            if (row < 0) continue;
            for (int mu = 0; mu < comps; ++mu) it->second(row * comps + mu, column) += block.values[s * comps + mu];
        }
    }
    for (auto& [family, d] : dY) {
        const FeatureBlock& fb = ex.features.at(family);
        const FamilyWeights& fam = model.families.at(family);
        const Eigen::Map<const RowMatrix> X(fb.values.data(), fb.samples.size() * fb.components, fb.width);
        const Eigen::Map<const Eigen::VectorXd> scale(fam.scale.data(), fb.width);
        (*gradient)[family].noalias() += scale.asDiagonal() * (X.transpose() * d);
    }
    return loss.value;
}

// Flat views of a weight map (L-BFGS works on one vector; map order is fixed by the keys).
Eigen::VectorXd flatten(const WeightMap& w) {
    size_t n = 0;
    for (const auto& [k, m] : w) n += m.size();
    Eigen::VectorXd x(n);
    size_t at = 0;
    for (const auto& [k, m] : w) {
        x.segment(at, m.size()) = Eigen::Map<const Eigen::VectorXd>(m.data(), m.size());
        at += m.size();
    }
    return x;
}
void unflatten(const Eigen::VectorXd& x, WeightMap& w) {
    size_t at = 0;
    for (auto& [k, m] : w) {
        Eigen::Map<Eigen::VectorXd>(m.data(), m.size()) = x.segment(at, m.size());
        at += m.size();
    }
}

WeightMap zeros_like(const WeightMap& w) {
    WeightMap z;
    for (const auto& [k, m] : w) z[k] = Eigen::MatrixXd::Zero(m.rows(), m.cols());
    return z;
}

}  // namespace

IndirectLoss indirect_loss(const HamiltonianModel& model, const std::vector<const TrainingExample*>& examples,
                           const WeightMap& weights, const WeightMap* anchor, double penalty, bool with_gradient,
                           ThreadPool& pool) {
    IndirectLoss result;
    if (examples.empty()) return result;
    std::mutex mutex;
    std::vector<double> losses(examples.size());
    if (with_gradient) result.gradient = zeros_like(weights);
    pool.parallel_for(examples.size(), [&](size_t e) {
        WeightMap local;
        if (with_gradient) local = zeros_like(weights);
        losses[e] = structure_loss(model, *examples[e], weights, with_gradient ? &local : nullptr);
        if (with_gradient) {
            std::lock_guard<std::mutex> lock(mutex);
            for (auto& [k, m] : local) result.gradient[k] += m;
        }
    });
    const double n = static_cast<double>(examples.size());
    result.loss = std::accumulate(losses.begin(), losses.end(), 0.0) / n;
    if (with_gradient)
        for (auto& [k, m] : result.gradient) m /= n;
    if (anchor && penalty > 0) {
        // A sum, not a mean: the penalty per weight must not shrink as features are added
        // (a mean over ~50 000 weights made it vanish and the fit over-fitted; docs/accuracy.md).
        for (const auto& [k, w] : weights) {
            const Eigen::MatrixXd diff = w - anchor->at(k);
            result.loss += penalty * diff.squaredNorm();
            if (with_gradient) result.gradient[k] += 2 * penalty * diff;
        }
    }
    return result;
}

IndirectReport train_indirect(HamiltonianModel& model, const std::vector<TrainingExample>& examples,
                              const IndirectSettings& settings, ThreadPool& pool, const ProgressCallback& progress) {
    if (model.families.empty()) throw InvalidArgument("indirect training starts from a direct fit: train_direct first");
    if (examples.empty()) throw InvalidArgument("indirect training needs at least one structure");

    // Validation split over molecules.
    std::vector<int> molecules;
    for (const auto& ex : examples) molecules.push_back(ex.reference->molecule);
    std::sort(molecules.begin(), molecules.end());
    molecules.erase(std::unique(molecules.begin(), molecules.end()), molecules.end());
    std::mt19937_64 rng(settings.seed + 17);
    std::shuffle(molecules.begin(), molecules.end(), rng);
    if (settings.validate_on_largest) {
        std::map<int, size_t> atoms;
        for (const auto& ex : examples) atoms[ex.reference->molecule] = std::max(atoms[ex.reference->molecule], ex.reference->system.size());
        std::stable_sort(molecules.begin(), molecules.end(), [&](int a, int b) { return atoms[a] > atoms[b]; });
    }
    size_t n_validation = static_cast<size_t>(std::ceil(settings.validation_fraction * molecules.size()));
    if (molecules.size() < 2 || settings.validation_fraction <= 0) n_validation = 0;
    n_validation = std::min(n_validation, molecules.size() - 1);
    const std::vector<int> held(molecules.begin(), molecules.begin() + n_validation);
    std::vector<const TrainingExample*> train, validation;
    for (const auto& ex : examples)
        (std::find(held.begin(), held.end(), ex.reference->molecule) != held.end() ? validation : train).push_back(&ex);

    WeightMap weights, anchor;
    for (const auto& [k, fam] : model.families) weights[k] = fam.direct;
    anchor = weights;
    WeightMap m = zeros_like(weights), v = zeros_like(weights), best = weights;

    auto evaluate = [&](const std::vector<const TrainingExample*>& set) {
        return set.empty() ? 0.0 : indirect_loss(model, set, weights, nullptr, 0, false, pool).loss;
    };
    IndirectReport report;
    report.validation_molecules = held;
    report.initial_train = evaluate(train);
    report.initial_validation = validation.empty() ? report.initial_train : evaluate(validation);
    report.best_train = report.initial_train;
    report.best_validation = report.initial_validation;
    if (progress) progress({"indirect", 0, static_cast<size_t>(settings.epochs), report.initial_train, report.initial_validation});

    const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-12;
    long step = 0;
    int since_best = 0;
    const size_t batch = settings.batch_size > 0 ? static_cast<size_t>(settings.batch_size) : train.size();
    // L-BFGS state: full-batch loss and gradient at the current weights, curvature pairs.
    std::vector<Eigen::VectorXd> history_s, history_y;
    Eigen::VectorXd x, g;
    double f = 0;
    auto full_loss = [&](const Eigen::VectorXd& at, Eigen::VectorXd& gradient) {
        unflatten(at, weights);
        const IndirectLoss loss = indirect_loss(model, train, weights, &anchor, settings.penalty, true, pool);
        gradient = flatten(loss.gradient);
        return loss.loss;
    };
    if (settings.optimizer == IndirectOptimizer::Lbfgs) {
        x = flatten(weights);
        f = full_loss(x, g);
    }
    for (int epoch = 1; epoch <= settings.epochs; ++epoch) {
        double train_loss = 0;
        if (settings.optimizer == IndirectOptimizer::Lbfgs) {
            // Two-loop recursion for the direction, then backtracking (Armijo) along it.
            Eigen::VectorXd d = -g;
            std::vector<double> a(history_s.size());
            for (size_t k = history_s.size(); k-- > 0;) {
                a[k] = history_s[k].dot(d) / history_y[k].dot(history_s[k]);
                d -= a[k] * history_y[k];
            }
            double t = 1;
            if (!history_s.empty()) {
                d *= history_s.back().dot(history_y.back()) / history_y.back().squaredNorm();
                for (size_t k = 0; k < history_s.size(); ++k) {
                    const double b = history_y[k].dot(d) / history_y[k].dot(history_s[k]);
                    d += (a[k] - b) * history_s[k];
                }
            } else {
                t = settings.first_step / std::max(d.cwiseAbs().maxCoeff(), 1e-300);  // first step: max |dw| = first_step
            }
            double slope = g.dot(d);
            if (!(slope < 0)) {  // not a descent direction: restart from the gradient
                history_s.clear();
                history_y.clear();
                d = -g;
                slope = g.dot(d);
                t = settings.first_step / std::max(d.cwiseAbs().maxCoeff(), 1e-300);
            }
            Eigen::VectorXd x_new, g_new;
            double f_new = f;
            bool accepted = false;
            for (int tries = 0; tries < 30; ++tries, t *= 0.5) {
                x_new = x + t * d;
                f_new = full_loss(x_new, g_new);
                if (std::isfinite(f_new) && f_new <= f + 1e-4 * t * slope) {
                    accepted = true;
                    break;
                }
            }
            if (!accepted) {  // no decrease along the direction: converged as far as it goes
                unflatten(x, weights);
                report.epochs = epoch;
                break;
            }
            const Eigen::VectorXd sk = x_new - x, yk = g_new - g;
            if (sk.dot(yk) > 1e-12 * sk.norm() * yk.norm()) {
                history_s.push_back(sk);
                history_y.push_back(yk);
                if (history_s.size() > 10) {
                    history_s.erase(history_s.begin());
                    history_y.erase(history_y.begin());
                }
            }
            x = std::move(x_new);
            g = std::move(g_new);
            f = f_new;
            unflatten(x, weights);
            train_loss = f * train.size();
        } else {
        std::shuffle(train.begin(), train.end(), rng);
        for (size_t start = 0; start < train.size(); start += batch) {
            const std::vector<const TrainingExample*> part(train.begin() + start,
                                                           train.begin() + std::min(train.size(), start + batch));
            const IndirectLoss loss = indirect_loss(model, part, weights, &anchor, settings.penalty, true, pool);
            train_loss += loss.loss * part.size();
            ++step;
            const double c1 = 1 - std::pow(beta1, step), c2 = 1 - std::pow(beta2, step);
            for (auto& [k, w] : weights) {
                const Eigen::MatrixXd& g = loss.gradient.at(k);
                m[k] = beta1 * m[k] + (1 - beta1) * g;
                v[k] = beta2 * v[k] + (1 - beta2) * g.cwiseProduct(g);
                w.array() -= settings.learning_rate * (m[k].array() / c1) / ((v[k].array() / c2).sqrt() + epsilon);
            }
        }
        }
        train_loss /= std::max<size_t>(train.size(), 1);
        const double validation_loss = validation.empty() ? evaluate(train) : evaluate(validation);
        report.epochs = epoch;
        if (validation_loss < report.best_validation) {
            report.best_validation = validation_loss;
            report.best_train = train_loss;
            report.best_epoch = epoch;
            best = weights;
            since_best = 0;
        } else if (++since_best >= settings.patience) {
            if (progress) progress({"indirect", static_cast<size_t>(epoch), static_cast<size_t>(settings.epochs), train_loss, validation_loss});
            break;
        }
        if (progress) progress({"indirect", static_cast<size_t>(epoch), static_cast<size_t>(settings.epochs), train_loss, validation_loss});
    }
    for (auto& [k, fam] : model.families) fam.indirect = best.at(k);
    return report;
}

}  // namespace hamd
