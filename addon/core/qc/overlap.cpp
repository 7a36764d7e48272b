// Overlaps by the Obara-Saika recursion over Cartesian Gaussians; real solid harmonics are
// written as Cartesian polynomials (s, p, d), and every AO is normalised by its own overlap.
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

// One-dimensional overlaps of x_A^i exp(-a x_A^2) and x_B^j exp(-b x_B^2), i, j <= kMaxL.
using Table1D = std::array<std::array<double, kMaxL + 1>, kMaxL + 1>;

Table1D overlap_1d(double a, double b, double A, double B) {
    const double p = a + b, P = (a * A + b * B) / p, PA = P - A, PB = P - B, half = 0.5 / p;
    Table1D S{};
    S[0][0] = std::sqrt(kPi / p) * std::exp(-a * b / p * (A - B) * (A - B));
    for (int i = 0; i < kMaxL; ++i) S[i + 1][0] = PA * S[i][0] + (i > 0 ? i * half * S[i - 1][0] : 0.0);
    for (int j = 0; j < kMaxL; ++j)
        for (int i = 0; i <= kMaxL; ++i)
            S[i][j + 1] = PB * S[i][j] + half * ((i > 0 ? i * S[i - 1][j] : 0.0) + (j > 0 ? j * S[i][j - 1] : 0.0));
    return S;
}

// Proportional to the norm of r^l exp(-a r^2); the l-dependent constant cancels.
double primitive_norm(int l, double exponent) { return std::pow(2 * exponent, (2 * l + 3) / 4.0); }

}  // namespace

Eigen::MatrixXd overlap_matrix(const Basis& basis, const System& system) {
    const OrbitalLayout layout(basis, system.types);
    const int atoms = layout.atom_count();
    if (static_cast<int>(system.positions.size()) != 3 * atoms)
        throw InvalidArgument("overlap_matrix: positions must hold 3 values per atom");
    std::vector<double> bohr(system.positions.size());
    for (std::size_t k = 0; k < bohr.size(); ++k) bohr[k] = system.positions[k] / kBohrAngstrom;

    Eigen::MatrixXd S = Eigen::MatrixXd::Zero(layout.size(), layout.size());
    for (int i = 0; i < atoms; ++i) {
        const auto& shells_i = basis.shells(layout.atomic_number(i));
        for (int j = i; j < atoms; ++j) {
            const auto& shells_j = basis.shells(layout.atomic_number(j));
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
                            for (int d = 0; d < 3; ++d) t[d] = overlap_1d(ea, eb, bohr[3 * i + d], bohr[3 * j + d]);
                            for (int ma = -a.l; ma <= a.l; ++ma)
                                for (int mb = -b.l; mb <= b.l; ++mb) {
                                    double value = 0;
                                    for (const Monomial& u : solid_harmonic(a.l, ma))
                                        for (const Monomial& v : solid_harmonic(b.l, mb))
                                            value += u.coefficient * v.coefficient * t[0][u.x][v.x] *
                                                     t[1][u.y][v.y] * t[2][u.z][v.z];
                                    S(row0 + ma + a.l, col0 + mb + b.l) += weight * value;
                                }
                        }
                    }
                }
            }
        }
    }
    // Only blocks with i <= j were computed: mirror, then normalise every AO.
    S.triangularView<Eigen::StrictlyLower>() = S.transpose().triangularView<Eigen::StrictlyLower>();
    const Eigen::VectorXd inverse_norm = S.diagonal().cwiseSqrt().cwiseInverse();
    return inverse_norm.asDiagonal() * S * inverse_norm.asDiagonal();
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
