// Overlaps and dipoles by the Obara-Saika recursion over Cartesian Gaussians; real solid
// harmonics are written as Cartesian polynomials (s, p, d), and every AO is normalised by its own
// overlap. A dipole component is an overlap with one power raised on the ket:
// x = (x - B_x) + B_x, so <a|x|b> = <a|b + 1_x> + B_x <a|b>.
#include "core/qc/overlap.hpp"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "core/base/errors.hpp"

namespace hamd {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxL = Basis::kMaxAngular;

struct Monomial { double coefficient; int x, y, z; };

// r^l Y_lm up to a positive constant per (l, m); the constants cancel in the normalisation.
// Signs and order as hamd's real harmonics: p = (y, z, x); d = (xy, yz, 3z^2-r^2, xz, x^2-y^2).
const std::vector<Monomial>& solid_harmonic(int l, int m) {
    static const std::vector<Monomial> table[kMaxL + 1][2 * kMaxL + 1] = {
        {{{1, 0, 0, 0}}},
        {{{1, 0, 1, 0}}, {{1, 0, 0, 1}}, {{1, 1, 0, 0}}},
        {{{1, 1, 1, 0}},
         {{1, 0, 1, 1}},
         {{2, 0, 0, 2}, {-1, 2, 0, 0}, {-1, 0, 2, 0}},
         {{1, 1, 0, 1}},
         {{1, 2, 0, 0}, {-1, 0, 2, 0}}},
    };
    return table[l][m + l];
}

// One-dimensional overlaps of x_A^i exp(-a x_A^2) and x_B^j exp(-b x_B^2), i <= kMaxL,
// j <= kMaxL + 1 (the extra power serves the dipole).
constexpr int kMaxPower = kMaxL + 1;
using Table1D = std::array<std::array<double, kMaxPower + 1>, kMaxPower + 1>;

Table1D overlap_1d(double a, double b, double A, double B) {
    const double p = a + b, P = (a * A + b * B) / p, PA = P - A, PB = P - B, half = 0.5 / p;
    Table1D S{};
    S[0][0] = std::sqrt(kPi / p) * std::exp(-a * b / p * (A - B) * (A - B));
    for (int i = 0; i < kMaxPower; ++i) S[i + 1][0] = PA * S[i][0] + (i > 0 ? i * half * S[i - 1][0] : 0.0);
    for (int j = 0; j < kMaxPower; ++j)
        for (int i = 0; i <= kMaxPower; ++i)
            S[i][j + 1] = PB * S[i][j] + half * ((i > 0 ? i * S[i - 1][j] : 0.0) + (j > 0 ? j * S[i][j - 1] : 0.0));
    return S;
}

// Proportional to the norm of r^l exp(-a r^2); the l-dependent constant cancels.
double primitive_norm(int l, double exponent) { return std::pow(2 * exponent, (2 * l + 3) / 4.0); }


// Unnormalised S (and, when `dipole` is given, <a|r_d|b> with the origin at 0, Bohr) of the
// contracted AOs; the caller normalises.
void raw_integrals(const Basis& basis, const System& system, Eigen::MatrixXd& S, std::array<Eigen::MatrixXd, 3>* dipole) {
    const OrbitalLayout layout(basis, system.types);
    const int atoms = layout.atom_count();
    if (static_cast<int>(system.positions.size()) != 3 * atoms)
        throw InvalidArgument("overlap_matrix: positions must hold 3 values per atom");
    std::vector<double> bohr(system.positions.size());
    for (std::size_t k = 0; k < bohr.size(); ++k) bohr[k] = system.positions[k] / kBohrAngstrom;

    S = Eigen::MatrixXd::Zero(layout.size(), layout.size());
    if (dipole)
        for (auto& d : *dipole) d = Eigen::MatrixXd::Zero(layout.size(), layout.size());
    for (int i = 0; i < atoms; ++i) {
        const auto& shells_i = basis.shells(layout.atomic_number(i));
        // The dipole is not symmetric block by block in this scheme (the raised power sits on the
        // ket), so with dipoles every (i, j) pair is computed; S alone needs i <= j.
        for (int j = dipole ? 0 : i; j < atoms; ++j) {
            const auto& shells_j = basis.shells(layout.atomic_number(j));
            const double* B = &bohr[3 * static_cast<std::size_t>(j)];
            for (std::size_t si = 0; si < shells_i.size(); ++si) {
                const Shell& a = shells_i[si];
                const int row0 = layout.shells(i)[si].offset;
                for (std::size_t sj = 0; sj < shells_j.size(); ++sj) {
                    const Shell& b = shells_j[sj];
                    const int col0 = layout.shells(j)[sj].offset;
                    for (std::size_t pa = 0; pa < a.exponents.size(); ++pa) {
                        for (std::size_t pb = 0; pb < b.exponents.size(); ++pb) {
                            const double ea = a.exponents[pa], eb = b.exponents[pb];
                            const double weight = a.coefficients[pa] * primitive_norm(a.l, ea) *
                                                  b.coefficients[pb] * primitive_norm(b.l, eb);
                            Table1D t[3];
                            for (int d = 0; d < 3; ++d) t[d] = overlap_1d(ea, eb, bohr[3 * i + d], B[d]);
                            for (int ma = -a.l; ma <= a.l; ++ma)
                                for (int mb = -b.l; mb <= b.l; ++mb) {
                                    double value = 0;
                                    double moment[3] = {0, 0, 0};
                                    for (const Monomial& u : solid_harmonic(a.l, ma))
                                        for (const Monomial& v : solid_harmonic(b.l, mb)) {
                                            const double c = u.coefficient * v.coefficient;
                                            const double sx = t[0][u.x][v.x], sy = t[1][u.y][v.y], sz = t[2][u.z][v.z];
                                            value += c * sx * sy * sz;
                                            if (dipole) {
                                                moment[0] += c * (t[0][u.x][v.x + 1] + B[0] * sx) * sy * sz;
                                                moment[1] += c * sx * (t[1][u.y][v.y + 1] + B[1] * sy) * sz;
                                                moment[2] += c * sx * sy * (t[2][u.z][v.z + 1] + B[2] * sz);
                                            }
                                        }
                                    const int row = row0 + ma + a.l, col = col0 + mb + b.l;
                                    S(row, col) += weight * value;
                                    if (dipole)
                                        for (int d = 0; d < 3; ++d) (*dipole)[d](row, col) += weight * moment[d];
                                }
                        }
                    }
                }
            }
        }
    }
    // Without dipoles only blocks with i <= j were computed: mirror.
    if (!dipole) S.triangularView<Eigen::StrictlyLower>() = S.transpose().triangularView<Eigen::StrictlyLower>();
}

}  // namespace

