// sTDA (addon/core/qc/stda.cpp) against the reviewed Python reference tools/stda_reference.py on
// stored fixtures (test/native/data/stda_*.npz, written by tools/make-stda-fixtures.py from PySCF
// orbitals); the window A matrix against an independent loop implementation written here, its
// symmetry, and the full diagonalisation it reduces to when E_thr is huge; invariance under a
// consistent permutation of the atoms and their AOs; clear errors for bad input.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/io/npz.hpp"
#include "core/qc/stda.hpp"

namespace {

std::string data_dir() {
    std::string file = __FILE__;
    return file.substr(0, file.find_last_of('/') + 1) + "data/";
}

struct Fixture {
    std::string name;
    hamd::StdaInput input;
    Eigen::VectorXd energies_eh, oscillator_strengths;
    Eigen::MatrixXd transition_dipoles;
    int n_primary = 0, n_secondary = 0, n_window_occ = 0, n_window_vir = 0;
};

// A C-ordered float64 array of rank 1 or 2 (or one slice of rank 3) as an Eigen matrix.
Eigen::MatrixXd matrix(const hamd::NpyArray& array, std::size_t slice = 0) {
    const std::size_t rank = array.shape.size();
    const std::size_t rows = rank == 1 ? array.shape[0] : array.shape[rank - 2];
    const std::size_t cols = rank == 1 ? 1 : array.shape[rank - 1];
    Eigen::MatrixXd out(rows, cols);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) out(r, c) = array.f64[slice * rows * cols + r * cols + c];
    return out;
}

Fixture load(const std::string& name) {
    const std::string path = data_dir() + "stda_" + name + ".npz";
    const hamd::NpzArchive npz = hamd::read_npz(path);
    auto f64 = [&](const char* key) -> const hamd::NpyArray& { return hamd::npz_get(npz, key, hamd::NpyType::Float64, path); };
    auto ints = [&](const char* key) {
        const hamd::NpyArray& a = hamd::npz_get(npz, key, hamd::NpyType::Int64, path);
        return std::vector<int>(a.i64.begin(), a.i64.end());
    };
    auto scalar = [&](const char* key) { return f64(key).f64.at(0); };
    Fixture f;
    f.name = name;
    hamd::StdaInput& in = f.input;
    in.mo_coeff = matrix(f64("mo_coeff"));
    in.mo_energy = matrix(f64("mo_energy"));
    in.n_occ = static_cast<int>(hamd::npz_int(npz, "n_occ", path));
    in.ao_overlap = matrix(f64("ao_overlap"));
    in.ao_atom = ints("ao_atom");
    in.atomic_numbers = ints("atomic_numbers");
    in.coords_bohr = matrix(f64("coords_bohr"));
    if (hamd::npz_int(npz, "has_dipole", path))
        for (std::size_t x = 0; x < 3; ++x) in.ao_dipole.push_back(matrix(f64("ao_dipole"), x));
    in.a_x = scalar("a_x");
    in.e_thr_ev = scalar("e_thr_ev");
    in.pt_threshold_eh = scalar("pt_threshold_eh");
    in.n_states = static_cast<int>(hamd::npz_int(npz, "n_states", path));
    f.energies_eh = matrix(f64("energies_eh"));
    f.oscillator_strengths = matrix(f64("oscillator_strengths"));
    f.transition_dipoles = matrix(f64("transition_dipoles_au"));
    if (f.transition_dipoles.rows() == 0) f.transition_dipoles.resize(0, 3);
    f.n_primary = static_cast<int>(hamd::npz_int(npz, "n_primary", path));
    f.n_secondary = static_cast<int>(hamd::npz_int(npz, "n_secondary", path));
    f.n_window_occ = static_cast<int>(hamd::npz_int(npz, "n_window_occ", path));
    f.n_window_vir = static_cast<int>(hamd::npz_int(npz, "n_window_vir", path));
    return f;
}

std::string fmt(const char* format, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

double max_abs_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
    return a.size() ? (a - b).cwiseAbs().maxCoeff() : 0.0;
}

// ---- (a) agreement with the Python reference ----

