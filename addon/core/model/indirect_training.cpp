// Indirect refinement on large-basis orbital energies (hamiltonian_training.hpp, SCIENCE.md section 3).
#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>

#include "core/errors.hpp"
#include "core/hamiltonian/spectrum_loss.hpp"
#include "core/model/hamiltonian_training.hpp"

namespace hamd {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using WeightMap = std::map<FeatureFamilyKey, Eigen::MatrixXd>;

namespace {

size_t weight_count(const WeightMap& w) {
    size_t n = 0;
    for (const auto& [k, m] : w) n += m.size();
    return n;
}

// Loss of one structure and (optionally) its gradient with respect to every family's weights.
double structure_loss(const HamiltonianModel& model, const TrainingExample& ex, const WeightMap& weights,
                      WeightMap* gradient) {
    const System& system = ex.reference->system;
    const CoupledHamiltonian blocks = model.predict_blocks_with(system, ex.features, weights);
    const Eigen::MatrixXd F = decouple(model.basis(), {system}, blocks)[0];
    SpectrumLossOptions options;
    options.weights = ex.level_weights;
    options.gradient = gradient != nullptr;
    const SpectrumLoss loss = spectrum_loss(F, ex.levels, options);
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
        const double count = static_cast<double>(weight_count(weights));
        for (const auto& [k, w] : weights) {
            const Eigen::MatrixXd diff = w - anchor->at(k);
            result.loss += penalty * diff.squaredNorm() / count;
            if (with_gradient) result.gradient[k] += 2 * penalty / count * diff;
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
    for (int epoch = 1; epoch <= settings.epochs; ++epoch) {
        std::shuffle(train.begin(), train.end(), rng);
        double train_loss = 0;
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
