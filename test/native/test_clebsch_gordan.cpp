// Real Clebsch-Gordan tables: exact special cases, symmetry, orthogonality, the product identity
// of spherical harmonics, and rotational equivariance of coupled blocks (also the D^l helper).
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "core/math/clebsch_gordan.hpp"
#include "core/base/errors.hpp"
#include "wigner.hpp"

namespace {

const double kPi = 3.14159265358979323846;

// Y_l(r_hat), out[m + l], through the project's harmonics (one evaluator per l, reused).
void harmonics_of_l(int l, const double r[3], double* out) {
    static std::vector<hamd::SphericalHarmonics> cache;
    while (static_cast<int>(cache.size()) <= l) cache.emplace_back(static_cast<int>(cache.size()));
    std::vector<double> all(cache[l].size());
    cache[l].compute(r, all.data(), nullptr);
    for (int m = 0; m <= 2 * l; ++m) out[m] = all[l * l + m];
}

std::vector<double> harmonics_of_l(int l, const double r[3]) {
    std::vector<double> out(2 * l + 1);
    harmonics_of_l(l, r, out.data());
    return out;
}

std::vector<double> couple(const hamd::CGBlock& cg, const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> out(2 * cg.lambda + 1, 0.0);
    hamd::cg_couple_add(cg, a.data(), b.data(), 1.0, out.data());
    return out;
}

std::vector<double> matrix_times(const std::vector<double>& D, const std::vector<double>& v) {
    const int n = static_cast<int>(v.size());
    std::vector<double> out(n, 0.0);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) out[i] += D[i * n + j] * v[j];
    return out;
}

double dense_at(const hamd::CGBlock& cg, int m1, int m2, int mu) {  // m's as indices 0..2l
    return cg.dense[(static_cast<std::size_t>(m1) * (2 * cg.l2 + 1) + m2) * (2 * cg.lambda + 1) + mu];
}

void random_unit(std::mt19937& rng, double r[3]) {
    std::normal_distribution<double> normal;
    double norm;
    do {
        for (int d = 0; d < 3; ++d) r[d] = normal(rng);
        norm = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    } while (norm < 1e-3);
    for (int d = 0; d < 3; ++d) r[d] /= norm;
}

// Independent closed form of <l1 0; l2 0 | L 0> (l1 + l2 + L even).
double cg_zero_projections(int l1, int l2, int L) {
    const int J = l1 + l2 + L, g = J / 2;
    auto lf = [](int n) { return std::lgamma(static_cast<long double>(n) + 1); };
    long double log_value = 0.5L * (lf(J - 2 * l1) + lf(J - 2 * l2) + lf(J - 2 * L) - lf(J + 1)) + lf(g) - lf(g - l1) -
                            lf(g - l2) - lf(g - L);
    return static_cast<double>(((g - L) % 2 ? -1.0L : 1.0L) * std::sqrt(2.0L * L + 1) * std::exp(log_value));
}

void test_invalid_arguments() {
    auto throws = [](int l1, int l2, int lambda) {
        try {
            hamd::real_clebsch_gordan(l1, l2, lambda);
        } catch (const hamd::InvalidArgument&) {
            return true;
        }
        return false;
    };
    check::ok(throws(1, 1, 3), "lambda > l1 + l2 rejected");
    check::ok(throws(3, 1, 1), "lambda < |l1 - l2| rejected");
    check::ok(throws(-1, 1, 0) && throws(1, -1, 0) && throws(1, 1, -1), "negative l rejected");
}

void test_cache_and_threads() {
    auto first = hamd::real_clebsch_gordan(4, 3, 5);
    check::ok(first == hamd::real_clebsch_gordan(4, 3, 5), "blocks are cached (same object)");
    // Many threads ask for the same fresh blocks at once: all must see one consistent table.
    std::vector<std::shared_ptr<const hamd::CGBlock>> seen(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) threads.emplace_back([t, &seen] { seen[t] = hamd::real_clebsch_gordan(9, 7, 8); });
    for (auto& thread : threads) thread.join();
    bool same = true;
    for (const auto& block : seen) same = same && block == seen[0] && block->dense == seen[0]->dense;
    check::ok(same, "concurrent first requests return one table");
}