void check_reference(const Fixture& f, double& worst_energy, double& worst_f) {
    const hamd::StdaResult r = hamd::stda(f.input);
    const std::string tag = f.name + ": ";
    check::ok(r.n_window_occ == f.n_window_occ && r.n_window_vir == f.n_window_vir,
              tag + "same orbital window as the reference",
              std::to_string(r.n_window_occ) + "x" + std::to_string(r.n_window_vir));
    check::ok(r.n_primary == f.n_primary && r.n_secondary == f.n_secondary,
              tag + "same primary and secondary configuration counts as the reference (" +
                  std::to_string(f.n_primary) + " + " + std::to_string(f.n_secondary) + ")",
              std::to_string(r.n_primary) + " + " + std::to_string(r.n_secondary));
    check::ok(r.energies_eh.size() == f.energies_eh.size(),
              tag + "same number of states as the reference (" + std::to_string(f.energies_eh.size()) + ")",
              std::to_string(r.energies_eh.size()));
    const double de = max_abs_diff(r.energies_eh, f.energies_eh);
    const double df = max_abs_diff(r.oscillator_strengths, f.oscillator_strengths);
    worst_energy = std::max(worst_energy, de);
    worst_f = std::max(worst_f, df);
    check::ok(de <= 1e-9, tag + "excitation energies agree with the reference to 1e-9 Eh", "max diff " + fmt("%.3e", de));
    check::ok(df <= 1e-7, tag + "oscillator strengths agree with the reference to 1e-7", "max diff " + fmt("%.3e", df));
    // Each eigenvector's sign is arbitrary, and so is each transition dipole's.
    double dmu = r.transition_dipoles.rows() == f.transition_dipoles.rows() ? 0.0 : INFINITY;
    for (Eigen::Index n = 0; std::isfinite(dmu) && n < r.transition_dipoles.rows(); ++n) {
        const Eigen::RowVector3d a = r.transition_dipoles.row(n), b = f.transition_dipoles.row(n);
        dmu = std::max(dmu, std::min((a - b).cwiseAbs().maxCoeff(), (a + b).cwiseAbs().maxCoeff()));
    }
    check::ok(dmu <= 1e-7, tag + "transition dipoles agree with the reference up to sign (1e-7 e Bohr)",
              "max diff " + fmt("%.3e", dmu));
    bool ascending = true;
    for (Eigen::Index n = 1; n < r.energies_eh.size(); ++n) ascending = ascending && r.energies_eh[n] >= r.energies_eh[n - 1];
    check::ok(ascending && r.oscillator_strengths.minCoeff() >= 0.0, tag + "energies ascending, f >= 0");
}

// ---- (b) an independent A matrix: explicit loops over AOs, atoms and orbitals ----

// Hardness of the fixtures' elements, typed in again from the reference's table (Hartree).
double hardness(int z) {
    static const std::map<int, double> table = {{1, 0.47259288}, {6, 0.42195412}, {7, 0.50438193}, {8, 0.58691863}};
    return table.at(z);
}

double mnok(double r, double eta, double exponent) {
    return 1.0 / std::pow(std::pow(r, exponent) + std::pow(eta, -exponent), 1.0 / exponent);
}

struct LoopA {
    Eigen::MatrixXd a;
    int n_occ = 0, n_vir = 0;
};

