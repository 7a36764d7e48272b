// Equivariant features of the irreducible Hamiltonian blocks (docs/science.md#features-of-the-hamiltonian-blocks).
//
// A feature family (block_type, species_i, species_j, lambda, sigma) serves every block key of
// block_coupling.hpp with the same type, species, lambda and sigma (whatever the shells):
//   on-site (type 0, i = i):   lambda-SOAP rho_i^{x2} of the centre (lambda_soap.hpp properties);
//   off-site pairs:            rho_ij^{x2} = CG(rho_i^{x1}, g_ij) to (lambda, sigma), with
//                              g_ij[n l m] = fc(r_ij) I_nl(r_ij) Y_lm(r_ij_hat) the pair term
//                              (descriptors/pairs/pair_term.hpp; the coupling is
//                              descriptors/pairs/product_coupling.hpp, shared with the
//                              pair-features and message-passing descriptor kinds);
//     type +1 / -1 (same species, i < j):  (rho_ij +- rho_ji) / sqrt(2), the parity of H+-;
//     type 2 (different species, i = lower atomic number): [rho_ij, rho_ji] side by side
//                              (both are (lambda, sigma) equivariants of the pair; rho_ji adds the
//                              environment of the second atom).
// Lambda = 0, sigma = +1 families end with a constant 1 (a bias; invariant, so it keeps equivariance),
// except type -1, whose blocks are odd under i <-> j (a constant would break that).
// Pairs enter when r_ij < hypers.cutoff: the pair term vanishes beyond it, so the cutoff of the
// density expansion is also the model's pair cutoff.
//
// Pair property layout (one half): groups (l1, l2) with |l1 - l2| <= lambda <= l1 + l2 and
// (-1)^(l1 + l2 + lambda) = sigma, l1 (centre) outer; inside a group (a, n1, n2), a = neighbour
// channel of rho_i, n1 its radial index, n2 the radial index of g_ij.
//
// Message passing (optional, off by default; docs/science.md#message-passing-features): with
// message_radial = M > 0 every atom also gets a message density
//   rho^MP_i[a n l m] = sum_{j in a, r_ij < rc} fc(r_ij) I'_nl(r_ij) Y_lm(r_ij_hat) s_j,
//   s_j = message_scale * sum_{k != j, r_jk < rc} fc(r_jk)   (j's smooth coordination number),
// with I' the radial basis of the same hypers but max_radial = M - 1 (n = 0..M-1). s_j depends on
// atoms up to rc from j, so rho^MP_i sees up to 2 rc. Its features are appended to each half /
// on-site row (before the bias):
//   on-site: CG(rho_i, rho^MP_i) over every (l1, l2) allowed for (lambda, sigma), l1 (rho) outer,
//            inside a group (a1, n1, a2, n2) (a1, n1 of rho_i; a2, n2 of rho^MP_i);
//   pairs:   CG(rho^MP_i, g_ij) with the pair groups above, inside a group (a, n1 < M, n2).
//
// Order-2 pair features (optional, off by default; pair_order2.hpp, docs/science.md#order-2-pair-features):
// with pair_order2_components = K > 0 each half also gets rho_ij^{x2} = CG(P[rho_ij^{x1}], Q[rho_j]),
// the pair term coupled with both centres' densities, after the message features (before the
// bias), with the same +- / side-by-side conventions (the second half is rho_ji^{x2}, with rho_i).
// P and Q are fitted on training structures (fit_pair_order2) and travel in `pair_order2`.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "core/qc/block_coupling.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/hypers.hpp"
#include "core/models/hamiltonian/pair_order2.hpp"
#include "core/systems/system.hpp"

namespace hamd {

struct HamiltonianFeatureSettings {
    Hypers hypers;                    // density expansion; hypers.cutoff is the pair cutoff
    std::vector<int32_t> species;     // neighbour channels (ascending atomic numbers)
    int max_lambda = 2;               // highest lambda of any target block (2 l_max of the basis)
    int message_radial = 0;           // radial functions of the message density rho^MP; 0 = off
    double message_scale = 0.1;       // s_j = message_scale * coordination number of j (when on)
    int pair_order2_components = 0;   // K: kept components per rho_ij^{x1} block; 0 = no order-2 features
    int pair_order2_density_components = 0;  // D: kept density components per (species, l); 0 = all
    // The fitted projections (required by compute() when K > 0; fit_pair_order2 makes them).
    std::shared_ptr<const PairOrder2Projection> pair_order2;
};

struct FeatureFamilyKey {
    int block_type, species_i, species_j, lambda, sigma;
    bool operator<(const FeatureFamilyKey& o) const {
        return std::array<int, 5>{block_type, species_i, species_j, lambda, sigma} <
               std::array<int, 5>{o.block_type, o.species_i, o.species_j, o.lambda, o.sigma};
    }
    bool operator==(const FeatureFamilyKey& o) const { return !(*this < o) && !(o < *this); }
};

FeatureFamilyKey feature_family_of(const BlockKey& key);
// Whether the family's last feature is the constant 1 (see above).
bool has_bias(const FeatureFamilyKey& family);

// Features of one family in one structure.
struct FeatureBlock {
    int components = 1;                        // 2 lambda + 1
    int width = 0;                             // features per component
    int n_atoms = 0;
    std::vector<std::array<int, 2>> samples;   // (atom_i, atom_j) in block_coupling's convention
    std::vector<double> values;                // [sample][component][feature]
    std::vector<int> sample_index;             // n_atoms^2: row of (i, j), -1 if absent
    int find(int i, int j) const { return sample_index[static_cast<size_t>(i) * n_atoms + j]; }
    const double* row(int sample, int component) const {
        return values.data() + (static_cast<size_t>(sample) * components + component) * width;
    }
};

using StructureFeatures = std::map<FeatureFamilyKey, FeatureBlock>;

class HamiltonianFeaturizer {
public:
    // Throws InvalidArgument for invalid hypers or an empty species list.
    explicit HamiltonianFeaturizer(const HamiltonianFeatureSettings& settings);
    ~HamiltonianFeaturizer();

    const HamiltonianFeatureSettings& settings() const { return settings_; }
    double pair_cutoff() const { return settings_.hypers.cutoff; }
    // Features per component of a family (bias included); 0 when the family has no features.
    int width(const FeatureFamilyKey& family) const;

    // Families of `wanted` that the structure has samples for (all families when wanted is empty).
    // Thread safe. Atoms of species outside settings().species are not neighbours (callers validate).
    StructureFeatures compute(const System& system, const std::vector<FeatureFamilyKey>& wanted = {}) const;

    // The message densities of every atom (empty when message passing is off):
    // [atom][lm * S M + a M + n] (S species channels, M = message_radial), and the weights s_j.
    std::vector<std::vector<double>> message_density(const System& system, std::vector<double>* weights = nullptr) const;

    // What every feature is built from: each atom's density expansion (ExpansionSetup layout) and
    // the pair term g_ij[lm][n] of each ordered pair within the cutoff (pair_of[i n + j] indexes
    // pair_terms, -1 beyond the cutoff).
    struct Inputs {
        std::vector<std::vector<double>> expansion;
        std::vector<int> pair_of;
        std::vector<std::vector<double>> pair_terms;
    };
    Inputs inputs(const System& system) const;
    const ExpansionSetup& expansion_setup() const;
    // The order-2 machinery (null when pair_order2_components = 0).
    const PairOrder2* pair_order2() const;

private:
    struct Impl;
    HamiltonianFeatureSettings settings_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hamd
