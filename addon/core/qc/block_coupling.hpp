// Coupling of a Hamiltonian in a minimal atom-centred basis to irreducible blocks, and back
// (docs/science.md#coupling-hamiltonian-blocks). Matrices are in hamd's orbital order (basis.hpp), usually the
// Loewdin-orthogonal F'. Every function takes the structures (atomic numbers; positions only
// for the pair cutoff) and the basis, and indexes samples by position in `structures`.
//
// Block types and their samples (structure, atom_i, atom_j):
//   0  on-site, i = j. Shell pairs (a, b) with a <= b in the element's shell order;
//      X = F[i a, i b]. For a = b, X is symmetric: only lambda with l_a + l_b + lambda even.
//   2  different species, atom_i is the one with the LOWER atomic number (whatever the atom
//      order), every shell pair (a of atom_i, b of atom_j); X = F[i a, j b].
//  +1, -1  same species, i < j. With H_ij the atom-pair block F[i ., j .] and H_ji = F[j ., i .]
//      in the same (orbital-of-first-atom, orbital-of-second-atom) layout,
//      H+- = (H_ij +- H_ji) / sqrt(2), i.e. (H_ij +- H_ij^T) / sqrt(2) for symmetric F
//      (docs/science.md#coupling-hamiltonian-blocks also writes it H_ji^T, transposed over the atom labels).
//      H+ is even and H- odd under i <-> j, like the features (rho_ij +- rho_ji)/sqrt(2).
//      Shell pairs a <= b (H+-[b, a] = +-H+-[a, b]^T is redundant); for a = b, type +1 keeps only
//      l_a + l_b + lambda even and type -1 only odd (the others vanish identically).
// Each X (2 l_a + 1) x (2 l_b + 1) is coupled H^{lambda mu} = sum C^{lambda mu}_{l_a m, l_b m'} X_{m m'},
// |l_a - l_b| <= lambda <= l_a + l_b, sigma = (-1)^(l_a + l_b + lambda). The kept blocks hold exactly
// the N (N + 1) / 2 free entries of a symmetric matrix (without a pair cutoff), and decoupling
// inverts coupling for every symmetric matrix.
//
// Pair cutoff: off-site pairs farther apart than pair_cutoff (Angstrom) are not emitted; their
// F' entries decouple to zero. pair_cutoff <= 0 or infinite: every pair.
#pragma once
#include <vector>

#include <Eigen/Dense>

#include "core/qc/basis.hpp"
#include "core/systems/system.hpp"
#include "core/base/tensor_map.hpp"

namespace hamd {

enum HamiltonianBlockType : int {
    kBlockOnSite = 0,
    kBlockSameSpeciesPlus = 1,
    kBlockSameSpeciesMinus = -1,
    kBlockDifferentSpecies = 2,
};

struct BlockKey {
    int block_type, species_i, species_j, n_i, l_i, n_j, l_j, lambda, sigma;
    bool operator<(const BlockKey& other) const;
    bool operator==(const BlockKey& other) const;
};

struct PairSample {
    int structure, atom_i, atom_j;
    bool operator==(const PairSample& other) const {
        return structure == other.structure && atom_i == other.atom_i && atom_j == other.atom_j;
    }
};

struct CoupledBlock {
    BlockKey key;
    std::vector<PairSample> samples;
    std::vector<double> values;  // samples x (2 lambda + 1), mu = -lambda..lambda
    int components() const { return 2 * key.lambda + 1; }
};

struct CoupledHamiltonian {
    std::vector<CoupledBlock> blocks;  // ascending keys (block_type, species_i, ..., lambda, sigma)
    const CoupledBlock* find(const BlockKey& key) const;
    CoupledBlock* find(const BlockKey& key);
};

// Every block the structures produce, with its samples and zero values: what a model predicts.
CoupledHamiltonian coupled_layout(const Basis& basis, const std::vector<System>& structures, double pair_cutoff = 0);

// Couple symmetric matrices (one per structure, hamd order). Only the symmetric part is seen.
CoupledHamiltonian couple(const Basis& basis, const std::vector<System>& structures,
                          const std::vector<Eigen::MatrixXd>& matrices, double pair_cutoff = 0);

// Reassemble symmetric matrices from the blocks; entries of absent samples or keys stay zero.
std::vector<Eigen::MatrixXd> decouple(const Basis& basis, const std::vector<System>& structures,
                                      const CoupledHamiltonian& coupled);

// Chain rule through decouple: given dL/dF (one matrix per structure, entries treated as
// independent, e.g. sum_k g_k c_k c_k^T), the gradient of L with respect to every value of
// `layout` (same keys and samples, values ignored). It is the transpose of decouple: each
// value collects the gradient of every matrix entry it was written to, so off-diagonal
// blocks (written to F_ij and F_ji) receive twice the coupled symmetric gradient.
CoupledHamiltonian decouple_adjoint(const Basis& basis, const std::vector<System>& structures,
                                    const std::vector<Eigen::MatrixXd>& gradients,
                                    const CoupledHamiltonian& layout);

// As metatensor-style labelled blocks: keys (block_type, species_i, species_j, n_i, l_i, n_j,
// l_j, o3_lambda, o3_sigma); samples (system, atom_i, atom_j); components [o3_mu];
// properties [value].
TensorMap to_tensor_map(const CoupledHamiltonian& coupled);
CoupledHamiltonian from_tensor_map(const TensorMap& map);

}  // namespace hamd