// The monopole A over all occupied x all virtual MOs (the window of a huge E_thr).
LoopA loop_a_matrix(const hamd::StdaInput& in) {
    const int n_ao = static_cast<int>(in.mo_coeff.rows()), n_mo = static_cast<int>(in.mo_coeff.cols());
    const int n_atoms = static_cast<int>(in.atomic_numbers.size());
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(in.ao_overlap);  // not the library's LAPACK path
    const Eigen::MatrixXd c = solver.operatorSqrt() * in.mo_coeff;
    // q[A](p, q) for all MO pairs.
    std::vector<Eigen::MatrixXd> q(n_atoms, Eigen::MatrixXd::Zero(n_mo, n_mo));
    for (int mu = 0; mu < n_ao; ++mu)
        for (int p = 0; p < n_mo; ++p)
            for (int s = 0; s < n_mo; ++s) q[in.ao_atom[mu]](p, s) += c(mu, p) * c(mu, s);
    const double alpha = 1.42 + 0.48 * in.a_x, beta = 0.20 + 1.83 * in.a_x;
    Eigen::MatrixXd gk(n_atoms, n_atoms), gj(n_atoms, n_atoms);
    for (int a = 0; a < n_atoms; ++a)
        for (int b = 0; b < n_atoms; ++b) {
            const double r = (in.coords_bohr.row(a) - in.coords_bohr.row(b)).norm();
            const double eta = 0.5 * (hardness(in.atomic_numbers[a]) + hardness(in.atomic_numbers[b]));
            gk(a, b) = mnok(r, eta, alpha);
            gj(a, b) = in.a_x > 0 ? mnok(r, in.a_x * eta, beta) : 0.0;
        }
    LoopA out;
    out.n_occ = in.n_occ;
    out.n_vir = n_mo - in.n_occ;
    const int n_conf = out.n_occ * out.n_vir;
    out.a = Eigen::MatrixXd::Zero(n_conf, n_conf);
    for (int i = 0; i < out.n_occ; ++i)
        for (int a = 0; a < out.n_vir; ++a)
            for (int j = 0; j < out.n_occ; ++j)
                for (int b = 0; b < out.n_vir; ++b) {
                    const int va = in.n_occ + a, vb = in.n_occ + b;
                    double value = (i == j && a == b) ? in.mo_energy[va] - in.mo_energy[i] : 0.0;
                    for (int A = 0; A < n_atoms; ++A)
                        for (int B = 0; B < n_atoms; ++B)
                            value += 2.0 * q[A](i, va) * gk(A, B) * q[B](j, vb) - q[A](i, j) * gj(A, B) * q[B](va, vb);
                    out.a(i * out.n_vir + a, j * out.n_vir + b) = value;
                }
    return out;
}

void check_a_matrix(const Fixture& f) {
    const std::string tag = f.name + ": ";
    const hamd::StdaWindow w = hamd::stda_window(f.input);
    const double asym = max_abs_diff(w.a_matrix, w.a_matrix.transpose());
    check::ok(asym <= 1e-13, tag + "window A is symmetric", fmt("max |A - A^T| %.3e", asym));

    hamd::StdaInput huge = f.input;
    huge.e_thr_ev = 1e4;
    huge.n_states = 0;
    const hamd::StdaWindow all = hamd::stda_window(huge);
    const LoopA loop = loop_a_matrix(f.input);
    check::ok(static_cast<int>(all.occupied.size()) == loop.n_occ && static_cast<int>(all.virtuals.size()) == loop.n_vir,
              tag + "a huge E_thr puts every orbital in the window");
    const double da = max_abs_diff(all.a_matrix, loop.a);
    check::ok(da <= 1e-11, tag + "library A equals the loop-built A over all orbitals", fmt("max diff %.3e", da));

    // The window of f.input is a sub-block of the full A (same rows, shifted indices).
    double dsub = 0.0;
    const int nv = static_cast<int>(w.virtuals.size());
    for (std::size_t i = 0; i < w.occupied.size(); ++i)
        for (int a = 0; a < nv; ++a)
            for (std::size_t j = 0; j < w.occupied.size(); ++j)
                for (int b = 0; b < nv; ++b) {
                    const int row = w.occupied[i] * loop.n_vir + (w.virtuals[a] - loop.n_occ);
                    const int col = w.occupied[j] * loop.n_vir + (w.virtuals[b] - loop.n_occ);
                    dsub = std::max(dsub, std::fabs(w.a_matrix(i * nv + a, j * nv + b) - loop.a(row, col)));
                }
    check::ok(dsub <= 1e-11, tag + "the window A is the matching block of the loop-built A", fmt("max diff %.3e", dsub));

    const hamd::StdaResult r = hamd::stda(huge);
    const int n_conf = loop.n_occ * loop.n_vir;
    check::ok(r.n_primary == n_conf && r.n_secondary == 0 && r.energies_eh.size() == n_conf,
              tag + "a huge E_thr makes every configuration primary and returns every root",
              std::to_string(r.n_primary) + " primary, " + std::to_string(r.energies_eh.size()) + " roots");
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(loop.a, Eigen::EigenvaluesOnly);
    const double dr = max_abs_diff(r.energies_eh, solver.eigenvalues());
    check::ok(dr <= 1e-10, tag + "a huge E_thr gives the eigenvalues of the full monopole A", fmt("max diff %.3e", dr));
}

