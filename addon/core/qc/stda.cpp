// sTDA (Grimme 2013): see stda.hpp and tools/stda_reference.py, which this follows step by step.
#include "core/qc/stda.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "core/base/errors.hpp"
#include "core/math/eigen_solver.hpp"

namespace hamd {
namespace {

// Chemical hardness eta_A (Hartree) for Z = 1..94, index Z-1: Ghosh and Islam, Int. J. Quantum
// Chem. (2010), doi:10.1002/qua.22202, doubled and converted to Hartree as in Grimme's stda
// program (subroutine setrep), so that eta_A = IP - EA, the one-centre repulsion. Same digits
// as the reference's _HARDNESS_EH.
constexpr double kHardnessEh[] = {
    0.47259288, 0.92203391, 0.17452888, 0.25700733, 0.33949086,  // H  He Li Be B
    0.42195412, 0.50438193, 0.58691863, 0.66931351, 0.75191607,  // C  N  O  F  Ne
    0.17964105, 0.22157276, 0.26348578, 0.30539645, 0.34734014,  // Na Mg Al Si P
    0.38924725, 0.43115670, 0.47308269, 0.17105469, 0.20276244,  // S  Cl Ar K  Ca
    0.21007322, 0.21739647, 0.22471039, 0.23201501, 0.23933969,  // Sc Ti V  Cr Mn
    0.24665638, 0.25398255, 0.26128863, 0.26859476, 0.27592565,  // Fe Co Ni Cu Zn
    0.30762999, 0.33931580, 0.37235985, 0.40273549, 0.43445776,  // Ga Ge As Se Br
    0.46611708, 0.15585079, 0.18649324, 0.19356210, 0.20063311,  // Kr Rb Sr Y  Zr
    0.20770522, 0.21477254, 0.22184614, 0.22891872, 0.23598621,  // Nb Mo Tc Ru Rh
    0.24305612, 0.25013018, 0.25719937, 0.28784780, 0.31848673,  // Pd Ag Cd In Sn
    0.34912431, 0.37976593, 0.41040808, 0.44105777, 0.05019332,  // Sb Te I  Xe Cs
    0.06762570, 0.08504445, 0.10247736, 0.11991105, 0.13732772,  // Ba La Ce Pr Nd
    0.15476297, 0.17218265, 0.18961288, 0.20704760, 0.22446752,  // Pm Sm Eu Gd Tb
    0.24189645, 0.25932503, 0.27676094, 0.29418231, 0.31159587,  // Dy Ho Er Tm Yb
    0.32902274, 0.34592298, 0.36388048, 0.38130586, 0.39877476,  // Lu Hf Ta W  Re
    0.41614298, 0.43364510, 0.45104014, 0.46848986, 0.48584550,  // Os Ir Pt Au Hg
    0.12526730, 0.14268677, 0.16011615, 0.17755889, 0.19497557,  // Tl Pb Bi Po At
    0.21240778, 0.07263525, 0.09422158, 0.09920295, 0.10418621,  // Rn Fr Ra Ac Th
    0.14235633, 0.16394294, 0.18551941, 0.22370139,              // Pa U  Np Pu
};
constexpr int kHardnessElements = static_cast<int>(sizeof kHardnessEh / sizeof kHardnessEh[0]);

std::string shape(Eigen::Index rows, Eigen::Index cols) {
    return "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")";
}

std::string number(const char* format, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

// Shapes, index ranges, finiteness and parameters; the errors the reference raises first.
void check_shapes_and_parameters(const StdaInput& in) {
    const Eigen::Index n_ao = in.mo_coeff.rows(), n_mo = in.mo_coeff.cols();
    if (n_ao == 0 || n_mo == 0) throw InvalidArgument("stda: mo_coeff is empty, got shape " + shape(n_ao, n_mo));
    if (in.mo_energy.size() != n_mo)
        throw InvalidArgument("stda: mo_energy must have " + std::to_string(n_mo) + " entries for " +
                              std::to_string(n_mo) + " MOs, got " + std::to_string(in.mo_energy.size()));
    if (!(in.n_occ > 0 && in.n_occ < n_mo))
        throw InvalidArgument("stda: n_occ must be in 1.." + std::to_string(n_mo - 1) +
                              " (doubly occupied MOs), got " + std::to_string(in.n_occ));
    if (in.ao_overlap.rows() != n_ao || in.ao_overlap.cols() != n_ao)
        throw InvalidArgument("stda: ao_overlap must have shape " + shape(n_ao, n_ao) + " for " +
                              std::to_string(n_ao) + " AOs, got " + shape(in.ao_overlap.rows(), in.ao_overlap.cols()));
    const int n_atoms = static_cast<int>(in.atomic_numbers.size());
    if (n_atoms == 0) throw InvalidArgument("stda: atomic_numbers is empty");
    if (in.coords_bohr.rows() != n_atoms || in.coords_bohr.cols() != 3)
        throw InvalidArgument("stda: coords_bohr must have shape " + shape(n_atoms, 3) + " for " +
                              std::to_string(n_atoms) + " atoms, got " +
                              shape(in.coords_bohr.rows(), in.coords_bohr.cols()));
    if (static_cast<Eigen::Index>(in.ao_atom.size()) != n_ao)
        throw InvalidArgument("stda: ao_atom must have " + std::to_string(n_ao) + " entries for " +
                              std::to_string(n_ao) + " AOs, got " + std::to_string(in.ao_atom.size()));
    for (int atom : in.ao_atom)
        if (atom < 0 || atom >= n_atoms)
            throw InvalidArgument("stda: ao_atom must hold atom indices in 0.." + std::to_string(n_atoms - 1) +
                                  ", got " + std::to_string(atom));
    if (!in.ao_dipole.empty()) {
        bool good = in.ao_dipole.size() == 3;
        for (const auto& d : in.ao_dipole) good = good && d.rows() == n_ao && d.cols() == n_ao;
        if (!good)
            throw InvalidArgument("stda: ao_dipole must be empty or 3 matrices of shape " + shape(n_ao, n_ao));
        for (const auto& d : in.ao_dipole)
            if (!d.allFinite()) throw InvalidArgument("stda: ao_dipole has non-finite values");
    }
    if (!in.mo_coeff.allFinite()) throw InvalidArgument("stda: mo_coeff has non-finite values");
    if (!in.mo_energy.allFinite()) throw InvalidArgument("stda: mo_energy has non-finite values");
    if (!in.ao_overlap.allFinite()) throw InvalidArgument("stda: ao_overlap has non-finite values");
    if (!in.coords_bohr.allFinite()) throw InvalidArgument("stda: coords_bohr has non-finite values");
    if (!(in.a_x >= 0.0 && in.a_x <= 1.0)) throw InvalidArgument("stda: a_x must be in [0, 1], got " + number("%g", in.a_x));
    if (!(in.e_thr_ev > 0.0) || !std::isfinite(in.e_thr_ev))
        throw InvalidArgument("stda: e_thr_ev must be positive, got " + number("%g", in.e_thr_ev));
    if (!(in.pt_threshold_eh >= 0.0) || !std::isfinite(in.pt_threshold_eh))
        throw InvalidArgument("stda: pt_threshold_eh must be >= 0, got " + number("%g", in.pt_threshold_eh));
    if (in.n_states < 0)
        throw InvalidArgument("stda: n_states must be >= 0 (0: every root <= E_thr), got " + std::to_string(in.n_states));
}

// Every element must have a hardness; reported together, before any linear algebra.
void check_elements(const std::vector<int>& atomic_numbers) {
    std::set<int> unknown;
    for (int z : atomic_numbers)
        if (z < 1 || z > kHardnessElements) unknown.insert(z);
    if (unknown.empty()) return;
    std::string list;
    for (int z : unknown) list += (list.empty() ? "" : ", ") + std::to_string(z);
    throw InvalidArgument("stda: no chemical hardness for atomic number(s) " + list +
                          ": the Ghosh-Islam table used by sTDA covers Z = 1.." + std::to_string(kHardnessElements) +
                          " (ghost atoms, Z = 0, are not supported)");
}

// max |C^T S C - 1| against the tolerance, as the reference checks it.
void check_orthonormal(const StdaInput& in) {
    const Eigen::MatrixXd metric = in.mo_coeff.transpose() * in.ao_overlap * in.mo_coeff;
    const double error = (metric - Eigen::MatrixXd::Identity(metric.rows(), metric.cols())).cwiseAbs().maxCoeff();
    if (!(error <= in.orthonormality_tolerance))
        throw InvalidArgument("stda: the orbitals are not orthonormal in ao_overlap: max |C^T S C - 1| = " +
                              number("%.2e", error) + " > " + number("%.0e", in.orthonormality_tolerance) +
                              " (wrong basis, AO order or normalisation, or unorthogonalised predicted orbitals?)");
}

// Grimme's orbital window: occupied MOs above eps_LUMO - dE, virtual MOs below eps_HOMO + dE,
// dE = 2 (1 + 0.8 a_x) E_thr (room for the a_x-scaled Coulomb-type lowering, times a margin of 2).
void select_window(const StdaInput& in, std::vector<int>& occupied, std::vector<int>& virtuals) {
    const double e_thr = in.e_thr_ev / kStdaEvPerHartree;
    const double width = 2.0 * (1.0 + 0.8 * in.a_x) * e_thr;
    const Eigen::Index n_mo = in.mo_energy.size();
    const double homo = in.mo_energy.head(in.n_occ).maxCoeff();
    const double lumo = in.mo_energy.tail(n_mo - in.n_occ).minCoeff();
    for (int i = 0; i < in.n_occ; ++i)
        if (in.mo_energy[i] > lumo - width) occupied.push_back(i);
    for (int a = in.n_occ; a < n_mo; ++a)
        if (in.mo_energy[a] < homo + width) virtuals.push_back(a);
    if (occupied.empty() || virtuals.empty())
        throw InvalidArgument("stda: no orbitals in the window of " + number("%.2f", width * kStdaEvPerHartree) +
                              " eV around the gap: increase e_thr_ev");
    const long configurations = static_cast<long>(occupied.size()) * static_cast<long>(virtuals.size());
    if (configurations > in.max_window_configurations)
        throw ResourceExhausted("stda: the orbital window holds " + std::to_string(occupied.size()) + " occupied x " +
                                std::to_string(virtuals.size()) + " virtual orbitals = " + std::to_string(configurations) +
                                " configurations, above the limit of " + std::to_string(in.max_window_configurations) +
                                " (its A matrix alone would take " +
                                number("%.1f", 8.0 * static_cast<double>(configurations) * configurations / 1e9) +
                                " GB): ask for fewer states or a smaller molecule");
}

// S^(1/2) by the symmetric eigen-decomposition; S must be positive definite.
Eigen::MatrixXd overlap_sqrt(const Eigen::MatrixXd& overlap) {
    const SymmetricEigen eigen = symmetric_eigen(overlap);
    if (!(eigen.values[0] > 0.0))
        throw InvalidArgument("stda: ao_overlap is not positive definite (smallest eigenvalue " +
                              number("%.3e", eigen.values[0]) + ")");
    return eigen.vectors * eigen.values.cwiseSqrt().asDiagonal() * eigen.vectors.transpose();
}

Eigen::MatrixXd columns(const Eigen::MatrixXd& matrix, const std::vector<int>& which) {
    Eigen::MatrixXd out(matrix.rows(), static_cast<Eigen::Index>(which.size()));
    for (std::size_t k = 0; k < which.size(); ++k) out.col(static_cast<Eigen::Index>(k)) = matrix.col(which[k]);
    return out;
}

// Atomic transition charges Q(A, p * n_right + q) = sum_{mu on A} left(mu, p) right(mu, q), for
// Loewdin-orthogonalised coefficients. One row per atom; summed over atoms: left^T right.
Eigen::MatrixXd transition_charges(const Eigen::MatrixXd& left, const Eigen::MatrixXd& right,
                                   const std::vector<int>& ao_atom, int n_atoms) {
    const Eigen::Index n_left = left.cols(), n_right = right.cols();
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(n_atoms, n_left * n_right);
    for (Eigen::Index mu = 0; mu < left.rows(); ++mu) {
        const int atom = ao_atom[static_cast<std::size_t>(mu)];
        for (Eigen::Index p = 0; p < n_left; ++p)
            for (Eigen::Index r = 0; r < n_right; ++r) q(atom, p * n_right + r) += left(mu, p) * right(mu, r);
    }
    return q;
}

// MNOK kernels in Hartree: gamma^K_AB = (R^alpha + eta_AB^-alpha)^(-1/alpha) and
// gamma^J_AB = (R^beta + (a_x eta_AB)^-beta)^(-1/beta), zero for a_x = 0 (no Fock exchange).
void kernels(const StdaInput& in, Eigen::MatrixXd& gamma_j, Eigen::MatrixXd& gamma_k) {
    const int n = static_cast<int>(in.atomic_numbers.size());
    const double alpha = stda_alpha(in.a_x), beta = stda_beta(in.a_x);
    gamma_j = Eigen::MatrixXd::Zero(n, n);
    gamma_k = Eigen::MatrixXd::Zero(n, n);
    for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b) {
            const double eta = 0.5 * (stda_chemical_hardness(in.atomic_numbers[a]) +
                                      stda_chemical_hardness(in.atomic_numbers[b]));
            const double r = (in.coords_bohr.row(a) - in.coords_bohr.row(b)).norm();
            gamma_k(a, b) = std::pow(std::pow(r, alpha) + std::pow(eta, -alpha), -1.0 / alpha);
            if (in.a_x != 0.0)
                gamma_j(a, b) = std::pow(std::pow(r, beta) + std::pow(in.a_x * eta, -beta), -1.0 / beta);
        }
}

// <i|r|a> (n_occ * n_vir, 3): from the AO dipole integrals with the original coefficients, or
// the monopole approximation sum_A q_ia^A R_A when there are none.
Eigen::MatrixXd window_dipoles(const StdaInput& in, const Eigen::MatrixXd& c_occ, const Eigen::MatrixXd& c_vir,
                               const Eigen::MatrixXd& q_ia) {
    const Eigen::Index n_occ = c_occ.cols(), n_vir = c_vir.cols();
    if (in.ao_dipole.empty()) return q_ia.transpose() * in.coords_bohr;
    Eigen::MatrixXd r(n_occ * n_vir, 3);
    for (int x = 0; x < 3; ++x) {
        const Eigen::MatrixXd block = c_occ.transpose() * in.ao_dipole[static_cast<std::size_t>(x)] * c_vir;
        for (Eigen::Index i = 0; i < n_occ; ++i)
            for (Eigen::Index a = 0; a < n_vir; ++a) r(i * n_vir + a, x) = block(i, a);
    }
    return r;
}

// Configurations chosen from the window's A matrix.
struct Selection {
    std::vector<int> primary;    // A_uu <= E_thr
    std::vector<int> secondary;  // candidates whose summed E_u^(2) exceeds the PT threshold
    Eigen::VectorXd shift;       // per primary: second-order lowering from the rejected candidates
};

// Grimme's selection (routine ptselect of his program): E_u^(2) = sum_{v primary}
// A_uv^2 / (A_uu - A_vv) for every candidate u (A_uu > E_thr >= A_vv, so positive).
Selection select_configurations(const Eigen::MatrixXd& a, double e_thr, double pt_threshold) {
    Selection s;
    std::vector<int> candidates;
    for (Eigen::Index u = 0; u < a.rows(); ++u) (a(u, u) <= e_thr ? s.primary : candidates).push_back(static_cast<int>(u));
    s.shift = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(s.primary.size()));
    if (s.primary.empty()) return s;
    Eigen::VectorXd contribution(static_cast<Eigen::Index>(s.primary.size()));
    for (int u : candidates) {
        for (std::size_t k = 0; k < s.primary.size(); ++k) {
            const int v = s.primary[k];
            contribution[static_cast<Eigen::Index>(k)] = a(u, v) * a(u, v) / (a(u, u) - a(v, v));
        }
        if (contribution.sum() > pt_threshold)
            s.secondary.push_back(u);
        else
            s.shift += contribution;
    }
    return s;
}

}  // namespace

