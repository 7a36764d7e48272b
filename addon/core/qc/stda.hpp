// Grimme's simplified Tamm-Dancoff approach (sTDA) for closed shells, singlets only.
//
// S. Grimme, J. Chem. Phys. 138, 244104 (2013). A port of the reviewed reference
// tools/stda_reference.py (same selection rules, same numbers to ~1e-10 Eh); that file's
// docstring explains the method in full. In short:
//  * Loewdin-orthogonalised MOs C' = S^(1/2) C give atomic transition charges
//    q_pq^A = sum_{mu on A} C'_mu,p C'_mu,q;
//  * two-electron integrals are monopole sums (pq|rs)' = sum_AB q_pq^A gamma_AB q_rs^B with the
//    Mataga-Nishimoto-Ohno-Klopman kernels gamma^K (exchange type, exponent alpha) and gamma^J
//    (Coulomb type, exponent beta, hardness scaled by a_x);
//  * A_ia,jb = delta_ij delta_ab (eps_a - eps_i) + 2 (ia|jb)'_K - (ij|ab)'_J over an orbital
//    window of width dE = 2 (1 + 0.8 a_x) E_thr around the gap;
//  * primary configurations have A_uu <= E_thr; the others are kept as secondary ones when
//    their summed second-order coupling to the primaries exceeds the PT threshold, otherwise
//    they lower the primaries' diagonal by that coupling; the kept block is diagonalised;
//  * f_n = 2/3 omega_n |mu_0n|^2 with mu_0n = sqrt(2) sum_ia X_ia^n <i|r|a>.
// Units: Hartree and Bohr (atomic units) throughout, except E_thr, given in eV.
#pragma once
#include <Eigen/Dense>
#include <vector>

namespace hamd {

// eV per Hartree, CODATA 2018: the value PySCF and the reference use.
constexpr double kStdaEvPerHartree = 27.211386245988;

// Largest accepted |C^T S C - 1|. A deviation d moves every monopole integral by about
// d * max(gamma) <= d * 1 Eh, so 1e-4 costs < 3 meV (far below the method's error) while
// orbitals read from 5-6 digit text files still pass; the mistakes this catches (C and S from
// different bases, AO orders or normalisations, unorthogonalised predicted orbitals) give
// deviations of 1e-3..1. Same value and reasoning as the reference.
constexpr double kStdaOrthonormalityTolerance = 1e-4;

struct StdaInput {
    Eigen::MatrixXd mo_coeff;       // (n_ao, n_mo), columns orthonormal in ao_overlap
    Eigen::VectorXd mo_energy;      // (n_mo), Hartree
    int n_occ = 0;                  // doubly occupied MOs: columns 0..n_occ-1
    Eigen::MatrixXd ao_overlap;     // (n_ao, n_ao)
    std::vector<int> ao_atom;       // (n_ao): index of the atom each AO sits on
    std::vector<int> atomic_numbers;  // (n_atoms)
    Eigen::MatrixXd coords_bohr;    // (n_atoms, 3), Bohr
    // Empty, or 3 matrices <mu|x|nu>, <mu|y|nu>, <mu|z|nu> (n_ao, n_ao), e Bohr, any origin.
    // Empty: monopole transition dipoles <i|r|a> ~ sum_A q_ia^A R_A.
    std::vector<Eigen::MatrixXd> ao_dipole;
    double a_x = 0.2;               // Fock-exchange fraction (B3LYP 0.2, PBE0 0.25, HF 1)
    double e_thr_ev = 7.0;          // spectral range E_thr, eV
    double pt_threshold_eh = 1e-4;  // selection threshold of secondary configurations, Hartree
    int n_states = 0;               // 0: every root <= E_thr; n > 0: the lowest n roots of the block
    double orthonormality_tolerance = kStdaOrthonormalityTolerance;
    // Largest orbital window, in configurations n_occ_window * n_vir_window: the window's A
    // matrix and its (ij|ab) intermediate each hold that number squared of doubles (4000: 128 MB
    // each). A larger window is ResourceExhausted, before anything is allocated.
    long max_window_configurations = 4000;
};

struct StdaResult {
    Eigen::VectorXd energies_eh;           // ascending, Hartree
    Eigen::VectorXd oscillator_strengths;  // dimensionless
    Eigen::MatrixXd transition_dipoles;    // (n_states, 3), e Bohr; sign of each row arbitrary
    // The configurations of the diagonalised block, (occupied MO, virtual MO) each, and every
    // state's amplitudes on them (n_configurations x n_states, columns of norm 1).
    std::vector<std::pair<int, int>> configurations;
    Eigen::MatrixXd amplitudes;
    int n_primary = 0;
    int n_secondary = 0;
    int n_window_occ = 0;
    int n_window_vir = 0;
};

// The orbital window and its full monopole A matrix (Hartree), row index i * n_vir + a where
// i and a count within the window. Exposed for tests and diagnostics.
struct StdaWindow {
    std::vector<int> occupied;  // MO indices, ascending
    std::vector<int> virtuals;  // MO indices, ascending
    Eigen::MatrixXd a_matrix;
    Eigen::MatrixXd transition_dipoles;  // (n_conf, 3): <i|r|a> of each window configuration
};

// Hardness eta_A (Hartree) of element z (Ghosh-Islam, doubled, as Grimme's program uses it).
// Throws InvalidArgument for z outside 1..94.
double stda_chemical_hardness(int z);

// Kernel exponents alpha (K) and beta (J) for a global hybrid with Fock-exchange fraction a_x.
double stda_alpha(double a_x);
double stda_beta(double a_x);

// Validates the input (InvalidArgument with a message saying what is wrong) and builds the
// window and its A matrix.
StdaWindow stda_window(const StdaInput& input);

// The whole method. Throws InvalidArgument for inconsistent shapes, non-finite values, elements
// without a hardness, non-orthonormal orbitals, a non-positive-definite overlap, or an empty
// configuration space (no orbital in the window, or no primary configuration); ResourceExhausted
// for a window above max_window_configurations.
StdaResult stda(const StdaInput& input);

}  // namespace hamd
