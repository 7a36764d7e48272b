// Each (key, sample) owns one orbital block X, which sits in F at up to four places, each
// with a weight and maybe transposed ("placements"). Decoupling scatters C^T h into those
// places; coupling gathers them back (divided by the sum of squared weights); the adjoint
// of decoupling gathers without that division. One table of placements keeps the three
// consistent.
#include "core/qc/block_coupling.hpp"

#include <cmath>
#include <map>
#include <string>
#include <tuple>

#include "core/math/clebsch_gordan.hpp"
#include "core/base/errors.hpp"

namespace hamd {
namespace {

auto as_tuple(const BlockKey& k) {
    return std::make_tuple(k.block_type, k.species_i, k.species_j, k.n_i, k.l_i, k.n_j, k.l_j, k.lambda, k.sigma);
}

struct Placement {
    int row, col;  // top-left corner in F
    bool transpose;
    double weight;
};

int shell_offset(const OrbitalLayout& layout, int atom, int n, int l) {
    for (const auto& shell : layout.shells(atom))
        if (shell.n == n && shell.l == l) return shell.offset;
    throw InvalidArgument("coupled Hamiltonian: atom " + std::to_string(atom) + " has no shell n=" +
                          std::to_string(n) + " l=" + std::to_string(l));
}

// Fills out[] and returns how many placements the block X of (key, sample) has.
int placements(const OrbitalLayout& layout, const BlockKey& key, const PairSample& sample, Placement out[4]) {
    const int i = sample.atom_i, j = sample.atom_j;
    const bool same_shell = key.n_i == key.n_j && key.l_i == key.l_j;
    const int ia = shell_offset(layout, i, key.n_i, key.l_i), jb = shell_offset(layout, j, key.n_j, key.l_j);
    switch (key.block_type) {
        case kBlockOnSite:
            if (same_shell) {
                out[0] = {ia, ia, false, 1.0};
                return 1;
            }
            out[0] = {ia, jb, false, 1.0};
            out[1] = {jb, ia, true, 1.0};
            return 2;
        case kBlockDifferentSpecies:
            out[0] = {ia, jb, false, 1.0};
            out[1] = {jb, ia, true, 1.0};
            return 2;
        case kBlockSameSpeciesPlus:
        case kBlockSameSpeciesMinus: {
            const double r = std::sqrt(0.5), s = key.block_type * r;
            if (same_shell) {
                const int ja = shell_offset(layout, j, key.n_i, key.l_i);
                out[0] = {ia, ja, false, r};
                out[1] = {ja, ia, false, s};
                return 2;
            }
            const int ib = shell_offset(layout, i, key.n_j, key.l_j), ja = shell_offset(layout, j, key.n_i, key.l_i);
            out[0] = {ia, jb, false, r};  // H_ij[a, b] = (X+ + X-) / sqrt 2
            out[1] = {ib, ja, true, s};   // H_ij[b, a] = (X+ - X-)^T / sqrt 2
            out[2] = {ja, ib, false, s};  // H_ji[a, b] = (X+ - X-) / sqrt 2
            out[3] = {jb, ia, true, r};   // H_ji[b, a] = (X+ + X-)^T / sqrt 2
            return 4;
        }
        default:
            throw InvalidArgument("coupled Hamiltonian: unknown block type " + std::to_string(key.block_type));
    }
}

// X = sum_t w_t op_t(F[place_t]) (X row-major, rows x cols).
void gather(const Eigen::MatrixXd& F, const Placement* place, int count, int rows, int cols, double* X) {
    for (int k = 0; k < rows * cols; ++k) X[k] = 0;
    for (int t = 0; t < count; ++t)
        for (int p = 0; p < rows; ++p)
            for (int q = 0; q < cols; ++q)
                X[p * cols + q] += place[t].weight * (place[t].transpose ? F(place[t].row + q, place[t].col + p)
                                                                         : F(place[t].row + p, place[t].col + q));
}

void scatter(const double* X, const Placement* place, int count, int rows, int cols, Eigen::MatrixXd& F) {
    for (int t = 0; t < count; ++t)
        for (int p = 0; p < rows; ++p)
            for (int q = 0; q < cols; ++q) {
                const double value = place[t].weight * X[p * cols + q];
                if (place[t].transpose) F(place[t].row + q, place[t].col + p) += value;
                else F(place[t].row + p, place[t].col + q) += value;
            }
}

bool lambda_kept(int block_type, bool same_shell, int l_a, int l_b, int lambda) {
    if (!same_shell || block_type == kBlockDifferentSpecies) return true;
    const bool even = (l_a + l_b + lambda) % 2 == 0;
    return block_type == kBlockSameSpeciesMinus ? !even : even;
}

double pair_distance(const System& system, int i, int j) {
    double d2 = 0;
    for (int c = 0; c < 3; ++c) {
        const double d = system.positions[3 * j + c] - system.positions[3 * i + c];
        d2 += d * d;
    }
    return std::sqrt(d2);
}

void add_shell_pair_keys(std::map<BlockKey, CoupledBlock>& blocks, int type, int zi, int zj, const Shell& a,
                         const Shell& b, const PairSample& sample) {
    const bool same_shell = zi == zj && a.n == b.n && a.l == b.l;
    for (int lambda = std::abs(a.l - b.l); lambda <= a.l + b.l; ++lambda) {
        if (!lambda_kept(type, same_shell, a.l, b.l, lambda)) continue;
        const BlockKey key{type, zi, zj, a.n, a.l, b.n, b.l, lambda, (a.l + b.l + lambda) % 2 == 0 ? 1 : -1};
        CoupledBlock& block = blocks[key];
        block.key = key;
        block.samples.push_back(sample);
    }
}

// The shell pairs of one (structure, i, j) sample for the given block type(s).
void add_sample(std::map<BlockKey, CoupledBlock>& blocks, const Basis& basis, int type, int zi, int zj,
                const PairSample& sample) {
    const auto& shells_i = basis.shells(zi);
    const auto& shells_j = basis.shells(zj);
    const bool triangle = zi == zj;  // on-site and same-species: a <= b only
    for (std::size_t a = 0; a < shells_i.size(); ++a)
        for (std::size_t b = triangle ? a : 0; b < shells_j.size(); ++b)
            add_shell_pair_keys(blocks, type, zi, zj, shells_i[a], shells_j[b], sample);
}

void check_structures(const Basis& basis, const std::vector<System>& structures) {
    for (std::size_t s = 0; s < structures.size(); ++s) {
        if (structures[s].positions.size() != 3 * structures[s].types.size())
            throw InvalidArgument("structure " + std::to_string(s) + ": positions must hold 3 values per atom");
        for (int32_t z : structures[s].types) basis.shells(z);  // throws for an element outside the basis
    }
}

// Couple (normalise = true) or adjoint-gather (false) every (key, sample) of `layout`.
CoupledHamiltonian gather_all(const Basis& basis, const std::vector<System>& structures,
                              const std::vector<Eigen::MatrixXd>& matrices, CoupledHamiltonian result,
                              bool normalise) {
    if (matrices.size() != structures.size())
        throw InvalidArgument("coupled Hamiltonian: " + std::to_string(matrices.size()) + " matrices for " +
                              std::to_string(structures.size()) + " structures");
    std::vector<OrbitalLayout> layouts;
    for (std::size_t s = 0; s < structures.size(); ++s) {
        layouts.emplace_back(basis, structures[s].types);
        if (matrices[s].rows() != layouts[s].size() || matrices[s].cols() != layouts[s].size())
            throw InvalidArgument("structure " + std::to_string(s) + ": matrix must be " +
                                  std::to_string(layouts[s].size()) + " x " + std::to_string(layouts[s].size()));
    }
    std::vector<double> X;
    for (CoupledBlock& block : result.blocks) {
        const BlockKey& key = block.key;
        const int rows = 2 * key.l_i + 1, cols = 2 * key.l_j + 1, components = block.components();
        const auto cg = real_clebsch_gordan(key.l_i, key.l_j, key.lambda);
        X.resize(static_cast<std::size_t>(rows) * cols);
        block.values.assign(block.samples.size() * components, 0.0);
        for (std::size_t k = 0; k < block.samples.size(); ++k) {
            const PairSample& sample = block.samples[k];
            Placement place[4];
            const int count = placements(layouts.at(sample.structure), key, sample, place);
            gather(matrices[sample.structure], place, count, rows, cols, X.data());
            double scale = 1;
            if (normalise) {
                double norm = 0;
                for (int t = 0; t < count; ++t) norm += place[t].weight * place[t].weight;
                scale = 1 / norm;
            }
            double* h = &block.values[k * components];
            for (const auto& entry : cg->nonzero) h[entry.mu] += scale * entry.value * X[entry.m1 * cols + entry.m2];
        }
    }
    return result;
}

}  // namespace

bool BlockKey::operator<(const BlockKey& other) const { return as_tuple(*this) < as_tuple(other); }
bool BlockKey::operator==(const BlockKey& other) const { return as_tuple(*this) == as_tuple(other); }

const CoupledBlock* CoupledHamiltonian::find(const BlockKey& key) const {
    for (const CoupledBlock& block : blocks)
        if (block.key == key) return &block;
    return nullptr;
}

CoupledBlock* CoupledHamiltonian::find(const BlockKey& key) {
    return const_cast<CoupledBlock*>(static_cast<const CoupledHamiltonian&>(*this).find(key));
}

CoupledHamiltonian coupled_layout(const Basis& basis, const std::vector<System>& structures, double pair_cutoff) {
    check_structures(basis, structures);
    const bool all_pairs = !(pair_cutoff > 0) || std::isinf(pair_cutoff);
    std::map<BlockKey, CoupledBlock> blocks;
    for (std::size_t s = 0; s < structures.size(); ++s) {
        const System& system = structures[s];
        const int structure = static_cast<int>(s), atoms = static_cast<int>(system.types.size());
        for (int i = 0; i < atoms; ++i)
            add_sample(blocks, basis, kBlockOnSite, system.types[i], system.types[i], {structure, i, i});
        for (int i = 0; i < atoms; ++i)
            for (int j = i + 1; j < atoms; ++j) {
                if (!all_pairs && !(pair_distance(system, i, j) < pair_cutoff)) continue;
                const int zi = system.types[i], zj = system.types[j];
                if (zi == zj) {
                    add_sample(blocks, basis, kBlockSameSpeciesPlus, zi, zj, {structure, i, j});
                    add_sample(blocks, basis, kBlockSameSpeciesMinus, zi, zj, {structure, i, j});
                } else if (zi < zj) {
                    add_sample(blocks, basis, kBlockDifferentSpecies, zi, zj, {structure, i, j});
                } else {
                    add_sample(blocks, basis, kBlockDifferentSpecies, zj, zi, {structure, j, i});
                }
            }
    }
    CoupledHamiltonian result;
    for (auto& entry : blocks) {
        entry.second.values.assign(entry.second.samples.size() * entry.second.components(), 0.0);
        result.blocks.push_back(std::move(entry.second));
    }
    return result;
}

CoupledHamiltonian couple(const Basis& basis, const std::vector<System>& structures,
                          const std::vector<Eigen::MatrixXd>& matrices, double pair_cutoff) {
    return gather_all(basis, structures, matrices, coupled_layout(basis, structures, pair_cutoff), true);
}

CoupledHamiltonian decouple_adjoint(const Basis& basis, const std::vector<System>& structures,
                                    const std::vector<Eigen::MatrixXd>& gradients, const CoupledHamiltonian& layout) {
    check_structures(basis, structures);
    return gather_all(basis, structures, gradients, layout, false);
}

std::vector<Eigen::MatrixXd> decouple(const Basis& basis, const std::vector<System>& structures,
                                      const CoupledHamiltonian& coupled) {
    check_structures(basis, structures);
    std::vector<OrbitalLayout> layouts;
    std::vector<Eigen::MatrixXd> matrices;
    for (const System& system : structures) {
        layouts.emplace_back(basis, system.types);
        matrices.push_back(Eigen::MatrixXd::Zero(layouts.back().size(), layouts.back().size()));
    }
    std::vector<double> X;
    for (const CoupledBlock& block : coupled.blocks) {
        const BlockKey& key = block.key;
        const int rows = 2 * key.l_i + 1, cols = 2 * key.l_j + 1, components = block.components();
        if (block.values.size() != block.samples.size() * components)
            throw InvalidArgument("coupled Hamiltonian: block values do not match samples x (2 lambda + 1)");
        const auto cg = real_clebsch_gordan(key.l_i, key.l_j, key.lambda);
        X.resize(static_cast<std::size_t>(rows) * cols);
        for (std::size_t k = 0; k < block.samples.size(); ++k) {
            const PairSample& sample = block.samples[k];
            if (sample.structure < 0 || sample.structure >= static_cast<int>(structures.size()))
                throw InvalidArgument("coupled Hamiltonian: sample refers to structure " + std::to_string(sample.structure));
            const OrbitalLayout& layout = layouts[sample.structure];
            if (sample.atom_i < 0 || sample.atom_j < 0 || sample.atom_i >= layout.atom_count() ||
                sample.atom_j >= layout.atom_count())
                throw InvalidArgument("coupled Hamiltonian: sample refers to a missing atom");
            std::fill(X.begin(), X.end(), 0.0);
            const double* h = &block.values[k * components];
            for (const auto& entry : cg->nonzero) X[entry.m1 * cols + entry.m2] += entry.value * h[entry.mu];
            Placement place[4];
            const int count = placements(layout, key, sample, place);
            scatter(X.data(), place, count, rows, cols, matrices[sample.structure]);
        }
    }
    return matrices;
}

TensorMap to_tensor_map(const CoupledHamiltonian& coupled) {
    TensorMap map;
    map.keys.names = {"block_type", "species_i", "species_j", "n_i", "l_i", "n_j", "l_j", "o3_lambda", "o3_sigma"};
    for (const CoupledBlock& block : coupled.blocks) {
        const BlockKey& k = block.key;
        map.keys.values.insert(map.keys.values.end(),
                               {k.block_type, k.species_i, k.species_j, k.n_i, k.l_i, k.n_j, k.l_j, k.lambda, k.sigma});
        Block out;
        out.samples.names = {"system", "atom_i", "atom_j"};
        for (const PairSample& s : block.samples)
            out.samples.values.insert(out.samples.values.end(), {s.structure, s.atom_i, s.atom_j});
        Labels mu;
        mu.names = {"o3_mu"};
        for (int m = -k.lambda; m <= k.lambda; ++m) mu.values.push_back(m);
        out.components.push_back(mu);
        out.properties.names = {"value"};
        out.properties.values = {0};
        out.values.assign(block.values.begin(), block.values.end());
        map.blocks.push_back(std::move(out));
    }
    return map;
}

CoupledHamiltonian from_tensor_map(const TensorMap& map) {
    if (map.keys.names.size() != 9 || map.keys.count() != map.blocks.size())
        throw InvalidArgument("coupled Hamiltonian: tensor map keys must be the 9 Hamiltonian block labels");
    CoupledHamiltonian coupled;
    for (std::size_t b = 0; b < map.blocks.size(); ++b) {
        const int32_t* k = &map.keys.values[9 * b];
        CoupledBlock block;
        block.key = {k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]};
        const Block& in = map.blocks[b];
        if (in.samples.names.size() != 3)
            throw InvalidArgument("coupled Hamiltonian: samples must be (system, atom_i, atom_j)");
        for (std::size_t s = 0; s < in.samples.count(); ++s)
            block.samples.push_back({in.samples.values[3 * s], in.samples.values[3 * s + 1], in.samples.values[3 * s + 2]});
        if (in.values.size() != block.samples.size() * block.components())
            throw InvalidArgument("coupled Hamiltonian: block values do not match samples x (2 lambda + 1)");
        block.values.assign(in.values.begin(), in.values.end());
        coupled.blocks.push_back(std::move(block));
    }
    return coupled;
}

}  // namespace hamd
