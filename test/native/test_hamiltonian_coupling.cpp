// Coupling of Hamiltonian blocks to irreducible (lambda, sigma) parts and back: the round trip
// for every block type, the count of free parameters, symmetry of decoupled matrices, the pair
// cutoff, atom permutations, and rotation: a rotation-covariant F' rotates as D^l (x) D^l' per
// block, keeps its eigenvalues, and its coupled blocks rotate as D^lambda.
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/qc/block_coupling.hpp"
#include "core/math/spherical_harmonics.hpp"
#include "test_hamiltonian_util.hpp"

namespace {

using hamd::System;

// STO-3G layout plus d shells on C and O and a p shell on H (exponents unused by coupling).
hamd::Basis spd_basis() {
    hamd::Basis basis;
    basis.name = "spd-test";
    auto shell = [](int n, int l) { return hamd::Shell{n, l, {1.0}, {1.0}}; };
    basis.add_element(1, {shell(1, 0), shell(2, 1)});
    basis.add_element(6, {shell(1, 0), shell(2, 0), shell(2, 1), shell(3, 2)});
    basis.add_element(7, {shell(1, 0), shell(2, 0), shell(2, 1)});
    basis.add_element(8, {shell(1, 0), shell(2, 0), shell(2, 1), shell(3, 2)});
    return basis;
}

// Which class of entry F[p, q] is: 0 on-site, 2 different species, 1 same species off-site.
int entry_class(const hamd::OrbitalLayout& layout, int p, int q) {
    const int a = layout.labels()[p].atom, b = layout.labels()[q].atom;
    if (a == b) return 0;
    return layout.atomic_number(a) == layout.atomic_number(b) ? 1 : 2;
}

hamd::CoupledHamiltonian only_types(const hamd::CoupledHamiltonian& all, std::set<int> types) {
    hamd::CoupledHamiltonian result;
    for (const auto& block : all.blocks)
        if (types.count(block.key.block_type)) result.blocks.push_back(block);
    return result;
}

// A rotation-covariant symmetric F' for a molecule: sums of products of real harmonics of
// interatomic vectors (each term D^l_a (x) D^l_b under rotation), smooth radial weights, plus
// invariant on-site shell energies.
Eigen::MatrixXd covariant_matrix(const hamd::Basis& basis, const System& system) {
    const hamd::OrbitalLayout layout(basis, system.types);
    const hamd::SphericalHarmonics harmonics(2);
    const int atoms = layout.atom_count();
    auto vector = [&](int i, int j, double out[3]) {
        for (int c = 0; c < 3; ++c) out[c] = system.positions[3 * j + c] - system.positions[3 * i + c];
        return std::sqrt(out[0] * out[0] + out[1] * out[1] + out[2] * out[2]);
    };
    auto harmonics_of = [&](int i, int j, std::vector<double>& Y) {
        double r[3];
        const double distance = vector(i, j, r);
        Y.resize(harmonics.size());
        harmonics.compute(r, Y.data(), nullptr);
        return distance;
    };
    Eigen::MatrixXd F = Eigen::MatrixXd::Zero(layout.size(), layout.size());
    std::vector<double> Yik, Yjk, Yij;
    for (int i = 0; i < atoms; ++i)
        for (int j = 0; j < atoms; ++j) {
            for (const auto& a : layout.shells(i))
                for (const auto& b : layout.shells(j)) {
                    const double shell_factor = 1.0 + 0.3 * a.n + 0.2 * b.l - 0.1 * a.l * b.n + 0.05 * i - 0.07 * j;
                    auto add = [&](const std::vector<double>& Ya, const std::vector<double>& Yb, double weight) {
                        for (int ma = 0; ma <= 2 * a.l; ++ma)
                            for (int mb = 0; mb <= 2 * b.l; ++mb)
                                F(a.offset + ma, b.offset + mb) +=
                                    weight * shell_factor * Ya[a.l * a.l + ma] * Yb[b.l * b.l + mb];
                    };
                    for (int k = 0; k < atoms; ++k) {
                        if (k == i || k == j) continue;
                        const double rik = harmonics_of(i, k, Yik), rjk = harmonics_of(j, k, Yjk);
                        add(Yik, Yjk, std::exp(-0.6 * rik - 0.4 * rjk));
                    }
                    if (i != j) {
                        const double rij = harmonics_of(i, j, Yij);
                        add(Yij, Yij, std::exp(-0.5 * rij) * (1 + 0.2 * i));
                    } else if (a.offset == b.offset) {
                        for (int m = 0; m <= 2 * a.l; ++m) F(a.offset + m, a.offset + m) -= 0.5 * a.n + 0.1 * system.types[i];
                    }
                }
        }
    return (F + F.transpose()) / 2;
}

}  // namespace

