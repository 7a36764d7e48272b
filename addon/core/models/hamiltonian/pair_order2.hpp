// Order-2 pair features of the Hamiltonian model (docs/science.md#order-2-pair-features): the
// pair term coupled with BOTH centres' densities,
//   rho_ij^{x2}(lambda, sigma) = CG( P[rho_ij^{x1}(lambda1, sigma1)], Q[rho_j(l2)] ),
// where rho_ij^{x1} = CG(rho_i, g_ij) are the plain pair features of hamiltonian_features.hpp
// (one half, without message features), P their equivariant PCA per (species_i, species_j,
// lambda1, sigma1) block (K leading components, or all of a block that has fewer), and Q an
// optional PCA of the density rows per (species_j, l2) (D components; D = 0: the whole density).
// Uncontracted, rho_ij^{x1} x rho_j would have S^2 N^3 components per (l1, l2, l2') path, far
// more than the training data can fit; the PCA keeps the directions that carry the variance of
// rho_ij^{x1} over the training pairs. Both projections act on the property index only, the same
// for every component mu, so the features stay equivariant (contraction.hpp explains why).
//
// Paths: lambda1 = 0..max_lambda (the pair families that exist), l2 = 0..max_angular, with
// |lambda1 - l2| <= lambda <= lambda1 + l2 and sigma = sigma1 (-1)^(lambda1 + l2 + lambda).
// Layout of one half's order-2 columns for (lambda, sigma): sigma1 = +1 paths first, then
// sigma1 = -1; inside, (lambda1, l2) with lambda1 outer; inside a path (k, q), k < n_out of the
// (lambda1, sigma1) block, q < density_out() (density channel (a, n) when D = 0).
// A species pair (or density species) without a fitted projection (never seen in training)
// gives zero order-2 features: the model has no information about it either way.
#pragma once
#include <array>
#include <map>
#include <memory>
#include <vector>

#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/pairs/product_coupling.hpp"

namespace hamd {

// The fitted projections (fit_pair_order2, pair_order2_fit.hpp), stored in the model file.
struct PairOrder2Projection {
    // (species_i, species_j, lambda1, sigma1) -> [n_in][n_out] row-major, orthonormal columns
    std::map<std::array<int, 4>, std::vector<double>> pair;
    // (species, l) -> [S N][D] row-major; empty when the density is not contracted
    std::map<std::array<int, 2>, std::vector<double>> density;
};

class PairOrder2 {
public:
    // components = K > 0, density_components = D >= 0; projection may be null (then only the
    // sizes and order1() are usable: fitting). Throws InvalidArgument when a projection's
    // matrix has the wrong size for its key.
    PairOrder2(const ExpansionSetup& setup, int max_lambda, int components, int density_components,
               std::shared_ptr<const PairOrder2Projection> projection);

    bool fitted() const { return projection_ != nullptr; }
    // Properties of rho_ij^{x1}(lambda1, sigma1) (0 when the family does not exist) and kept ones.
    size_t n_in(int lambda1, int sigma1) const;
    size_t n_out(int lambda1, int sigma1) const;
    size_t density_in() const { return static_cast<size_t>(row_); }
    size_t density_out() const { return density_out_; }
    // Order-2 columns of one half of the (lambda, sigma) pair family.
    size_t width(int lambda, int sigma) const;

    // rho_ij^{x1}(lambda1, sigma1): out[mu][n_in] (overwritten); c_i in expansion layout, g_ij[lm][n].
    void order1(int lambda1, int sigma1, const double* c_i, const double* g_ij, double* out) const;

    // Contracted inputs: of an ordered pair (x[0]: sigma1 = +1, x[1]: -1, each [lm1][k_max],
    // lm1 < (max_lambda + 1)^2) and of an atom's density ([lm][density_out]).
    struct PairInputs {
        std::vector<double> x[2];
    };
    void contract_pair(int species_i, int species_j, const double* c_i, const double* g_ij, PairInputs& out) const;
    void contract_density(int species, const double* c, std::vector<double>& out) const;

    // out[mu * out_stride + column] += scale * rho^{x2}(lambda, sigma), columns as in the layout above.
    void add(int lambda, int sigma, const PairInputs& pair, const std::vector<double>& density, double scale, double* out,
             size_t out_stride) const;

private:
    struct Path {
        int s;                              // 0: sigma1 = +1, 1: sigma1 = -1
        std::vector<ProductGroup> group;    // the one (lambda1, l2) group
        size_t k_count, offset;
    };
    struct Block {
        std::vector<ProductGroup> groups;   // of rho_ij^{x1}(lambda1, sigma1)
        size_t n_in = 0, n_out = 0;
    };
    const Block* block(int lambda1, int sigma1) const;

    const ExpansionSetup& setup_;
    int max_lambda_, row_, n_radial_;
    size_t density_out_, k_max_ = 0;
    bool contract_density_;
    std::shared_ptr<const PairOrder2Projection> projection_;
    std::map<std::pair<int, int>, Block> blocks_;               // (lambda1, sigma1)
    std::map<std::pair<int, int>, std::vector<Path>> paths_;    // (lambda, sigma)
};

}  // namespace hamd