double stda_chemical_hardness(int z) {
    if (z < 1 || z > kHardnessElements)
        throw InvalidArgument("stda: no chemical hardness for atomic number " + std::to_string(z) +
                              ": the Ghosh-Islam table covers Z = 1.." + std::to_string(kHardnessElements));
    return kHardnessEh[z - 1];
}

double stda_alpha(double a_x) { return 1.42 + 0.48 * a_x; }
double stda_beta(double a_x) { return 0.20 + 1.83 * a_x; }

StdaWindow stda_window(const StdaInput& in) {
    check_shapes_and_parameters(in);
    check_elements(in.atomic_numbers);
    check_orthonormal(in);

    StdaWindow w;
    select_window(in, w.occupied, w.virtuals);
    const int n_atoms = static_cast<int>(in.atomic_numbers.size());
    const Eigen::Index n_occ = static_cast<Eigen::Index>(w.occupied.size());
    const Eigen::Index n_vir = static_cast<Eigen::Index>(w.virtuals.size());

    const Eigen::MatrixXd s_half = overlap_sqrt(in.ao_overlap);
    const Eigen::MatrixXd c_occ = columns(in.mo_coeff, w.occupied), c_vir = columns(in.mo_coeff, w.virtuals);
    const Eigen::MatrixXd o_occ = s_half * c_occ, o_vir = s_half * c_vir;
    const Eigen::MatrixXd q_ia = transition_charges(o_occ, o_vir, in.ao_atom, n_atoms);
    const Eigen::MatrixXd q_ij = transition_charges(o_occ, o_occ, in.ao_atom, n_atoms);
    const Eigen::MatrixXd q_ab = transition_charges(o_vir, o_vir, in.ao_atom, n_atoms);
    Eigen::MatrixXd gamma_j, gamma_k;
    kernels(in, gamma_j, gamma_k);

    // 2 (ia|jb)'_K over configurations, then the orbital-energy gaps and -(ij|ab)'_J.
    w.a_matrix = 2.0 * q_ia.transpose() * (gamma_k * q_ia);
    const Eigen::MatrixXd ijab = q_ij.transpose() * (gamma_j * q_ab);  // [i n_occ + j, a n_vir + b]
    for (Eigen::Index i = 0; i < n_occ; ++i)
        for (Eigen::Index a = 0; a < n_vir; ++a) {
            const Eigen::Index ia = i * n_vir + a;
            w.a_matrix(ia, ia) += in.mo_energy[w.virtuals[a]] - in.mo_energy[w.occupied[i]];
            for (Eigen::Index j = 0; j < n_occ; ++j)
                for (Eigen::Index b = 0; b < n_vir; ++b) w.a_matrix(ia, j * n_vir + b) -= ijab(i * n_occ + j, a * n_vir + b);
        }
    w.transition_dipoles = window_dipoles(in, c_occ, c_vir, q_ia);
    return w;
}

