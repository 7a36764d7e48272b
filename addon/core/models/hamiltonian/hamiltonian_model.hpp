// A symmetry-adapted linear model of the Loewdin-orthogonal minimal-basis Hamiltonian F'
// (docs/science.md#hamiltonian-model): one weight vector per irreducible block key, shared by the
// 2 lambda + 1 components, applied to the features of hamiltonian_features.hpp.
//
// Every family of features (type, species pair, lambda, sigma) has a per-feature scale (inverse
// RMS over the training rows; a scalar per feature keeps equivariance) and a weight matrix
// width x keys in the scaled space: block values = (x .* scale) . W[:, key].
// Two weight sets may be present: the direct ridge fit to the STO-3G F', and the indirect
// refinement on def2-TZVP orbital energies.
#pragma once
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/qc/basis.hpp"
#include "core/qc/block_coupling.hpp"
#include "core/models/hamiltonian/hamiltonian_features.hpp"
#include "core/models/hamiltonian/orbital_validity.hpp"
#include "core/systems/system.hpp"

namespace hamd {

struct FamilyWeights {
    FeatureFamilyKey family{};
    int width = 0;
    std::vector<double> scale;       // width
    std::vector<BlockKey> keys;      // target blocks served by this family, ascending
    Eigen::MatrixXd direct;          // width x keys
    Eigen::MatrixXd indirect;        // width x keys, or empty
    std::vector<double> alpha;       // ridge regularisation chosen per key (absolute, scaled space)
    int column(const BlockKey& key) const;  // -1 if absent
};

enum class ModelVariant { Best, Direct, Indirect };  // Best: indirect when trained, else direct

class HamiltonianModel {
public:
    HamiltonianModel(Basis basis, HamiltonianFeatureSettings features);

    const Basis& basis() const { return basis_; }
    const HamiltonianFeaturizer& featurizer() const { return featurizer_; }
    const HamiltonianFeatureSettings& feature_settings() const { return featurizer_.settings(); }
    double pair_cutoff() const { return featurizer_.pair_cutoff(); }
    std::vector<int32_t> species() const { return basis_.elements(); }
    bool has_indirect() const;

    std::map<FeatureFamilyKey, FamilyWeights> families;
    std::string metadata_json;   // provenance, hyper-parameters, metrics (written to the model file)
    std::string checksum;        // of the file it was loaded from ("crc32:..."); empty if built in memory
    OrbitalValidity orbital_validity;  // from metadata_json (set by training and by loading)

    // InvalidArgument for NaN/Inf, an element the model does not know, or two atoms closer
    // than 0.3 Angstrom (the message names the atoms).
    void validate_input(const System& system, size_t index_in_request = 0) const;

    // Predicted F' in hamd's orbital order (symmetric). Validates first.
    // `cancel` (optional) is polled between the stages (features, blocks, assembly): a caller
    // that gives up stops the work at the next stage with Cancelled.
    Eigen::MatrixXd predict_orthogonal(const System& system, ModelVariant variant = ModelVariant::Best,
                                       const std::atomic<bool>* cancel = nullptr) const;

    // The layout blocks of one structure (samples with structure 0) filled from its features.
    CoupledHamiltonian predict_blocks(const System& system, const StructureFeatures& features,
                                      ModelVariant variant) const;
    // The same with explicit weights per family (training: weights in flight).
    CoupledHamiltonian predict_blocks_with(const System& system, const StructureFeatures& features,
                                           const std::map<FeatureFamilyKey, Eigen::MatrixXd>& weights) const;
    const Eigen::MatrixXd& weights(const FamilyWeights& family, ModelVariant variant) const;

    // Families a system needs (for HamiltonianFeaturizer::compute).
    std::vector<FeatureFamilyKey> family_keys() const;

private:
    Basis basis_;
    HamiltonianFeaturizer featurizer_;
};

// 1 Hartree in eV (CODATA 2018).
constexpr double kHartreeEv = 27.211386245988;

}  // namespace hamd