Eigen::MatrixXd overlap_matrix(const Basis& basis, const System& system) {
    Eigen::MatrixXd S;
    raw_integrals(basis, system, S, nullptr);
    const Eigen::VectorXd inverse_norm = S.diagonal().cwiseSqrt().cwiseInverse();
    return inverse_norm.asDiagonal() * S * inverse_norm.asDiagonal();
}

OverlapAndDipole overlap_and_dipole(const Basis& basis, const System& system) {
    OverlapAndDipole out;
    raw_integrals(basis, system, out.overlap, &out.dipole);
    const Eigen::VectorXd inverse_norm = out.overlap.diagonal().cwiseSqrt().cwiseInverse();
    out.overlap = inverse_norm.asDiagonal() * out.overlap * inverse_norm.asDiagonal();
    for (auto& d : out.dipole) {
        d = inverse_norm.asDiagonal() * d * inverse_norm.asDiagonal();
        d = 0.5 * (d + d.transpose()).eval();  // exact in exact arithmetic; removes rounding asymmetry
    }
    return out;
}

LoewdinTransform loewdin(const Eigen::MatrixXd& overlap, double threshold) {
    // An empty or non-square matrix has no Loewdin transform; Eigen's solver would fail on it.
    if (overlap.rows() == 0 || overlap.rows() != overlap.cols())
        throw InvalidArgument("overlap matrix: " + std::to_string(overlap.rows()) + " x " +
                              std::to_string(overlap.cols()) + ", expected a non-empty square matrix");
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(overlap);
    if (solver.info() != Eigen::Success) throw InvalidArgument("overlap matrix: eigen-decomposition failed");
    const Eigen::VectorXd& values = solver.eigenvalues();
    const double smallest = values.size() ? values.minCoeff() : 1.0;
    if (!(smallest > threshold))
        throw InvalidArgument("overlap matrix is singular (smallest eigenvalue " + std::to_string(smallest) +
                              "): are two atoms almost on top of each other?");
    const Eigen::MatrixXd& V = solver.eigenvectors();
    LoewdinTransform result;
    result.inverse_sqrt = V * values.cwiseSqrt().cwiseInverse().asDiagonal() * V.transpose();
    result.sqrt = V * values.cwiseSqrt().asDiagonal() * V.transpose();
    result.smallest_eigenvalue = smallest;
    return result;
}

Eigen::MatrixXd orthogonalise(const Eigen::MatrixXd& matrix, const LoewdinTransform& transform) {
    return transform.inverse_sqrt * matrix * transform.inverse_sqrt;
}

Eigen::MatrixXd deorthogonalise(const Eigen::MatrixXd& orthogonal, const LoewdinTransform& transform) {
    return transform.sqrt * orthogonal * transform.sqrt;
}

}  // namespace hamd