StdaResult stda(const StdaInput& in) {
    const StdaWindow w = stda_window(in);
    const double e_thr = in.e_thr_ev / kStdaEvPerHartree;
    const Selection s = select_configurations(w.a_matrix, e_thr, in.pt_threshold_eh);
    if (s.primary.empty())
        throw InvalidArgument("stda: no configuration has A_ia,ia <= E_thr = " + number("%g", in.e_thr_ev) +
                              " eV: increase e_thr_ev");

    // The block of primaries (first, with their diagonal lowered) and kept secondaries.
    std::vector<int> selected = s.primary;
    selected.insert(selected.end(), s.secondary.begin(), s.secondary.end());
    const Eigen::Index n_sel = static_cast<Eigen::Index>(selected.size());
    Eigen::MatrixXd block(n_sel, n_sel);
    for (Eigen::Index u = 0; u < n_sel; ++u)
        for (Eigen::Index v = 0; v < n_sel; ++v) block(u, v) = w.a_matrix(selected[u], selected[v]);
    for (Eigen::Index k = 0; k < s.shift.size(); ++k) block(k, k) -= s.shift[k];
    const SymmetricEigen eigen = symmetric_eigen(block);

    Eigen::Index n_keep = 0;
    if (in.n_states == 0)
        while (n_keep < n_sel && eigen.values[n_keep] <= e_thr) ++n_keep;
    else
        n_keep = std::min<Eigen::Index>(in.n_states, n_sel);

    Eigen::MatrixXd r_selected(n_sel, 3);
    for (Eigen::Index u = 0; u < n_sel; ++u) r_selected.row(u) = w.transition_dipoles.row(selected[u]);

    StdaResult result;
    result.energies_eh = eigen.values.head(n_keep);
    result.transition_dipoles = std::sqrt(2.0) * eigen.vectors.leftCols(n_keep).transpose() * r_selected;
    result.oscillator_strengths =
        (2.0 / 3.0) * result.energies_eh.cwiseProduct(result.transition_dipoles.rowwise().squaredNorm());
    for (int u : selected)
        result.configurations.emplace_back(w.occupied[static_cast<std::size_t>(u) / w.virtuals.size()],
                                           w.virtuals[static_cast<std::size_t>(u) % w.virtuals.size()]);
    result.amplitudes = eigen.vectors.leftCols(n_keep);
    result.n_primary = static_cast<int>(s.primary.size());
    result.n_secondary = static_cast<int>(s.secondary.size());
    result.n_window_occ = static_cast<int>(w.occupied.size());
    result.n_window_vir = static_cast<int>(w.virtuals.size());
    return result;
}

}  // namespace hamd