// ---- (c) permuting the atoms and their AOs consistently ----

hamd::StdaInput permuted(const hamd::StdaInput& in, const std::vector<int>& new_to_old_atom) {
    const int n_atoms = static_cast<int>(new_to_old_atom.size());
    std::vector<int> old_to_new(n_atoms);
    for (int k = 0; k < n_atoms; ++k) old_to_new[new_to_old_atom[k]] = k;
    std::vector<int> ao_order;  // new AO index -> old AO index, grouped by new atom
    for (int k = 0; k < n_atoms; ++k)
        for (std::size_t mu = 0; mu < in.ao_atom.size(); ++mu)
            if (in.ao_atom[mu] == new_to_old_atom[k]) ao_order.push_back(static_cast<int>(mu));
    const int n = static_cast<int>(ao_order.size());
    Eigen::PermutationMatrix<Eigen::Dynamic> p(n);  // (P x)[k] = x[ao_order[k]]
    for (int k = 0; k < n; ++k) p.indices()[ao_order[k]] = k;
    hamd::StdaInput out = in;
    out.mo_coeff = p * in.mo_coeff;
    out.ao_overlap = p * in.ao_overlap * p.transpose();
    for (auto& d : out.ao_dipole) d = p * d * p.transpose();
    for (int k = 0; k < n; ++k) out.ao_atom[k] = old_to_new[in.ao_atom[ao_order[k]]];
    for (int k = 0; k < n_atoms; ++k) {
        out.atomic_numbers[k] = in.atomic_numbers[new_to_old_atom[k]];
        out.coords_bohr.row(k) = in.coords_bohr.row(new_to_old_atom[k]);
    }
    return out;
}

void check_permutation(const Fixture& f) {
    const std::string tag = f.name + ": ";
    const int n_atoms = static_cast<int>(f.input.atomic_numbers.size());
    std::vector<int> order(n_atoms);
    std::iota(order.begin(), order.end(), 0);
    std::rotate(order.begin(), order.begin() + 1, order.end());  // 1, 2, ..., 0
    std::swap(order.front(), order.back());
    const hamd::StdaInput moved = permuted(f.input, order);
    check::ok(max_abs_diff(moved.mo_coeff, f.input.mo_coeff) > 1e-3, tag + "the permutation really moves AOs");
    const hamd::StdaResult a = hamd::stda(f.input), b = hamd::stda(moved);
    check::ok(a.n_primary == b.n_primary && a.n_secondary == b.n_secondary, tag + "permuting atoms keeps the selection");
    const double de = max_abs_diff(a.energies_eh, b.energies_eh), df = max_abs_diff(a.oscillator_strengths, b.oscillator_strengths);
    check::ok(de <= 1e-11, tag + "permuting atoms and AOs leaves the energies unchanged", fmt("max diff %.3e", de));
    check::ok(df <= 1e-10, tag + "permuting atoms and AOs leaves the oscillator strengths unchanged", fmt("max diff %.3e", df));
}

// ---- (d) errors ----

bool throws(const hamd::StdaInput& in, const std::string& fragment, std::string& message) {
    try {
        hamd::stda(in);
        message = "no exception";
    } catch (const hamd::InvalidArgument& e) {
        message = e.what();
        return message.find(fragment) != std::string::npos;
    } catch (const std::exception& e) {
        message = std::string("wrong exception type: ") + e.what();
    }
    return false;
}

void expect_error(const hamd::StdaInput& in, const std::string& fragment, const std::string& name) {
    std::string message;
    const bool good = throws(in, fragment, message);
    check::ok(good, name + " (InvalidArgument: \"" + fragment + "\")", message);
}