void test_exact_special_cases() {
    double identity_error = 0, scalar_error = 0;
    for (int l = 0; l <= 20; ++l) {
        auto left = hamd::real_clebsch_gordan(l, 0, l), right = hamd::real_clebsch_gordan(0, l, l);
        auto scalar = hamd::real_clebsch_gordan(l, l, 0);
        const double expected = (l % 2 ? -1.0 : 1.0) / std::sqrt(2.0 * l + 1);
        for (int m = 0; m <= 2 * l; ++m)
            for (int n = 0; n <= 2 * l; ++n) {
                identity_error = std::fmax(identity_error, std::fabs(dense_at(*left, m, 0, n) - (m == n)));
                identity_error = std::fmax(identity_error, std::fabs(dense_at(*right, 0, m, n) - (m == n)));
                scalar_error = std::fmax(scalar_error, std::fabs(dense_at(*scalar, m, n, 0) - (m == n) * expected));
            }
    }
    check::close(identity_error, 0, 1e-15, "(l,0)->l and (0,l)->l are the identity, l <= 20", false);
    check::close(scalar_error, 0, 1e-15, "(l,l)->0 is (-1)^l/sqrt(2l+1) delta (power spectrum), l <= 20", false);

    // (1,1)->1 is the cross product in the (y, z, x) order, times a constant +-1/sqrt(2).
    std::mt19937 rng(7);
    double a[3], b[3];
    random_unit(rng, a);
    random_unit(rng, b);
    auto coupled = couple(*hamd::real_clebsch_gordan(1, 1, 1), {a[1], a[2], a[0]}, {b[1], b[2], b[0]});
    const double cross[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    const double in_order[3] = {cross[1], cross[2], cross[0]};
    const double sign = coupled[0] * in_order[0] >= 0 ? 1 : -1;
    double error = 0;
    for (int k = 0; k < 3; ++k) error = std::fmax(error, std::fabs(coupled[k] - sign * in_order[k] / std::sqrt(2.0)));
    check::close(error, 0, 1e-15, "(1,1)->1 is the cross product / sqrt(2) (sign " + std::to_string(sign) + ")", false);
}

void test_nonzero_list_and_contraction() {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> uniform(-1, 1);
    bool list_matches = true;
    double contraction_error = 0;
    for (int l1 = 0; l1 <= 5; ++l1)
        for (int l2 = 0; l2 <= 5; ++l2)
            for (int lambda = std::abs(l1 - l2); lambda <= l1 + l2; ++lambda) {
                auto cg = hamd::real_clebsch_gordan(l1, l2, lambda);
                std::size_t count = 0;
                for (double v : cg->dense) count += std::fabs(v) > 1e-14;
                list_matches = list_matches && count == cg->nonzero.size();
                for (const auto& e : cg->nonzero) list_matches = list_matches && dense_at(*cg, e.m1, e.m2, e.mu) == e.value;
                std::vector<double> a(2 * l1 + 1), b(2 * l2 + 1), out(2 * lambda + 1), expected(2 * lambda + 1);
                for (double& x : a) x = uniform(rng);
                for (double& x : b) x = uniform(rng);
                for (std::size_t k = 0; k < out.size(); ++k) out[k] = expected[k] = uniform(rng);
                hamd::cg_couple_add(*cg, a.data(), b.data(), -0.7, out.data());
                for (int m1 = 0; m1 <= 2 * l1; ++m1)
                    for (int m2 = 0; m2 <= 2 * l2; ++m2)
                        for (int mu = 0; mu <= 2 * lambda; ++mu) expected[mu] += -0.7 * dense_at(*cg, m1, m2, mu) * a[m1] * b[m2];
                for (std::size_t k = 0; k < out.size(); ++k)
                    contraction_error = std::fmax(contraction_error, std::fabs(out[k] - expected[k]));
            }
    check::ok(list_matches, "nonzero list holds exactly the dense entries above 1e-14");
    check::close(contraction_error, 0, 1e-14, "cg_couple_add accumulates scale * C a b", false);
}

// C^{L}_{l1 m1, l2 m2} = (-1)^(l1+l2+L) C^{L}_{l2 m2, l1 m1}, as for complex CG.
void test_exchange_symmetry() {
    double error = 0;
    for (int l1 = 0; l1 <= 8; ++l1)
        for (int l2 = 0; l2 <= 8; ++l2)
            for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) {
                auto forward = hamd::real_clebsch_gordan(l1, l2, L), backward = hamd::real_clebsch_gordan(l2, l1, L);
                const double sign = (l1 + l2 + L) % 2 ? -1 : 1;
                for (int m1 = 0; m1 <= 2 * l1; ++m1)
                    for (int m2 = 0; m2 <= 2 * l2; ++m2)
                        for (int mu = 0; mu <= 2 * L; ++mu)
                            error = std::fmax(error, std::fabs(dense_at(*forward, m1, m2, mu) -
                                                               sign * dense_at(*backward, m2, m1, mu)));
            }
    check::close(error, 0, 1e-15, "exchange symmetry (-1)^(l1+l2+L), l <= 8", false);
}

