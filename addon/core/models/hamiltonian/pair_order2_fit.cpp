#include "core/models/hamiltonian/pair_order2_fit.hpp"

#include <mutex>

#include <Eigen/Dense>

#include "core/base/errors.hpp"
#include "core/descriptors/correlation/equivariant_pca.hpp"

namespace hamd {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Covariances keyed like the projections; rows are gathered per structure, then added in one
// rank update (a matrix product rather than one small update per pair).
template <class Key>
struct Accumulator {
    std::map<Key, Eigen::MatrixXd> covariance;
    void add(const Key& key, const std::vector<double>& rows, size_t n_in) {
        if (rows.empty()) return;
        const Eigen::Map<const RowMatrix> X(rows.data(), static_cast<Eigen::Index>(rows.size() / n_in), static_cast<Eigen::Index>(n_in));
        Eigen::MatrixXd& c = covariance[key];
        if (c.size() == 0) c = Eigen::MatrixXd::Zero(n_in, n_in);
        c.selfadjointView<Eigen::Lower>().rankUpdate(X.transpose());
    }
};

template <class Key>
std::map<Key, std::vector<double>> project(const std::map<Key, Eigen::MatrixXd>& covariance,
                                           const std::function<size_t(const Key&)>& n_out, ThreadPool& pool) {
    std::vector<const std::pair<const Key, Eigen::MatrixXd>*> entries;
    for (const auto& entry : covariance) entries.push_back(&entry);
    std::vector<std::vector<double>> result(entries.size());
    pool.parallel_for(entries.size(), [&](size_t k) {
        result[k] = leading_eigenvectors(symmetric_eigen(entries[k]->second), n_out(entries[k]->first));
    });
    std::map<Key, std::vector<double>> out;
    for (size_t k = 0; k < entries.size(); ++k) out[entries[k]->first] = std::move(result[k]);
    return out;
}

}  // namespace

PairOrder2Projection fit_pair_order2(const HamiltonianFeaturizer& featurizer, const std::vector<System>& systems,
                                     ThreadPool& pool) {
    const HamiltonianFeatureSettings& fs = featurizer.settings();
    if (fs.pair_order2_components <= 0) throw InvalidArgument("fit_pair_order2: pair_order2_components must be > 0");
    const ExpansionSetup& setup = featurizer.expansion_setup();
    const PairOrder2 order2(setup, fs.max_lambda, fs.pair_order2_components, fs.pair_order2_density_components, nullptr);
    const bool density = fs.pair_order2_density_components > 0;
    const int L = setup.max_angular(), row = setup.row_size();
    using PairKey = std::array<int, 4>;
    using DensityKey = std::array<int, 2>;
    Accumulator<PairKey> pairs;
    Accumulator<DensityKey> densities;
    std::mutex mutex;
    pool.parallel_for(systems.size(), [&](size_t s) {
        const System& system = systems[s];
        const int n_atoms = static_cast<int>(system.size());
        const HamiltonianFeaturizer::Inputs in = featurizer.inputs(system);
        std::map<PairKey, std::vector<double>> pair_rows;
        std::map<DensityKey, std::vector<double>> density_rows;
        std::vector<double> raw;
        for (int i = 0; i < n_atoms; ++i)
            for (int j = 0; j < n_atoms; ++j) {
                const int p = in.pair_of[static_cast<size_t>(i) * n_atoms + j];
                if (p < 0) continue;
                for (int lambda1 = 0; lambda1 <= fs.max_lambda; ++lambda1)
                    for (int sigma1 : {1, -1}) {
                        const size_t n_in = order2.n_in(lambda1, sigma1);
                        if (n_in == 0) continue;
                        raw.resize((2 * lambda1 + 1) * n_in);
                        order2.order1(lambda1, sigma1, in.expansion[i].data(), in.pair_terms[p].data(), raw.data());
                        auto& rows = pair_rows[{system.types[i], system.types[j], lambda1, sigma1}];
                        rows.insert(rows.end(), raw.begin(), raw.end());
                    }
            }
        if (density)
            for (int i = 0; i < n_atoms; ++i)
                for (int l = 0; l <= L; ++l) {
                    auto& rows = density_rows[{system.types[i], l}];
                    const double* c = in.expansion[i].data() + static_cast<size_t>(l * l) * row;
                    rows.insert(rows.end(), c, c + static_cast<size_t>(2 * l + 1) * row);
                }
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& [key, rows] : pair_rows) pairs.add(key, rows, order2.n_in(key[2], key[3]));
        for (const auto& [key, rows] : density_rows) densities.add(key, rows, static_cast<size_t>(row));
    });
    PairOrder2Projection projection;
    projection.pair = project<PairKey>(
        pairs.covariance, [&](const PairKey& key) { return order2.n_out(key[2], key[3]); }, pool);
    if (density)
        projection.density = project<DensityKey>(
            densities.covariance, [&](const DensityKey&) { return order2.density_out(); }, pool);
    return projection;
}

}  // namespace hamd