void check_errors(const Fixture& water) {
    using Mutation = std::function<void(hamd::StdaInput&)>;
    const hamd::StdaInput& base = water.input;
    auto with = [&](const Mutation& change) {
        hamd::StdaInput in = base;
        change(in);
        return in;
    };
    expect_error(with([](auto& in) { in.atomic_numbers[1] = 0; }), "atomic number(s) 0", "ghost atom Z = 0 rejected");
    expect_error(with([](auto& in) { in.atomic_numbers[0] = 95; in.atomic_numbers[2] = 118; }),
                 "atomic number(s) 95, 118", "elements beyond the table rejected, all named");
    expect_error(with([](auto& in) { in.mo_energy.conservativeResize(in.mo_energy.size() - 1); }), "mo_energy must have",
                 "mo_energy of the wrong length");
    expect_error(with([](auto& in) { in.ao_overlap = Eigen::MatrixXd::Identity(6, 6); }), "ao_overlap must have shape",
                 "ao_overlap of the wrong shape");
    expect_error(with([](auto& in) { in.ao_atom.pop_back(); }), "ao_atom must have", "ao_atom of the wrong length");
    expect_error(with([](auto& in) { in.ao_atom[0] = 3; }), "ao_atom must hold atom indices", "ao_atom out of range");
    expect_error(with([](auto& in) { in.coords_bohr.conservativeResize(2, 3); }), "coords_bohr must have shape",
                 "coords_bohr of the wrong shape");
    expect_error(with([](auto& in) { in.ao_dipole.pop_back(); }), "ao_dipole must be", "two dipole matrices rejected");
    expect_error(with([](auto& in) { in.n_occ = 0; }), "n_occ must be", "n_occ = 0 rejected");
    expect_error(with([](auto& in) { in.n_occ = static_cast<int>(in.mo_energy.size()); }), "n_occ must be",
                 "no virtual orbital rejected");
    expect_error(with([](auto& in) { in.mo_coeff(0, 0) = NAN; }), "mo_coeff has non-finite", "NaN in mo_coeff rejected");
    expect_error(with([](auto& in) { in.a_x = 1.5; }), "a_x must be", "a_x > 1 rejected");
    expect_error(with([](auto& in) { in.e_thr_ev = 0.0; }), "e_thr_ev must be positive", "E_thr = 0 rejected");
    expect_error(with([](auto& in) { in.n_states = -1; }), "n_states must be", "negative n_states rejected");
    // Orthonormality: 1.001 C deviates by 2e-3 (the mistakes the check is for); 1 + 1e-6 passes.
    expect_error(with([](auto& in) { in.mo_coeff *= 1.001; }), "not orthonormal", "orbitals scaled by 1.001 rejected");
    expect_error(with([](auto& in) { in.ao_overlap *= 1.01; in.ao_overlap.diagonal().array() = 1.0; }), "not orthonormal",
                 "an overlap of another basis rejected");
    try {
        hamd::stda(with([](auto& in) { in.mo_coeff *= 1.0 + 1e-6; }));
        check::ok(true, "orbitals 2e-6 from orthonormal (text-file precision) are accepted");
    } catch (const std::exception& e) {
        check::ok(false, "orbitals 2e-6 from orthonormal (text-file precision) are accepted", e.what());
    }
    // Empty configuration spaces: no orbital in the window; a window without primaries.
    expect_error(with([](auto& in) { in.e_thr_ev = 0.01; }), "no orbitals in the window", "a tiny E_thr: empty window");
    expect_error(with([](auto& in) { in.e_thr_ev = 14.0; }), "no configuration has A_ia,ia <= E_thr",
                 "RHF/STO-3G water at E_thr = 14 eV: no primary configuration");
    expect_error(with([](auto& in) {
                     in.mo_coeff.resize(0, 0);
                 }),
                 "mo_coeff is empty", "empty orbitals rejected");
    bool table_ok = false;
    try {
        table_ok = hamd::stda_chemical_hardness(1) == 0.47259288 && hamd::stda_chemical_hardness(94) == 0.22370139;
        hamd::stda_chemical_hardness(95);
        table_ok = false;
    } catch (const hamd::InvalidArgument&) {
    }
    check::ok(table_ok, "hardness table: H and Pu as in the reference, Z = 95 rejected");
}

}  // namespace

