// Direct ridge fit of the coupled STO-3G F' (hamiltonian_training.hpp).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <set>

#include "core/base/errors.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/training/hamiltonian_training.hpp"

namespace hamd {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::vector<double> level_weights(const ReferenceStructure& reference, int n_levels, const LevelWeights& weights) {
    int heavy = 0;
    for (int32_t z : reference.system.types) heavy += z > 2;
    const int occupied = reference.occupied();
    std::vector<double> w(n_levels);
    for (int k = 0; k < n_levels; ++k)
        w[k] = k < heavy ? weights.core : k < occupied ? weights.occupied : k == occupied ? weights.lumo : weights.virtuals;
    if (weights.virtual_match_ev > 0)
        for (int k = occupied; k < n_levels; ++k) {
            const bool matched = k < static_cast<int>(reference.minimal_energies.size()) &&
                                 k < static_cast<int>(reference.large_energies.size()) &&
                                 std::fabs(reference.minimal_energies[k] - reference.large_energies[k]) * kHartreeEv <
                                     weights.virtual_match_ev;
            if (!matched) w[k] = 0;
        }
    return w;
}

LevelTargets level_targets(const ReferenceStructure& reference, int n_levels, const LevelWeights& weights) {
    LevelTargets t;
    t.targets.assign(reference.large_energies.begin(), reference.large_energies.begin() + n_levels);
    t.weights = level_weights(reference, n_levels, weights);
    const int occupied = reference.occupied();
    if (occupied < n_levels) {
        const double lumo_gap_ev =
            std::fabs(reference.minimal_energies[occupied] - reference.large_energies[occupied]) * kHartreeEv;
        t.lumo_is_large_lumo = weights.virtual_match_ev <= 0 || lumo_gap_ev < weights.virtual_match_ev;
    }
    if (weights.valence_virtuals <= 0 || reference.large_character.empty()) return t;
    // Pairing by character: the k-th predicted virtual with the k-th large-basis virtual of
    // valence character.
    const int large_levels = static_cast<int>(reference.large_energies.size());
    int next = occupied;
    for (int slot = occupied; slot < n_levels; ++slot) {
        t.weights[static_cast<size_t>(slot)] = 0;
        if (slot - occupied >= weights.valence_virtuals) continue;
        while (next < large_levels && reference.large_character[static_cast<size_t>(next)] < weights.valence_character) ++next;
        if (next >= large_levels) continue;
        if (slot == occupied) t.lumo_is_large_lumo = next == occupied;
        t.targets[static_cast<size_t>(slot)] = reference.large_energies[static_cast<size_t>(next)];
        t.weights[static_cast<size_t>(slot)] = slot == occupied ? weights.lumo : weights.valence_virtual_weight;
        ++t.paired_virtuals;
        ++next;
    }
    if (t.paired_virtuals == 0) t.lumo_is_large_lumo = false;
    return t;
}

std::vector<TrainingExample> prepare_examples(const HamiltonianModel& model, const std::vector<const ReferenceStructure*>& structures,
                                              const LevelWeights& levels, ThreadPool& pool, const ProgressCallback& progress) {
    std::vector<TrainingExample> examples(structures.size());
    std::mutex mutex;
    size_t done = 0;
    const std::vector<FeatureFamilyKey> wanted = model.family_keys();  // empty before training: all
    pool.parallel_for(structures.size(), [&](size_t s) {
        TrainingExample& ex = examples[s];
        ex.reference = structures[s];
        const System& system = ex.reference->system;
        model.validate_input(system, s);
        ex.features = model.featurizer().compute(system, wanted);
        ex.targets = couple(model.basis(), {system}, {ex.reference->orthogonal_fock}, model.pair_cutoff());
        const int n = static_cast<int>(ex.reference->orthogonal_fock.rows());
        LevelTargets targets = level_targets(*ex.reference, n, levels);
        ex.levels = std::move(targets.targets);
        ex.level_weights = std::move(targets.weights);
        ex.paired_virtuals = targets.paired_virtuals;
        ex.lumo_is_large_lumo = targets.lumo_is_large_lumo;
        ex.charge_weight = ex.reference->large_charges.empty() ? 0.0 : levels.charges;
        ex.density_weight = levels.density_matrix;
        if (ex.density_weight > 0) {
            const SymmetricEigen reference = symmetric_eigen(ex.reference->orthogonal_fock);
            const int occ = ex.reference->occupied();
            ex.reference_density = 2.0 * reference.vectors.leftCols(occ) * reference.vectors.leftCols(occ).transpose();
        }
        const OrbitalLayout layout(model.basis(), system.types);  // named: labels() refers into it
        for (const OrbitalLabel& label : layout.labels()) ex.orbital_atom.push_back(label.atom);
        if (progress) {
            std::lock_guard<std::mutex> lock(mutex);
            progress({"features", ++done, structures.size(), 0, 0});
        }
    });
    return examples;
}

namespace {

// Rows of the targets of `keys` aligned with the family's feature rows.
RowMatrix target_rows(const TrainingExample& ex, const FeatureBlock& block, const std::vector<BlockKey>& keys) {
    RowMatrix Y = RowMatrix::Zero(block.samples.size() * block.components, keys.size());
    for (size_t k = 0; k < keys.size(); ++k) {
        const CoupledBlock* target = ex.targets.find(keys[k]);
        if (!target) continue;
        const int comps = target->components();
        for (size_t s = 0; s < target->samples.size(); ++s) {
            const int row = block.find(target->samples[s].atom_i, target->samples[s].atom_j);
            if (row < 0) continue;
            for (int mu = 0; mu < comps; ++mu) Y(row * comps + mu, k) = target->values[s * comps + mu];
        }
    }
    return Y;
}

}  // namespace

DirectReport train_direct(HamiltonianModel& model, const std::vector<TrainingExample>& examples,
                          const RidgeSettings& settings, ThreadPool& pool, const ProgressCallback& progress) {
    if (examples.empty()) throw InvalidArgument("direct training needs at least one structure");
    if (settings.alphas.empty()) throw InvalidArgument("ridge: the alpha grid is empty");

    // Families and their keys, from the targets.
    std::map<FeatureFamilyKey, std::set<BlockKey>> keys_of;
    for (const auto& ex : examples)
        for (const auto& block : ex.targets.blocks) keys_of[feature_family_of(block.key)].insert(block.key);

    // Folds over molecules (structures of one molecule stay together).
    std::vector<int> molecules;
    for (const auto& ex : examples) molecules.push_back(ex.reference->molecule);
    std::vector<int> distinct = molecules;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    const int folds = std::max(1, std::min<int>(settings.folds, static_cast<int>(distinct.size())));
    std::mt19937_64 rng(settings.seed);
    std::shuffle(distinct.begin(), distinct.end(), rng);
    std::map<int, int> fold_of_molecule;
    for (size_t k = 0; k < distinct.size(); ++k) fold_of_molecule[distinct[k]] = static_cast<int>(k % folds);

    std::vector<FeatureFamilyKey> family_list;
    for (const auto& [key, keys] : keys_of) family_list.push_back(key);
    model.families.clear();
    std::vector<FamilyWeights> fitted(family_list.size());
    std::vector<double> cv_error(family_list.size(), 0.0), cv_count(family_list.size(), 0.0);
    std::mutex mutex;
    size_t done = 0;

    pool.parallel_for(family_list.size(), [&](size_t f) {
        const FeatureFamilyKey key = family_list[f];
        FamilyWeights& out = fitted[f];
        out.family = key;
        out.width = model.featurizer().width(key);
        out.keys.assign(keys_of.at(key).begin(), keys_of.at(key).end());
        const int p = out.width, K = static_cast<int>(out.keys.size());

        // Per-feature scale: inverse RMS over all rows (0 for features that never fire).
        Eigen::VectorXd sumsq = Eigen::VectorXd::Zero(p);
        double rows = 0;
        for (const auto& ex : examples) {
            auto it = ex.features.find(key);
            if (it == ex.features.end()) continue;
            const Eigen::Map<const RowMatrix> X(it->second.values.data(), it->second.samples.size() * it->second.components, p);
            sumsq += X.colwise().squaredNorm().transpose();
            rows += X.rows();
        }
        out.scale.assign(p, 0.0);
        const int n_features = has_bias(key) ? p - 1 : p;
        if (settings.per_feature_scale) {
            for (int k = 0; k < n_features; ++k) {
                const double rms = rows > 0 ? std::sqrt(sumsq[k] / rows) : 0.0;
                out.scale[k] = rms > 1e-12 ? 1.0 / rms : 0.0;
            }
        } else {
            // One scalar: the mean squared feature is 1 over the training rows.
            const double rms = rows > 0 && n_features > 0 ? std::sqrt(sumsq.head(n_features).sum() / (rows * n_features)) : 0.0;
            for (int k = 0; k < n_features; ++k) out.scale[k] = rms > 1e-12 ? 1.0 / rms : 0.0;
        }
        if (n_features < p) out.scale[p - 1] = 1.0;  // the constant
        const Eigen::Map<const Eigen::VectorXd> scale(out.scale.data(), p);

        // Gram matrices per fold.
        std::vector<Eigen::MatrixXd> G(folds, Eigen::MatrixXd::Zero(p, p)), B(folds, Eigen::MatrixXd::Zero(p, K));
        std::vector<Eigen::VectorXd> yy(folds, Eigen::VectorXd::Zero(K));
        for (size_t e = 0; e < examples.size(); ++e) {
            const auto& ex = examples[e];
            auto it = ex.features.find(key);
            if (it == ex.features.end()) continue;
            const int fold = fold_of_molecule.at(molecules[e]);
            const Eigen::Map<const RowMatrix> X0(it->second.values.data(), it->second.samples.size() * it->second.components, p);
            const Eigen::MatrixXd X = X0 * scale.asDiagonal();
            const RowMatrix Y = target_rows(ex, it->second, out.keys);
            G[fold].selfadjointView<Eigen::Lower>().rankUpdate(X.transpose());
            B[fold].noalias() += X.transpose() * Y;
            yy[fold] += Y.colwise().squaredNorm().transpose();
        }
        Eigen::MatrixXd Gall = Eigen::MatrixXd::Zero(p, p), Ball = Eigen::MatrixXd::Zero(p, K);
        for (int k = 0; k < folds; ++k) {
            G[k] = G[k].selfadjointView<Eigen::Lower>();
            Gall += G[k];
            Ball += B[k];
        }
        // Invariant families end with the constant feature: it is an unpenalised intercept
        // (centring), so that strong regularisation never shrinks e.g. core-level on-site terms.
        const bool intercept = has_bias(key);
        const int q = intercept ? p - 1 : p;
        // Ridge fit on Grams (Gt, Bt) for every alpha: columns of the returned p x K matrices.
        auto fit = [&](const Eigen::MatrixXd& Gt, const Eigen::MatrixXd& Bt, const std::vector<double>& alphas_rel,
                       double* mean_diagonal_out) {
            Eigen::MatrixXd Gc = Gt.topLeftCorner(q, q), Bc = Bt.topRows(q);
            Eigen::VectorXd s;
            Eigen::RowVectorXd sy;
            double n = 0;
            if (intercept) {
                n = std::max(Gt(q, q), 1e-300);
                s = Gt.col(q).head(q);
                sy = Bt.row(q);
                Gc -= s * s.transpose() / n;
                Bc -= s * sy / n;
            }
            // Scaled features: the diagonal is ~ the row count; the floor guards empty or rank-0 folds.
            const double mean_diagonal = std::max(Gc.trace() / std::max(q, 1), 1e-8);
            if (mean_diagonal_out) *mean_diagonal_out = mean_diagonal;
            std::vector<Eigen::MatrixXd> result;
            if (q == 0) {  // only the intercept
                Eigen::MatrixXd w(p, K);
                w.row(0) = sy / n;
                result.assign(alphas_rel.size(), w);
                return result;
            }
            const SymmetricEigen eig = symmetric_eigen(Gc);
            const Eigen::MatrixXd projected = eig.vectors.transpose() * Bc;
            for (double alpha_rel : alphas_rel) {
                const Eigen::VectorXd inverse = (eig.values.array().max(0.0) + alpha_rel * mean_diagonal).inverse();
                Eigen::MatrixXd w(p, K);
                w.topRows(q) = eig.vectors * (inverse.asDiagonal() * projected);
                if (intercept) w.row(q) = (sy - s.transpose() * w.topRows(q)) / n;
                result.push_back(std::move(w));
            }
            return result;
        };

        // Cross-validation error of every alpha and key, from the Grams alone:
        // |y_f - X_f w|^2 = y_f.y_f - 2 w.B_f + w^T G_f w with w fitted on the other folds.
        const size_t A = settings.alphas.size();
        Eigen::MatrixXd error = Eigen::MatrixXd::Zero(A, K);
        if (folds > 1) {
            for (int k = 0; k < folds; ++k) {
                const auto ws = fit(Gall - G[k], Ball - B[k], settings.alphas, nullptr);
                for (size_t a = 0; a < A; ++a) {
                    const Eigen::MatrixXd Gw = G[k] * ws[a];
                    for (int j = 0; j < K; ++j)
                        error(a, j) += yy[k][j] - 2 * ws[a].col(j).dot(B[k].col(j)) + ws[a].col(j).dot(Gw.col(j));
                }
            }
        }
        // Final fit on everything with each key's best alpha.
        std::vector<double> chosen(K);
        double total_cv = 0;
        for (int j = 0; j < K; ++j) {
            // Keys whose samples all sit in one fold get no CV information (NaN): middle of the grid.
            Eigen::Index best = static_cast<Eigen::Index>(A / 2);
            double lowest = std::numeric_limits<double>::infinity();
            for (size_t a = 0; a < A && folds > 1; ++a)
                if (std::isfinite(error(a, j)) && error(a, j) < lowest) {
                    lowest = error(a, j);
                    best = static_cast<Eigen::Index>(a);
                }
            chosen[j] = settings.alphas[best];
            if (std::getenv("HAMD_DEBUG_RIDGE")) {
                const BlockKey& b = out.keys[j];
                std::fprintf(stderr, "cvkey t%d %d-%d %d%d-%d%d L%d s%d rows %.0f alpha %.0e rmse %.5f yrms %.5f\n", b.block_type,
                             b.species_i, b.species_j, b.n_i, b.l_i, b.n_j, b.l_j, b.lambda, b.sigma, rows, chosen[j],
                             std::sqrt(std::max(error(best, j), 0.0) / rows), [&] { double t = 0; for (auto& v : yy) t += v[j]; return std::sqrt(t / rows); }());
            }
            if (folds > 1 && std::isfinite(error(best, j))) total_cv += std::max(error(best, j), 0.0);
        }
        double mean_diagonal = 1;
        const auto final_fits = fit(Gall, Ball, chosen, &mean_diagonal);
        out.direct.resize(p, K);
        out.alpha.resize(K);
        for (int j = 0; j < K; ++j) {
            out.direct.col(j) = final_fits[j].col(j);
            out.alpha[j] = chosen[j] * mean_diagonal;
        }
        cv_error[f] = total_cv;
        cv_count[f] = rows * K;
        std::lock_guard<std::mutex> lock(mutex);
        if (progress) progress({"ridge", ++done, family_list.size(), 0, 0});
    });

    DirectReport report;
    double cv_sum = 0, cv_n = 0;
    for (size_t f = 0; f < family_list.size(); ++f) {
        report.n_keys += fitted[f].keys.size();
        report.n_weights += fitted[f].direct.size();
        cv_sum += cv_error[f];
        cv_n += cv_count[f];
        model.families[family_list[f]] = std::move(fitted[f]);
    }
    report.cv_rmse = cv_n > 0 ? std::sqrt(cv_sum / cv_n) : 0;

    // Training error of the assembled F'.
    std::vector<double> mae(examples.size()), maxerr(examples.size()), count(examples.size());
    pool.parallel_for(examples.size(), [&](size_t e) {
        const System& system = examples[e].reference->system;
        const CoupledHamiltonian blocks = model.predict_blocks(system, examples[e].features, ModelVariant::Direct);
        const Eigen::MatrixXd diff = decouple(model.basis(), {system}, blocks)[0] - examples[e].reference->orthogonal_fock;
        mae[e] = diff.cwiseAbs().sum();
        maxerr[e] = diff.cwiseAbs().maxCoeff();
        count[e] = static_cast<double>(diff.size());
    });
    report.train_fock_mae = std::accumulate(mae.begin(), mae.end(), 0.0) / std::accumulate(count.begin(), count.end(), 0.0);
    report.train_fock_max = *std::max_element(maxerr.begin(), maxerr.end());
    return report;
}

}  // namespace hamd
