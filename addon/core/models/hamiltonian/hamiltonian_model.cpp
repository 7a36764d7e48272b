#include "core/models/hamiltonian/hamiltonian_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

int FamilyWeights::column(const BlockKey& key) const {
    auto it = std::lower_bound(keys.begin(), keys.end(), key);
    return it != keys.end() && *it == key ? static_cast<int>(it - keys.begin()) : -1;
}

HamiltonianModel::HamiltonianModel(Basis basis, HamiltonianFeatureSettings features)
    : basis_(std::move(basis)), featurizer_([&] {
          if (features.species.empty()) features.species = basis_.elements();
          return features;
      }()) {}

bool HamiltonianModel::has_indirect() const {
    for (const auto& [key, family] : families)
        if (family.indirect.size() > 0) return true;
    return false;
}

void HamiltonianModel::validate_input(const System& system, size_t index) const {
    validate_system(system, index);
    if (system.periodic())
        throw InvalidArgument("system " + std::to_string(index) + ": Hamiltonian models take molecules (no periodic cell)");
    const auto known = species();
    for (size_t a = 0; a < system.size(); ++a) {
        if (!std::binary_search(known.begin(), known.end(), system.types[a])) {
            std::string list;
            for (int z : known) list += (list.empty() ? "" : ", ") + element_symbol(z);
            throw InvalidArgument("system " + std::to_string(index) + ": atom " + std::to_string(a) + " is " +
                                  element_symbol(system.types[a]) + ", an element the model does not know (it knows " +
                                  list + ")");
        }
    }
    for (size_t a = 0; a < system.size(); ++a)
        for (size_t b = a + 1; b < system.size(); ++b) {
            double r2 = 0;
            for (int d = 0; d < 3; ++d) {
                const double x = system.positions[3 * a + d] - system.positions[3 * b + d];
                r2 += x * x;
            }
            if (r2 < 0.09)
                throw InvalidArgument("system " + std::to_string(index) + ": atoms " + std::to_string(a) + " and " +
                                      std::to_string(b) + " are " + std::to_string(std::sqrt(r2)) +
                                      " Angstrom apart (closer than 0.3 Angstrom)");
        }
}

const Eigen::MatrixXd& HamiltonianModel::weights(const FamilyWeights& family, ModelVariant variant) const {
    if (variant == ModelVariant::Direct) return family.direct;
    if (variant == ModelVariant::Indirect) {
        if (family.indirect.size() == 0) throw InvalidArgument("the model has no indirect (eigenvalue-trained) weights");
        return family.indirect;
    }
    return family.indirect.size() > 0 ? family.indirect : family.direct;
}

std::vector<FeatureFamilyKey> HamiltonianModel::family_keys() const {
    std::vector<FeatureFamilyKey> keys;
    for (const auto& [key, family] : families) keys.push_back(key);
    return keys;
}

CoupledHamiltonian HamiltonianModel::predict_blocks(const System& system, const StructureFeatures& features,
                                                    ModelVariant variant) const {
    std::map<FeatureFamilyKey, Eigen::MatrixXd> w;
    for (const auto& [key, family] : families) w[key] = weights(family, variant);
    return predict_blocks_with(system, features, w);
}

CoupledHamiltonian HamiltonianModel::predict_blocks_with(const System& system, const StructureFeatures& features,
                                                         const std::map<FeatureFamilyKey, Eigen::MatrixXd>& weights) const {
    using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    CoupledHamiltonian layout = coupled_layout(basis_, {system}, pair_cutoff());
    // One matrix product per family: (rows x width) . diag(scale) W (width x keys).
    std::map<FeatureFamilyKey, Eigen::MatrixXd> products;
    for (const auto& [key, block] : features) {
        auto fam = families.find(key);
        auto w = weights.find(key);
        if (fam == families.end() || w == weights.end()) continue;
        const Eigen::Map<const RowMatrix> X(block.values.data(), block.samples.size() * block.components, block.width);
        const Eigen::Map<const Eigen::VectorXd> scale(fam->second.scale.data(), block.width);
        products[key] = X * (scale.asDiagonal() * w->second);
    }
    for (CoupledBlock& block : layout.blocks) {
        const FeatureFamilyKey family = feature_family_of(block.key);
        auto fam = families.find(family);
        auto product = products.find(family);
        auto feats = features.find(family);
        if (fam == families.end() || product == products.end()) continue;  // unknown key: zero block
        const int column = fam->second.column(block.key);
        if (column < 0) continue;
        const int comps = block.components();
        for (size_t s = 0; s < block.samples.size(); ++s) {
            const int row = feats->second.find(block.samples[s].atom_i, block.samples[s].atom_j);
            if (row < 0) continue;
            for (int mu = 0; mu < comps; ++mu)
                block.values[s * comps + mu] = product->second(static_cast<Eigen::Index>(row) * comps + mu, column);
        }
    }
    return layout;
}

Eigen::MatrixXd HamiltonianModel::predict_orthogonal(const System& system, ModelVariant variant,
                                                     const std::atomic<bool>* cancel) const {
    auto poll = [&] {
        if (cancel && cancel->load()) throw Cancelled();
    };
    validate_input(system);
    const StructureFeatures features = featurizer_.compute(system, family_keys());
    poll();
    const CoupledHamiltonian blocks = predict_blocks(system, features, variant);
    poll();
    return decouple(basis_, {system}, blocks)[0];
}

}  // namespace hamd