// The block's configurations and amplitudes: (occupied, virtual) MO pairs, unit-norm columns,
// and A reconstructed from them reproduces the energies (x^T A x = omega for the full block at
// a huge threshold, where no perturbative shift applies).
void check_configurations(const Fixture& f) {
    hamd::StdaInput in = f.input;
    const hamd::StdaResult r = hamd::stda(in);
    bool pairs = !r.configurations.empty();
    for (const auto& [i, a] : r.configurations) pairs = pairs && i >= 0 && i < in.n_occ && a >= in.n_occ && a < in.mo_energy.size();
    check::ok(pairs, f.name + ": configurations are (occupied, virtual) MO pairs");
    check::ok(r.amplitudes.rows() == static_cast<Eigen::Index>(r.configurations.size()) && r.amplitudes.cols() == r.energies_eh.size(),
              f.name + ": one amplitude column per state, one row per configuration");
    double norm_error = 0;
    for (Eigen::Index s = 0; s < r.amplitudes.cols(); ++s) norm_error = std::max(norm_error, std::fabs(r.amplitudes.col(s).norm() - 1));
    check::ok(norm_error < 1e-12, f.name + ": amplitude columns have unit norm", std::to_string(norm_error));

    in.e_thr_ev = 1e4;  // every window configuration primary: the block is the whole window A
    in.n_states = 0;
    const hamd::StdaResult full = hamd::stda(in);
    const hamd::StdaWindow w = hamd::stda_window(in);
    double rayleigh_error = 0;
    for (Eigen::Index s = 0; s < full.energies_eh.size(); ++s) {
        Eigen::VectorXd x = Eigen::VectorXd::Zero(w.a_matrix.rows());
        for (std::size_t c = 0; c < full.configurations.size(); ++c) {
            const auto [i, a] = full.configurations[c];
            const auto io = std::find(w.occupied.begin(), w.occupied.end(), i) - w.occupied.begin();
            const auto av = std::find(w.virtuals.begin(), w.virtuals.end(), a) - w.virtuals.begin();
            x[io * static_cast<Eigen::Index>(w.virtuals.size()) + av] = full.amplitudes(static_cast<Eigen::Index>(c), s);
        }
        rayleigh_error = std::max(rayleigh_error, std::fabs(x.dot(w.a_matrix * x) - full.energies_eh[s]));
    }
    check::ok(rayleigh_error < 1e-10, f.name + ": x^T A x of each state's amplitudes is its energy", std::to_string(rayleigh_error));
}

// A window above max_window_configurations is ResourceExhausted, saying how large it is.
void check_window_limit(const Fixture& f) {
    hamd::StdaInput in = f.input;
    in.max_window_configurations = 3;
    std::string message;
    bool exhausted = false;
    try {
        hamd::stda(in);
    } catch (const hamd::ResourceExhausted& e) {
        exhausted = true;
        message = e.what();
    }
    check::ok(exhausted, f.name + ": a window above the configuration limit is ResourceExhausted");
    check::ok(message.find("above the limit of 3") != std::string::npos && message.find("configurations") != std::string::npos,
              f.name + ": the message gives the window and the limit", message);
}

int main() {
    const std::vector<std::string> names = {"water_rhf_sto3g", "formaldehyde_rhf_sto3g", "ethylene_b3lyp_def2svp"};
    std::vector<Fixture> fixtures;
    for (const auto& name : names) {
        try {
            fixtures.push_back(load(name));
            check::ok(true, "fixture " + name + " loads");
        } catch (const std::exception& e) {
            check::ok(false, "fixture " + name + " loads", e.what());
        }
    }
    double worst_energy = 0.0, worst_f = 0.0;
    for (const auto& f : fixtures) {
        try {
            check_reference(f, worst_energy, worst_f);
            check_a_matrix(f);
            check_permutation(f);
        } catch (const std::exception& e) {
            check::ok(false, f.name + ": no unexpected exception", e.what());
        }
    }
    std::printf("# largest differences to the reference: energy %.3e Eh, oscillator strength %.3e\n", worst_energy, worst_f);
    if (!fixtures.empty() && fixtures[0].name == "water_rhf_sto3g") check_errors(fixtures[0]);
    for (const auto& f : fixtures) check_configurations(f);
    if (!fixtures.empty()) check_window_limit(fixtures[0]);
    return check::finish();
}