// The blocks for fixed (l1, l2) form an orthogonal (2l1+1)(2l2+1) square matrix.
void test_orthogonality() {
    const int pairs[][2] = {{1, 1}, {2, 3}, {4, 4}, {6, 5}, {0, 7}, {10, 9}, {13, 20}, {20, 20}};
    for (const auto& pair : pairs) {
        const int l1 = pair[0], l2 = pair[1], n = (2 * l1 + 1) * (2 * l2 + 1);
        std::vector<std::vector<double>> rows;  // one row per (L, M), over (m1, m2)
        for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) {
            auto cg = hamd::real_clebsch_gordan(l1, l2, L);
            for (int mu = 0; mu <= 2 * L; ++mu) {
                std::vector<double> row(n);
                for (int m1 = 0; m1 <= 2 * l1; ++m1)
                    for (int m2 = 0; m2 <= 2 * l2; ++m2) row[m1 * (2 * l2 + 1) + m2] = dense_at(*cg, m1, m2, mu);
                rows.push_back(std::move(row));
            }
        }
        double error = rows.size() == static_cast<std::size_t>(n) ? 0 : 1;
        for (std::size_t i = 0; i < rows.size(); ++i)
            for (std::size_t j = 0; j <= i; ++j) {
                double dot = 0;
                for (int k = 0; k < n; ++k) dot += rows[i][k] * rows[j][k];
                error = std::fmax(error, std::fabs(dot - (i == j)));
            }
        check::close(error, 0, 2e-14,
                     "orthogonality sum C^{LM} C^{L'M'} = delta, l1=" + std::to_string(l1) + " l2=" + std::to_string(l2),
                     false);
    }
}

// sum_{m1 m2} C^{L mu}_{l1 m1, l2 m2} Y_l1m1(r) Y_l2m2(r) = K Y_Lmu(r), with
// K = sqrt((2l1+1)(2l2+1) / (4 pi (2L+1))) <l1 0 l2 0 | L 0> for even l1+l2+L, and 0 for odd.
void test_product_identity() {
    std::mt19937 rng(3);
    double even_error = 0, odd_size = 0;
    for (int l1 = 0; l1 <= 10; ++l1)
        for (int l2 = 0; l2 <= 10; ++l2)
            for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) {
                auto cg = hamd::real_clebsch_gordan(l1, l2, L);
                const bool even = (l1 + l2 + L) % 2 == 0;
                const double K = even ? std::sqrt((2.0 * l1 + 1) * (2 * l2 + 1) / (4 * kPi * (2 * L + 1))) *
                                            cg_zero_projections(l1, l2, L)
                                      : 0.0;
                for (int point = 0; point < 4; ++point) {
                    double r[3];
                    random_unit(rng, r);
                    auto coupled = couple(*cg, harmonics_of_l(l1, r), harmonics_of_l(l2, r));
                    auto y = harmonics_of_l(L, r);
                    for (int mu = 0; mu <= 2 * L; ++mu) {
                        if (even) even_error = std::fmax(even_error, std::fabs(coupled[mu] - K * y[mu]));
                        else odd_size = std::fmax(odd_size, std::fabs(coupled[mu]));
                    }
                }
            }
    check::close(even_error, 0, 1e-12, "C Y_l1 Y_l2 = K Y_L with the closed-form K, l1+l2+L even, l <= 10", false);
    check::close(odd_size, 0, 1e-12, "C Y_l1(r) Y_l2(r) vanishes for odd l1+l2+L, l <= 10", false);
}

