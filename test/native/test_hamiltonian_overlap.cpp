// Analytic overlap matrices against PySCF (reference data written by
// test/native/data/make_overlap_reference.py), PySCF orbital order, rotation of S as the
// orbitals rotate, and Loewdin orthogonalisation. Dipole integrals against PySCF's int1e_r
// (the sTDA water fixture), and as a vector operator: they rotate as R (D r_e D^T) and
// translate as r + t S, on every case (the custom ones have d shells).
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/io/npz.hpp"
#include "core/qc/orbital_order.hpp"
#include "core/qc/overlap.hpp"
#include "test_hamiltonian_util.hpp"

namespace {

struct ReferenceCase {
    std::string name;
    hamd::System system;
    hamd::Basis basis;  // STO-3G unless the case lists its own shells
    std::vector<std::string> labels;
    Eigen::MatrixXd overlap;
};

std::string data_path() {
    std::string file = __FILE__;
    return file.substr(0, file.find_last_of('/') + 1) + "data/overlap_reference.txt";
}

std::vector<ReferenceCase> read_reference() {
    std::ifstream in(data_path());
    std::vector<ReferenceCase> cases;
    std::string word;
    while (in >> word) {
        if (word == "#") {
            std::getline(in, word);
        } else if (word == "case") {
            cases.emplace_back();
            in >> cases.back().name;
            cases.back().basis = hamd::Basis::sto3g();
        } else if (word == "atoms") {
            int n;
            in >> n;
            for (int a = 0; a < n; ++a) {
                std::string symbol;
                double x, y, z;
                in >> symbol >> x >> y >> z;
                cases.back().system.types.push_back(hamd::atomic_number(symbol));
                cases.back().system.positions.insert(cases.back().system.positions.end(), {x, y, z});
            }
        } else if (word == "shells") {
            int n;
            in >> n;
            std::map<int, std::vector<hamd::Shell>> shells;
            for (int s = 0; s < n; ++s) {
                std::string symbol;
                hamd::Shell shell;
                int primitives;
                in >> symbol >> shell.n >> shell.l >> primitives;
                for (int p = 0; p < primitives; ++p) {
                    double exponent, coefficient;
                    in >> exponent >> coefficient;
                    shell.exponents.push_back(exponent);
                    shell.coefficients.push_back(coefficient);
                }
                shells[hamd::atomic_number(symbol)].push_back(shell);
            }
            cases.back().basis = hamd::Basis();
            cases.back().basis.name = "custom";
            for (auto& entry : shells) cases.back().basis.add_element(entry.first, entry.second);
        } else if (word == "labels") {
            int n;
            in >> n;
            std::getline(in, word);
            for (int k = 0; k < n; ++k) {
                std::getline(in, word);
                cases.back().labels.push_back(word);
            }
        } else if (word == "overlap") {
            int n;
            in >> n;
            cases.back().overlap.resize(n, n);
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j) in >> cases.back().overlap(i, j);
        }
    }
    return cases;
}

// Dipole integrals of the STO-3G water of test/native/data/stda_water_rhf_sto3g.npz against the
// PySCF int1e_r stored there (PySCF order, origin 0, Bohr).
void check_dipole_against_pyscf() {
    std::string file = __FILE__;
    const std::string path = file.substr(0, file.find_last_of('/') + 1) + "data/stda_water_rhf_sto3g.npz";
    const hamd::NpzArchive npz = hamd::read_npz(path);
    const hamd::NpyArray& coords = hamd::npz_get(npz, "coords_bohr", hamd::NpyType::Float64, path);
    const hamd::NpyArray& numbers = hamd::npz_get(npz, "atomic_numbers", hamd::NpyType::Int64, path);
    const hamd::NpyArray& dipole = hamd::npz_get(npz, "ao_dipole", hamd::NpyType::Float64, path);
    hamd::System water;
    for (std::size_t a = 0; a < numbers.i64.size(); ++a) {
        water.types.push_back(static_cast<int32_t>(numbers.i64[a]));
        for (int d = 0; d < 3; ++d) water.positions.push_back(coords.f64[3 * a + d] * hamd::kBohrAngstrom);
    }
    const hamd::OrbitalLayout layout(hamd::Basis::sto3g(), water.types);
    const hamd::OrbitalPermutation order = hamd::pyscf_order(layout);
    const hamd::OverlapAndDipole ints = hamd::overlap_and_dipole(hamd::Basis::sto3g(), water);
    const int n = layout.size();
    double error = 0;
    for (int d = 0; d < 3; ++d) {
        const Eigen::MatrixXd mine = hamd::matrix_hamd_to_pyscf(ints.dipole[d], order);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) error = std::max(error, std::fabs(mine(i, j) - dipole.f64[(d * n + i) * n + j]));
    }
    std::printf("# water STO-3G: max |r - r_pyscf| = %.2e Bohr\n", error);
    // Both sides are sums of a few dozen primitive products of order 1: rounding is ~1e-15;
    // 1e-10 leaves room for the Bohr constant (PySCF's value, kBohrAngstrom) to the last digit.
    check::ok(error < 1e-10, "water STO-3G: dipole integrals equal PySCF int1e_r to 1e-10 Bohr", std::to_string(error));
}

