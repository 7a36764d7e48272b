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