// Coupling Y_l1(R a) and Y_l2(R b) equals D^L(R) times coupling Y_l1(a) and Y_l2(b).
void test_equivariance() {
    std::mt19937 rng(5);
    const int max_l = 6;
    for (int trial = 0; trial < 3; ++trial) {
        double R[9], a[3], b[3], Ra[3], Rb[3];
        random_rotation(rng, R);
        random_unit(rng, a);
        random_unit(rng, b);
        wigner::rotate(R, a, Ra);
        wigner::rotate(R, b, Rb);
        std::vector<std::vector<double>> D;
        for (int L = 0; L <= 2 * max_l; ++L) D.push_back(wigner_d_real(L, R));
        double even_error = 0, odd_error = 0;
        for (int l1 = 0; l1 <= max_l; ++l1)
            for (int l2 = 0; l2 <= max_l; ++l2)
                for (int L = std::abs(l1 - l2); L <= l1 + l2; ++L) {
                    auto cg = hamd::real_clebsch_gordan(l1, l2, L);
                    auto rotated = couple(*cg, harmonics_of_l(l1, Ra), harmonics_of_l(l2, Rb));
                    auto expected = matrix_times(D[L], couple(*cg, harmonics_of_l(l1, a), harmonics_of_l(l2, b)));
                    double& error = (l1 + l2 + L) % 2 ? odd_error : even_error;
                    for (int mu = 0; mu <= 2 * L; ++mu) error = std::fmax(error, std::fabs(rotated[mu] - expected[mu]));
                }
        const std::string suffix = ", l1,l2 <= 6, rotation " + std::to_string(trial);
        check::close(even_error, 0, 1e-12, "coupled block transforms with D^L, even l1+l2+L" + suffix, false);
        check::close(odd_error, 0, 1e-12, "coupled block transforms with D^L, odd l1+l2+L" + suffix, false);
    }
}

// The Wigner helper itself: D(I) = I, D orthogonal, D(R1 R2) = D(R1) D(R2), D^1 = P R P^T.
void test_wigner_helper() {
    std::mt19937 rng(13);
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    double R1[9], R2[9];
    random_rotation(rng, R1);
    random_rotation(rng, R2);
    double det = R1[0] * (R1[4] * R1[8] - R1[5] * R1[7]) - R1[1] * (R1[3] * R1[8] - R1[5] * R1[6]) +
                 R1[2] * (R1[3] * R1[7] - R1[4] * R1[6]);
    check::close(det, 1, 1e-14, "random_rotation is proper (det +1)");
    std::vector<double> R12 = wigner::matmul(std::vector<double>(R1, R1 + 9), std::vector<double>(R2, R2 + 9), 3);
    double identity_error = 0, orthogonality_error = 0, product_error = 0;
    for (int l = 0; l <= 10; ++l) {
        const int n = 2 * l + 1;
        auto D_identity = wigner_d_real(l, identity), D1 = wigner_d_real(l, R1), D2 = wigner_d_real(l, R2);
        auto D12 = wigner_d_real(l, R12.data()), D1D2 = wigner::matmul(D1, D2, n);
        std::vector<double> D1T(n * n);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) D1T[i * n + j] = D1[j * n + i];
        auto gram = wigner::matmul(D1, D1T, n);
        for (int k = 0; k < n * n; ++k) {
            const double delta = (k / n == k % n) ? 1 : 0;
            identity_error = std::fmax(identity_error, std::fabs(D_identity[k] - delta));
            orthogonality_error = std::fmax(orthogonality_error, std::fabs(gram[k] - delta));
            product_error = std::fmax(product_error, std::fabs(D12[k] - D1D2[k]));
        }
    }
    check::close(identity_error, 0, 1e-13, "wigner: D(identity) = I, l <= 10", false);
    check::close(orthogonality_error, 0, 1e-13, "wigner: D D^T = I, l <= 10", false);
    check::close(product_error, 0, 1e-13, "wigner: D(R1 R2) = D(R1) D(R2), l <= 10", false);
    // Y_1 = sqrt(3/4pi) (y, z, x): D^1 is R with rows and columns in (y, z, x) order.
    auto D1 = wigner_d_real(1, R1);
    const int order[3] = {1, 2, 0};
    double error = 0;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) error = std::fmax(error, std::fabs(D1[i * 3 + j] - R1[order[i] * 3 + order[j]]));
    check::close(error, 0, 1e-14, "wigner: D^1 is R in the (y, z, x) order", false);
}

}  // namespace

int main() {
    test_invalid_arguments();
    test_cache_and_threads();
    test_exact_special_cases();
    test_nonzero_list_and_contraction();
    test_exchange_symmetry();
    test_orthogonality();
    test_product_identity();
    test_equivariance();
    test_wigner_helper();
    return check::finish();
}
