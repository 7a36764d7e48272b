// Real Clebsch-Gordan coefficients: complex CG from Racah's formula, then the change of
// basis to real harmonics (docs/science.md#real-clebsch-gordan-coefficients).
#include "core/math/clebsch_gordan.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

#include "core/base/errors.hpp"

namespace hamd {
namespace {

// Racah's sum alternates in sign and cancels by several orders of magnitude for l ~ 20,
// so it is evaluated in quadruple precision where the compiler offers it (GCC/Clang on x86
// provide the arithmetic in libgcc; on AArch64 long double already is quadruple).
#if defined(__SIZEOF_FLOAT128__) && !defined(__aarch64__)
__extension__ typedef __float128 Wide;
#else
typedef long double Wide;
#endif

// Large enough for any practical expansion, small enough that the dense table stays modest.
constexpr int kMaxL = 64;

const std::vector<Wide>& factorials() {
    static const std::vector<Wide> table = [] {
        std::vector<Wide> f(4 * kMaxL + 2);
        f[0] = 1;
        for (std::size_t n = 1; n < f.size(); ++n) f[n] = f[n - 1] * static_cast<Wide>(n);
        return f;
    }();
    return table;
}

// sqrt in Wide: long double estimate refined by one Newton step (no libquadmath needed).
Wide wide_sqrt(Wide x) {
    if (x <= 0) return 0;
    Wide s = std::sqrt(static_cast<long double>(x));
    return (s + x / s) / 2;
}

// <j1 m1; j2 m2 | J M> with M = m1 + m2 (Condon-Shortley convention), Racah's formula.
long double complex_cg(int j1, int m1, int j2, int m2, int J) {
    const int M = m1 + m2;
    if (std::abs(m1) > j1 || std::abs(m2) > j2 || std::abs(M) > J) return 0;
    const auto& f = factorials();
    Wide sum = 0;
    const int k_min = std::max({0, j2 - J - m1, j1 - J + m2});
    const int k_max = std::min({j1 + j2 - J, j1 - m1, j2 + m2});
    for (int k = k_min; k <= k_max; ++k) {
        Wide term = 1 / (f[k] * f[j1 + j2 - J - k] * f[j1 - m1 - k] * f[j2 + m2 - k] * f[J - j2 + m1 + k] *
                         f[J - j1 - m2 + k]);
        sum += (k % 2 == 0) ? term : -term;
    }
    Wide triangle = static_cast<Wide>(2 * J + 1) * f[J + j1 - j2] * f[J - j1 + j2] * f[j1 + j2 - J] / f[j1 + j2 + J + 1];
    Wide projections = f[J + M] * f[J - M] * f[j1 - m1] * f[j1 + m1] * f[j2 - m2] * f[j2 + m2];
    return static_cast<long double>(wide_sqrt(triangle) * wide_sqrt(projections) * sum);
}

// Row m of U (real Y_lm = sum_M U[m][M] complex Y_l^M), Wikipedia real convention: at most two terms.
struct UnitaryTerm { int M; std::complex<long double> u; };

std::vector<UnitaryTerm> unitary_row(int m) {
    const long double r = 1.0L / std::sqrt(2.0L);
    const long double sign = (std::abs(m) % 2 == 0) ? 1.0L : -1.0L;  // (-1)^m
    if (m == 0) return {{0, {1.0L, 0.0L}}};
    if (m > 0) return {{-m, {r, 0.0L}}, {m, {sign * r, 0.0L}}};
    // m < 0: i/sqrt2 (Y^m - (-1)^m Y^-m)
    return {{m, {0.0L, r}}, {-m, {0.0L, -sign * r}}};
}

std::shared_ptr<const CGBlock> compute_block(int l1, int l2, int lambda) {
    auto block = std::make_shared<CGBlock>();
    block->l1 = l1;
    block->l2 = l2;
    block->lambda = lambda;
    const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * lambda + 1;
    block->dense.assign(static_cast<std::size_t>(n1) * n2 * n3, 0.0);
    // Even l1+l2+lambda gives a real table, odd a purely imaginary one: keep Im (a fixed
    // global factor -i, which any intertwiner may carry).
    const bool keep_imaginary = (l1 + l2 + lambda) % 2 == 1;
    // complex_table[(M1 + l1) * n2 + (M2 + l2)] = <l1 M1; l2 M2 | lambda M1+M2>
    std::vector<long double> complex_table(static_cast<std::size_t>(n1) * n2);
    for (int M1 = -l1; M1 <= l1; ++M1)
        for (int M2 = -l2; M2 <= l2; ++M2) complex_table[(M1 + l1) * n2 + (M2 + l2)] = complex_cg(l1, M1, l2, M2, lambda);
    long double discarded = 0;
    for (int m1 = -l1; m1 <= l1; ++m1) {
        const auto u1 = unitary_row(m1);
        for (int m2 = -l2; m2 <= l2; ++m2) {
            const auto u2 = unitary_row(m2);
            for (int mu = -lambda; mu <= lambda; ++mu) {
                std::complex<long double> value = 0;
                for (const auto& a : unitary_row(mu))
                    for (const auto& b : u1)
                        for (const auto& c : u2)
                            if (b.M + c.M == a.M)
                                value += a.u * std::conj(b.u) * std::conj(c.u) * complex_table[(b.M + l1) * n2 + (c.M + l2)];
                const long double kept = keep_imaginary ? value.imag() : value.real();
                discarded = std::max(discarded, std::fabs(keep_imaginary ? value.real() : value.imag()));
                block->dense[(static_cast<std::size_t>(m1 + l1) * n2 + (m2 + l2)) * n3 + (mu + lambda)] =
                    static_cast<double>(kept);
                if (std::fabs(kept) > 1e-14L) {
                    block->nonzero.push_back({m1 + l1, m2 + l2, mu + lambda, static_cast<double>(kept)});
                }
            }
        }
    }
    // A non-vanishing discarded part would mean the change of basis is inconsistent.
    if (discarded > 1e-12L) throw std::logic_error("real_clebsch_gordan: table is not purely real/imaginary");
    return block;
}

}  // namespace

std::shared_ptr<const CGBlock> real_clebsch_gordan(int l1, int l2, int lambda) {
    if (l1 < 0 || l2 < 0 || lambda < 0 || lambda < std::abs(l1 - l2) || lambda > l1 + l2) {
        throw InvalidArgument("Clebsch-Gordan: invalid angular momenta (" + std::to_string(l1) + ", " +
                              std::to_string(l2) + ") -> " + std::to_string(lambda));
    }
    if (l1 > kMaxL || l2 > kMaxL) {
        throw InvalidArgument("Clebsch-Gordan: angular momentum above " + std::to_string(kMaxL));
    }
    static std::mutex mutex;
    static std::map<std::tuple<int, int, int>, std::shared_ptr<const CGBlock>> cache;
    const auto key = std::make_tuple(l1, l2, lambda);
    {
        std::lock_guard<std::mutex> lock(mutex);
        auto found = cache.find(key);
        if (found != cache.end()) return found->second;
    }
    // Compute outside the lock so that other blocks are not held up; the first insert wins.
    auto block = compute_block(l1, l2, lambda);
    std::lock_guard<std::mutex> lock(mutex);
    return cache.emplace(key, std::move(block)).first->second;
}

void cg_couple_add(const CGBlock& cg, const double* a, const double* b, double scale, double* out) {
    for (const auto& e : cg.nonzero) out[e.mu] += scale * e.value * a[e.m1] * b[e.m2];
}

}  // namespace hamd