// The dipole as a vector operator on one case: consistent S, rotation, translation.
void check_dipole_covariance(const ReferenceCase& reference) {
    const std::string name = reference.name;
    const hamd::OrbitalLayout layout(reference.basis, reference.system.types);
    const hamd::OverlapAndDipole ints = hamd::overlap_and_dipole(reference.basis, reference.system);
    const Eigen::MatrixXd S = hamd::overlap_matrix(reference.basis, reference.system);
    check::ok(hamtest::max_abs(ints.overlap - S) < 1e-14, name + ": overlap_and_dipole's S equals overlap_matrix");

    std::mt19937 rng(11);
    double R[9];
    wigner::random_rotation(rng, R);
    const hamd::OverlapAndDipole turned = hamd::overlap_and_dipole(reference.basis, hamtest::rotated(reference.system, R));
    const Eigen::MatrixXd D = hamtest::orbital_rotation(layout, R);
    double rotation_error = 0;
    for (int d = 0; d < 3; ++d) {
        Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(layout.size(), layout.size());
        for (int e = 0; e < 3; ++e) expected += R[3 * d + e] * (D * ints.dipole[e] * D.transpose());
        rotation_error = std::max(rotation_error, hamtest::max_abs(turned.dipole[d] - expected));
    }
    // Entries are |r| <~ 5 Bohr; rounding of the rotation and the recursion: ~1e-14 relative.
    check::ok(rotation_error < 1e-11, name + ": <mu|r|nu> rotates as a vector, R D r D^T", std::to_string(rotation_error));

    const double shift[3] = {0.7, -1.3, 2.1};  // Angstrom
    hamd::System moved = reference.system;
    for (std::size_t a = 0; a < moved.size(); ++a)
        for (int d = 0; d < 3; ++d) moved.positions[3 * a + d] += shift[d];
    const hamd::OverlapAndDipole translated = hamd::overlap_and_dipole(reference.basis, moved);
    double translation_error = 0;
    for (int d = 0; d < 3; ++d)
        translation_error = std::max(translation_error, hamtest::max_abs(translated.dipole[d] - ints.dipole[d] -
                                                                           (shift[d] / hamd::kBohrAngstrom) * S));
    check::ok(translation_error < 1e-11, name + ": <mu|r + t|nu> = <mu|r|nu> + t S", std::to_string(translation_error));
    double asymmetry = 0;
    for (int d = 0; d < 3; ++d) asymmetry = std::max(asymmetry, hamtest::max_abs(ints.dipole[d] - ints.dipole[d].transpose()));
    check::ok(asymmetry == 0, name + ": dipole matrices are symmetric");
}

}  // namespace