int main() {
    std::mt19937 rng(11);
    const std::vector<System> structures = {hamtest::methanol(), hamtest::ethylamine_like()};

    for (const hamd::Basis& basis : {hamd::Basis::sto3g(), spd_basis()}) {
        const std::string tag = basis.name + ": ";
        std::vector<Eigen::MatrixXd> matrices;
        std::vector<hamd::OrbitalLayout> layouts;
        long free_entries = 0;
        for (const System& system : structures) {
            layouts.emplace_back(basis, system.types);
            matrices.push_back(hamtest::random_symmetric(layouts.back().size(), rng));
            free_entries += layouts.back().size() * (layouts.back().size() + 1L) / 2;
        }
        const hamd::CoupledHamiltonian coupled = hamd::couple(basis, structures, matrices);

        std::set<int> types;
        long values = 0;
        bool keys_sorted = true, sigma_right = true, triangle_lambda_right = true;
        for (std::size_t b = 0; b < coupled.blocks.size(); ++b) {
            const auto& k = coupled.blocks[b].key;
            types.insert(k.block_type);
            values += coupled.blocks[b].values.size();
            if (b > 0 && !(coupled.blocks[b - 1].key < k)) keys_sorted = false;
            if (k.sigma != ((k.l_i + k.l_j + k.lambda) % 2 == 0 ? 1 : -1)) sigma_right = false;
            const bool same_shell = k.species_i == k.species_j && k.n_i == k.n_j && k.l_i == k.l_j;
            const bool even = (k.l_i + k.l_j + k.lambda) % 2 == 0;
            if (same_shell && ((k.block_type == 0 || k.block_type == 1) && !even)) triangle_lambda_right = false;
            if (same_shell && k.block_type == -1 && even) triangle_lambda_right = false;
        }
        check::ok(types == std::set<int>{-1, 0, 1, 2}, tag + "all four block types present");
        check::ok(keys_sorted, tag + "keys strictly ascending");
        check::ok(sigma_right, tag + "sigma = (-1)^(l + l' + lambda)");
        check::ok(triangle_lambda_right, tag + "same-shell blocks keep even lambda (types 0, +1), odd (type -1)");
        check::ok(values == free_entries, tag + "coupled values = free entries of the symmetric matrices",
                  std::to_string(values) + " vs " + std::to_string(free_entries));

        // Full round trip.
        const auto back = hamd::decouple(basis, structures, coupled);
        double error = 0;
        for (std::size_t s = 0; s < structures.size(); ++s) error = std::fmax(error, hamtest::max_abs(back[s] - matrices[s]));
        check::ok(error < 1e-12, tag + "couple -> decouple is the identity", std::to_string(error));

        // Round trip per block type: decoupling one type alone gives exactly that type's entries.
        for (int type : {0, 2, 1, -1}) {
            const auto part = hamd::decouple(basis, structures, only_types(coupled, {type}));
            double part_error = 0;
            for (std::size_t s = 0; s < structures.size(); ++s) {
                const auto& layout = layouts[s];
                for (int p = 0; p < layout.size(); ++p)
                    for (int q = 0; q < layout.size(); ++q) {
                        const int cls = entry_class(layout, p, q);
                        double expected = 0;
                        if (cls == 0 && type == 0) expected = matrices[s](p, q);
                        if (cls == 2 && type == 2) expected = matrices[s](p, q);
                        if (cls == 1 && (type == 1 || type == -1)) {
                            // the entry with the atoms swapped, same orbitals: F[j a, i b]
                            const auto& lp = layout.labels()[p];
                            const auto& lq = layout.labels()[q];
                            const int swapped_p = layout.shells(lq.atom)[lp.shell].offset + lp.m + lp.l;
                            const int swapped_q = layout.shells(lp.atom)[lq.shell].offset + lq.m + lq.l;
                            expected = (matrices[s](p, q) + type * matrices[s](swapped_p, swapped_q)) / 2;
                        }
                        part_error = std::fmax(part_error, std::fabs(part[s](p, q) - expected));
                    }
            }
            check::ok(part_error < 1e-12, tag + "block type " + std::to_string(type) + " alone decouples to its own entries",
                      std::to_string(part_error));
        }

        // Random coupled values decouple to a symmetric matrix, and couple back unchanged.
        hamd::CoupledHamiltonian random = hamd::coupled_layout(basis, structures);
        std::normal_distribution<double> normal;
        for (auto& block : random.blocks)
            for (double& v : block.values) v = normal(rng);
        const auto decoupled = hamd::decouple(basis, structures, random);
        double asymmetry = 0;
        for (const auto& M : decoupled) asymmetry = std::fmax(asymmetry, hamtest::max_abs(M - M.transpose()));
        check::ok(asymmetry < 1e-14, tag + "decoupled matrices are symmetric", std::to_string(asymmetry));
        const auto recoupled = hamd::couple(basis, structures, decoupled);
        double coupled_error = 0;
        for (std::size_t b = 0; b < random.blocks.size(); ++b)
            for (std::size_t v = 0; v < random.blocks[b].values.size(); ++v)
                coupled_error = std::fmax(coupled_error, std::fabs(recoupled.blocks[b].values[v] - random.blocks[b].values[v]));
        check::ok(coupled_error < 1e-12, tag + "decouple -> couple is the identity on random blocks", std::to_string(coupled_error));

        // TensorMap form round trip.
        const auto via_map = hamd::from_tensor_map(hamd::to_tensor_map(coupled));
        bool same = via_map.blocks.size() == coupled.blocks.size();
        for (std::size_t b = 0; same && b < coupled.blocks.size(); ++b)
            same = via_map.blocks[b].key == coupled.blocks[b].key && via_map.blocks[b].samples == coupled.blocks[b].samples &&
                   via_map.blocks[b].values == coupled.blocks[b].values;
        check::ok(same, tag + "to_tensor_map / from_tensor_map round trip");
    }

    const hamd::Basis basis = spd_basis();
    const System molecule = hamtest::ethylamine_like();
    const hamd::OrbitalLayout layout(basis, molecule.types);

    // Pair cutoff: far pairs are not emitted and decouple to zero; the rest is unchanged.
    {
        const double cutoff = 1.6;
        const Eigen::MatrixXd F = hamtest::random_symmetric(layout.size(), rng);
        const auto coupled = hamd::couple(basis, {molecule}, {F}, cutoff);
        bool samples_within = true;
        for (const auto& block : coupled.blocks)
            for (const auto& s : block.samples) {
                double d2 = 0;
                for (int c = 0; c < 3; ++c) d2 += std::pow(molecule.positions[3 * s.atom_j + c] - molecule.positions[3 * s.atom_i + c], 2);
                if (!(std::sqrt(d2) < cutoff) && s.atom_i != s.atom_j) samples_within = false;
            }
        check::ok(samples_within, "pair cutoff: only pairs closer than the cutoff are emitted");
        const Eigen::MatrixXd back = hamd::decouple(basis, {molecule}, coupled)[0];
        double error = 0;
        int far = 0;
        for (int p = 0; p < layout.size(); ++p)
            for (int q = 0; q < layout.size(); ++q) {
                const int a = layout.labels()[p].atom, b = layout.labels()[q].atom;
                double d2 = 0;
                for (int c = 0; c < 3; ++c) d2 += std::pow(molecule.positions[3 * a + c] - molecule.positions[3 * b + c], 2);
                const bool kept = a == b || std::sqrt(d2) < cutoff;
                far += !kept;
                error = std::fmax(error, std::fabs(back(p, q) - (kept ? F(p, q) : 0.0)));
            }
        check::ok(far > 0 && error < 1e-12, "pair cutoff: near entries round trip, far entries are zero",
                  "far entries " + std::to_string(far) + ", error " + std::to_string(error));
    }

    // Atom permutation: reversing the atom order permutes samples; hetero blocks keep the
    // lower atomic number as atom_i; same-species + blocks are unchanged and - blocks flip sign.
    {
        const int atoms = static_cast<int>(molecule.size());
        System reversed = molecule;
        for (int a = 0; a < atoms; ++a) {
            reversed.types[a] = molecule.types[atoms - 1 - a];
            for (int c = 0; c < 3; ++c) reversed.positions[3 * a + c] = molecule.positions[3 * (atoms - 1 - a) + c];
        }
        const hamd::OrbitalLayout reversed_layout(basis, reversed.types);
        const Eigen::MatrixXd F = covariant_matrix(basis, molecule);
        // the same physical matrix in the reversed orbital order
        Eigen::MatrixXd G(layout.size(), layout.size());
        std::vector<int> to_original(layout.size());
        for (int p = 0; p < reversed_layout.size(); ++p) {
            const auto& label = reversed_layout.labels()[p];
            to_original[p] = layout.shells(atoms - 1 - label.atom)[label.shell].offset + label.m + label.l;
        }
        for (int p = 0; p < layout.size(); ++p)
            for (int q = 0; q < layout.size(); ++q) G(p, q) = F(to_original[p], to_original[q]);
        const auto original = hamd::couple(basis, {molecule}, {F});
        const auto permuted = hamd::couple(basis, {reversed}, {G});
        double error = 0;
        bool found_all = original.blocks.size() == permuted.blocks.size(), hetero_order = true;
        for (const auto& block : original.blocks) {
            const auto* other = permuted.find(block.key);
            if (!other) { found_all = false; continue; }
            for (std::size_t s = 0; s < block.samples.size(); ++s) {
                const auto& sample = block.samples[s];
                if (block.key.block_type == 2 && molecule.types[sample.atom_i] > molecule.types[sample.atom_j]) hetero_order = false;
                int i = atoms - 1 - sample.atom_i, j = atoms - 1 - sample.atom_j;
                double sign = 1;
                if (block.key.block_type == 1 || block.key.block_type == -1) {
                    if (i > j) std::swap(i, j);
                    sign = block.key.block_type;
                }
                bool matched = false;
                for (std::size_t t = 0; t < other->samples.size(); ++t)
                    if (other->samples[t].atom_i == i && other->samples[t].atom_j == j) {
                        matched = true;
                        for (int mu = 0; mu < block.components(); ++mu)
                            error = std::fmax(error, std::fabs(other->values[t * block.components() + mu] -
                                                               sign * block.values[s * block.components() + mu]));
                    }
                if (!matched) found_all = false;
            }
        }
        check::ok(found_all, "atom permutation: same keys, every sample found");
        check::ok(hetero_order, "different-species samples have the lower atomic number as atom_i");
        check::ok(error < 1e-12, "atom permutation: values follow (+ unchanged, - sign flipped)", std::to_string(error));
    }

    // Rotation: covariant F' transforms as D F' D^T, eigenvalues stay, coupled blocks as D^lambda.
    for (int trial = 0; trial < 3; ++trial) {
        double R[9];
        wigner::random_rotation(rng, R);
        const System turned = hamtest::rotated(molecule, R);
        const Eigen::MatrixXd F = covariant_matrix(basis, molecule), F_turned = covariant_matrix(basis, turned);
        const Eigen::MatrixXd D = hamtest::orbital_rotation(layout, R);
        const std::string tag = "rotation " + std::to_string(trial) + ": ";
        check::ok(hamtest::max_abs(F_turned - D * F * D.transpose()) < 1e-12, tag + "F'(R x) = D F'(x) D^T (test construction)");
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> e1(F), e2(F_turned);
        check::ok((e1.eigenvalues() - e2.eigenvalues()).cwiseAbs().maxCoeff() < 1e-10, tag + "eigenvalues unchanged");

        const auto h = hamd::couple(basis, {molecule}, {F});
        const auto h_turned = hamd::couple(basis, {turned}, {F_turned});
        double error = 0, largest = 0;
        std::set<int> lambdas;
        for (std::size_t b = 0; b < h.blocks.size(); ++b) {
            const auto& block = h.blocks[b];
            const int n = block.components();
            const Eigen::MatrixXd Dl = hamtest::wigner_matrix(block.key.lambda, R);
            lambdas.insert(block.key.lambda);
            for (std::size_t s = 0; s < block.samples.size(); ++s) {
                const Eigen::VectorXd v = Eigen::Map<const Eigen::VectorXd>(&block.values[s * n], n);
                const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(&h_turned.blocks[b].values[s * n], n);
                error = std::fmax(error, (w - Dl * v).cwiseAbs().maxCoeff());
                largest = std::fmax(largest, v.cwiseAbs().maxCoeff());
            }
        }
        check::ok(lambdas == std::set<int>{0, 1, 2, 3, 4} && largest > 0.1, tag + "blocks with lambda 0..4 are non-trivial");
        check::ok(error < 1e-11, tag + "every coupled block rotates as D^lambda", std::to_string(error));
    }
    return check::finish();
}
