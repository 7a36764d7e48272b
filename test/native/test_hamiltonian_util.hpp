// Shared helpers of the test_hamiltonian_*.cpp tests: molecules, rotations of orbital spaces.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/models/hamiltonian/hamiltonian_features.hpp"
#include "core/qc/basis.hpp"
#include "core/systems/system.hpp"
#include "wigner.hpp"

namespace hamtest {

// Methanol-like C, O, 4 H (Angstrom), slightly distorted so that no symmetry hides errors.
inline hamd::System methanol() {
    hamd::System system;
    system.types = {6, 8, 1, 1, 1, 1};
    system.positions = {-0.0467, 0.6630, 0.0110, -0.0467, -0.7570, -0.0200, -1.0868, 0.9845, 0.0300,
                        0.4327,  1.0825, 0.8899, 0.4327,  1.1025, -0.8799, 0.8653, -1.0681, 0.0400};
    return system;
}

// A small molecule with two same-species heavy atoms (homonuclear pairs) and hydrogens.
inline hamd::System ethylamine_like() {
    hamd::System system;
    system.types = {6, 6, 7, 1, 1, 1, 8};
    system.positions = {0.00, 0.00, 0.00, 1.52, 0.05, -0.03, 2.10, 1.38, 0.11, -0.40, 1.01, 0.07,
                        -0.36, -0.52, 0.88, 1.90, -0.48, -0.91, -0.60, -0.70, -1.10};
    return system;
}

// A bent chain C-C-N-C-O with four hydrogens (C-C, C-N, C-O and X-H pairs), longer than one 3 A
// cutoff: the order-2 and message-passing feature tests.
inline hamd::System bent_chain() {
    hamd::System s;
    s.types = {6, 6, 7, 6, 8, 1, 1, 1, 1};
    s.positions = {0.00, 0.00, 0.00,  1.45, 0.20, 0.05,  2.20, 1.40, -0.10, 3.60, 1.55, 0.12, 4.40, 0.50, -0.05,
                   -0.50, 0.95, 0.20, -0.45, -0.70, 0.75, 1.90, -0.75, -0.20, 4.10, 2.50, 0.30};
    return s;
}

// Feature settings of those tests: cutoff 3 A (width 0.5), max_angular 2, density_width 0.3,
// species H C N O, max_lambda 2; the caller sets max_radial and its family's options.
inline hamd::HamiltonianFeatureSettings small_feature_settings(int max_radial, double cutoff = 3.0) {
    hamd::HamiltonianFeatureSettings fs;
    fs.hypers.cutoff = cutoff;
    fs.hypers.cutoff_width = 0.5;
    fs.hypers.max_radial = max_radial;
    fs.hypers.max_angular = 2;
    fs.hypers.density_width = 0.3;
    fs.species = {1, 6, 7, 8};
    fs.max_lambda = 2;
    return fs;
}

inline hamd::System rotated(const hamd::System& system, const double R[9]) {
    hamd::System result = system;
    for (std::size_t a = 0; a < system.size(); ++a) wigner::rotate(R, &system.positions[3 * a], &result.positions[3 * a]);
    return result;
}

inline Eigen::MatrixXd wigner_matrix(int l, const double R[9]) {
    const std::vector<double> D = wigner::wigner_d_real(l, R);
    const int n = 2 * l + 1;
    Eigen::MatrixXd result(n, n);
    for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b) result(a, b) = D[a * n + b];
    return result;
}

// Block-diagonal rotation of the whole orbital space: D^l on every shell.
inline Eigen::MatrixXd orbital_rotation(const hamd::OrbitalLayout& layout, const double R[9]) {
    Eigen::MatrixXd D = Eigen::MatrixXd::Zero(layout.size(), layout.size());
    for (int atom = 0; atom < layout.atom_count(); ++atom)
        for (const auto& shell : layout.shells(atom))
            D.block(shell.offset, shell.offset, 2 * shell.l + 1, 2 * shell.l + 1) = wigner_matrix(shell.l, R);
    return D;
}

inline Eigen::MatrixXd random_symmetric(int n, std::mt19937& rng) {
    std::normal_distribution<double> normal;
    Eigen::MatrixXd A(n, n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) A(i, j) = normal(rng);
    return (A + A.transpose()) / 2;
}

inline double max_abs(const Eigen::MatrixXd& A) { return A.size() ? A.cwiseAbs().maxCoeff() : 0.0; }

// Largest |value| over every block of a structure's Hamiltonian features.
inline double max_abs_value(const hamd::StructureFeatures& f) {
    double m = 0;
    for (const auto& [key, block] : f)
        for (double v : block.values) m = std::max(m, std::fabs(v));
    return m;
}

// Row of sample (i, j) of a feature block, all components: [component][feature]; empty if absent.
inline std::vector<double> sample_rows(const hamd::FeatureBlock& block, int i, int j) {
    const int s = block.find(i, j);
    if (s < 0) return {};
    const double* begin = block.row(s, 0);
    return std::vector<double>(begin, begin + static_cast<size_t>(block.components) * block.width);
}

}  // namespace hamtest