int main() {
    const std::vector<ReferenceCase> cases = read_reference();
    check::ok(cases.size() == 4, "reference file has 4 cases", data_path());

    for (const ReferenceCase& reference : cases) {
        const std::string name = reference.name;
        const hamd::OrbitalLayout layout(reference.basis, reference.system.types);
        const hamd::OrbitalPermutation order = hamd::pyscf_order(layout);
        check::ok(layout.size() == reference.overlap.rows(), name + ": orbital count matches PySCF");
        check::ok(hamd::orbital_label_strings(layout, true) == reference.labels,
                  name + ": labels in PySCF order equal mol.ao_labels()");

        const Eigen::MatrixXd S = hamd::overlap_matrix(reference.basis, reference.system);
        const Eigen::MatrixXd S_pyscf = hamd::matrix_hamd_to_pyscf(S, order);
        const double error = hamtest::max_abs(S_pyscf - reference.overlap);
        std::printf("# %s: max |S - S_pyscf| = %.2e\n", name.c_str(), error);
        check::ok(error < 1e-10, name + ": S equals PySCF int1e_ovlp to 1e-10", "max error " + std::to_string(error));
        check::ok(hamtest::max_abs(hamd::matrix_pyscf_to_hamd(S_pyscf, order) - S) == 0,
                  name + ": hamd -> PySCF -> hamd is the identity");
        Eigen::MatrixXd C = Eigen::MatrixXd::Random(layout.size(), 3);
        check::ok(hamtest::max_abs(hamd::rows_pyscf_to_hamd(hamd::rows_hamd_to_pyscf(C, order), order) - C) == 0,
                  name + ": row reordering round trip");

        // S(R x) = D S(x) D^T with D the block-diagonal real Wigner matrices in hamd order.
        std::mt19937 rng(7);
        double R[9];
        wigner::random_rotation(rng, R);
        const Eigen::MatrixXd S_rotated = hamd::overlap_matrix(reference.basis, hamtest::rotated(reference.system, R));
        const Eigen::MatrixXd D = hamtest::orbital_rotation(layout, R);
        const double rotation_error = hamtest::max_abs(S_rotated - D * S * D.transpose());
        check::ok(rotation_error < 1e-12, name + ": S rotates as D S D^T", std::to_string(rotation_error));

        // Loewdin: X S X = 1, and orthogonalise / deorthogonalise are inverse.
        const hamd::LoewdinTransform X = hamd::loewdin(S);
        const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(layout.size(), layout.size());
        check::ok(hamtest::max_abs(X.inverse_sqrt * S * X.inverse_sqrt - identity) < 1e-10, name + ": S^-1/2 S S^-1/2 = 1");
        check::ok(hamtest::max_abs(X.sqrt * X.sqrt - S) < 1e-10, name + ": (S^1/2)^2 = S");
        const Eigen::MatrixXd F = hamtest::random_symmetric(layout.size(), rng);
        check::ok(hamtest::max_abs(hamd::deorthogonalise(hamd::orthogonalise(F, X), X) - F) < 1e-10,
                  name + ": F -> F' -> F round trip");
        // The generalised eigenproblem F c = e S c has the eigenvalues of F'.
        Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> generalised(F, S);
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> orthogonal(hamd::orthogonalise(F, X));
        check::ok((generalised.eigenvalues() - orthogonal.eigenvalues()).cwiseAbs().maxCoeff() < 1e-9,
                  name + ": eigenvalues of F' solve F c = e S c");
    }

    check_dipole_against_pyscf();
    for (const ReferenceCase& reference : cases) check_dipole_covariance(reference);

    // The PySCF map on STO-3G methanol, spelled out: p is (x, y, z) there, (y, z, x) here.
    const hamd::OrbitalLayout methanol(hamd::Basis::sto3g(), hamtest::methanol().types);
    const std::vector<int> expected_start = {0, 1, 4, 2, 3, 5, 6, 9, 7, 8, 10};
    const auto map = hamd::pyscf_order(methanol).hamd_index;
    check::ok(std::vector<int>(map.begin(), map.begin() + 11) == expected_start, "C and O p shells reorder x, y, z <- y, z, x");

    // Two atoms on top of each other: S is singular, loewdin says so.
    hamd::System clash;
    clash.types = {1, 1};
    clash.positions = {0, 0, 0, 0, 0, 1e-7};
    bool thrown = false;
    try {
        hamd::loewdin(hamd::overlap_matrix(hamd::Basis::sto3g(), clash));
    } catch (const hamd::InvalidArgument&) {
        thrown = true;
    }
    check::ok(thrown, "singular overlap throws InvalidArgument");
    thrown = false;
    try {
        hamd::System helium;
        helium.types = {2};
        helium.positions = {0, 0, 0};
        hamd::overlap_matrix(hamd::Basis::sto3g(), helium);
    } catch (const hamd::InvalidArgument& error) {
        thrown = std::string(error.what()).find("He") != std::string::npos;
    }
    check::ok(thrown, "element outside the basis throws InvalidArgument naming it");
    return check::finish();
}
