// Radial integrals: the scaled Bessel functions, the orthonormal GTO basis, the quadrature
// against the analytic (confluent hypergeometric) form of the integral, the spline against the
// quadrature, derivatives, the cache, and bad specs.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "core/math/bessel.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/density/gto_basis.hpp"
#include "core/math/quadrature.hpp"
#include "core/descriptors/density/radial_integral.hpp"

using namespace hamd;

namespace {

const long double kPi = 3.141592653589793238462643383279502884L;

std::string describe(const RadialBasisSpec& s) {
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "(rc=%g, max_radial=%d, max_angular=%d, sigma=%g)", s.cutoff, s.max_radial,
                  s.max_angular, s.density_width);
    return buffer;
}

// e^{-z} i_l(z) by its positive power series in long double: slow, independent of the code under test.
long double reference_bessel(int l, long double z) {
    long double term = 1, sum = 1, half_z2 = z * z / 2;
    for (int k = 1; k < 100000; ++k) {
        term *= half_z2 / (k * (2.0L * l + 2 * k + 1));
        sum += term;
        if (term < 1e-22L * sum && k > z) break;
    }
    long double log_prefactor = -z - std::lgamma(l + 1.5L) - (l + 1) * std::log(2.0L) + 0.5L * std::log(kPi);
    if (l > 0) log_prefactor += l * std::log(z);
    return sum * std::exp(log_prefactor);
}

// The primitive radial integral in closed form (Gradshteyn 6.631.1 with i_l = sqrt(pi/2z) I_{l+1/2}):
//   4 pi e^{-r^2/2 sigma^2} int x^{n+2} e^{-a x^2} i_l(b x) dx
//     = 4 pi e^{-r^2/2 sigma^2} sqrt(pi) b^l Gamma((n+l+3)/2) / (2^{l+2} a^{(n+l+3)/2} Gamma(l+3/2))
//       * 1F1((n+l+3)/2; l+3/2; b^2/4a),       a = 1/2s_n^2 + 1/2sigma^2,  b = r/sigma^2.
long double analytic_primitive(int n, int l, long double r, long double s_n, long double sigma) {
    long double a = 0.5L / (s_n * s_n) + 0.5L / (sigma * sigma);
    long double b = r / (sigma * sigma);
    long double p = (n + l + 3) / 2.0L, q = l + 1.5L, w = b * b / (4 * a);
    long double term = 1, sum = 1;
    for (int k = 0; k < 200000; ++k) {
        term *= (p + k) / (q + k) * w / (k + 1);
        sum += term;
        if (term < 1e-22L * sum && k > w) break;
    }
    long double log_value = std::log(4 * kPi) - r * r / (2 * sigma * sigma) + 0.5L * std::log(kPi) +
                            std::lgamma(p) - (l + 2) * std::log(2.0L) - p * std::log(a) - std::lgamma(q);
    if (l == 0) return std::exp(log_value) * sum;
    if (b == 0) return 0;
    return std::exp(log_value + l * std::log(b)) * sum;
}

// Analytic I_nl(r) on the orthonormal basis, channels [l][n].
std::vector<double> analytic_integrals(const RadialBasisSpec& spec, double r) {
    GtoBasis basis(spec.cutoff, spec.max_radial);
    const int N = basis.size();
    const auto& T = basis.orthonormalisation();
    std::vector<double> out((spec.max_angular + 1) * N);
    for (int l = 0; l <= spec.max_angular; ++l) {
        std::vector<long double> primitive(N);
        for (int k = 0; k < N; ++k) primitive[k] = analytic_primitive(k, l, r, basis.width(k), spec.density_width);
        for (int n = 0; n < N; ++n) {
            long double sum = 0;
            for (int k = 0; k < N; ++k) sum += (long double)T[n * N + k] * primitive[k];
            out[l * N + n] = (double)sum;
        }
    }
    return out;
}

std::vector<double> channel_maxima(const RadialIntegral& ri, bool derivatives) {
    const int C = ri.n_radial() * (ri.spec().max_angular + 1);
    std::vector<double> maxima(C, 0.0), v(C), d(C);
    for (int i = 0; i <= 400; ++i) {
        ri.compute_exact(ri.spec().cutoff * i / 400, v.data(), d.data());
        for (int c = 0; c < C; ++c) maxima[c] = std::fmax(maxima[c], std::fabs(derivatives ? d[c] : v[c]));
    }
    return maxima;
}

double cpu_seconds() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

}  // namespace

int main() {
    std::mt19937 rng(2024);

    // --- Gauss-Legendre rule ---
    {
        QuadratureRule rule = gauss_legendre(10);
        double even = 0.0, odd = 0.0, weights = 0.0;
        for (int i = 0; i < 10; ++i) {
            even += rule.weights[i] * std::pow(rule.nodes[i], 18);
            odd += rule.weights[i] * std::pow(rule.nodes[i], 19);
            weights += rule.weights[i];
        }
        check::ok(std::fabs(even - 2.0 / 19) < 1e-15 && std::fabs(odd) < 1e-15 && std::fabs(weights - 2) < 1e-14,
                  "10-point Gauss-Legendre is exact to degree 19");
    }

    // --- scaled modified spherical Bessel functions ---
    {
        const int L = ScaledSphericalBesselI::kMaxOrder;
        ScaledSphericalBesselI bessel(L);
        std::vector<double> out(L + 1);
        double worst = 0.0;
        for (double z : {1e-8, 1e-3, 0.3, 0.999, 1.0, 2.0, 5.3, 7.5, 12.0, 19.9, 20.1, 33.0, 60.0, 150.0, 300.0, 357.0, 400.0}) {
            bessel.compute(z, out.data());
            for (int l = 0; l <= L; ++l) {
                long double expected = reference_bessel(l, z);
                if (expected < 1e-290L) continue;  // below double range
                worst = std::fmax(worst, (double)std::fabs((out[l] - expected) / expected));
            }
        }
        check::close(worst, 0.0, 1e-13, "e^-z i_l(z) matches a long double series, l <= 34", false);

        // closed forms for l = 0, 1, 2 over a fine range (z >= 0.5, where the closed forms themselves
        // do not cancel badly in long double), and several smaller max_l
        double worst_closed = 0.0;
        for (int max_l : {0, 1, 2, 3, 7}) {
            ScaledSphericalBesselI b(max_l);
            std::vector<double> o(max_l + 1);
            for (int i = 10; i <= 400; ++i) {
                long double z = 0.05L * i;
                b.compute((double)z, o.data());
                long double sh = std::sinh(z) * std::exp(-z), ch = std::cosh(z) * std::exp(-z);
                long double closed[3] = {sh / z, ch / z - sh / (z * z), (3 / (z * z) + 1) * sh / z - 3 * ch / (z * z)};
                for (int l = 0; l <= std::min(max_l, 2); ++l)
                    worst_closed = std::fmax(worst_closed, (double)std::fabs((o[l] - closed[l]) / closed[l]));
            }
        }
        check::close(worst_closed, 0.0, 1e-13, "l <= 2 match sinh/cosh closed forms", false);

        bessel.compute(0.0, out.data());
        bool origin = out[0] == 1.0;
        for (int l = 1; l <= L; ++l) origin = origin && out[l] == 0.0;
        check::ok(origin, "i_0(0) = 1 and i_l(0) = 0 for l > 0");

        const double z = 1e7;  // 2z e^-z i_l(z) -> 1 - a_1/z + a_2/z^2, a_1 = l(l+1)/2, a_2 = (l+2)(l+1)l(l-1)/8
        bessel.compute(z, out.data());
        double worst_large = 0.0;
        for (int l = 0; l <= L; ++l) {
            double a1 = l * (l + 1) / 2.0, a2 = (l + 2.0) * (l + 1) * l * (l - 1) / 8.0;
            worst_large = std::fmax(worst_large, std::fabs(out[l] * 2 * z / (1 - a1 / z + a2 / (z * z)) - 1));
        }
        check::close(worst_large, 0.0, 1e-12, "large-argument limit", false);
    }

    // --- orthonormal GTO basis ---
    for (auto [cutoff, max_radial] : {std::pair<double, int>{5.0, 7}, {4.0, 12}, {2.5, 0}}) {
        GtoBasis basis(cutoff, max_radial);
        const int N = basis.size();
        QuadratureRule rule = gauss_legendre(20);
        const double panel = 0.05;
        std::vector<double> gram(N * N, 0.0), values(N);
        for (double a = 0.0; a < basis.extent(); a += panel)
            for (int k = 0; k < 20; ++k) {
                double x = a + 0.5 * panel * (rule.nodes[k] + 1), w = 0.5 * panel * rule.weights[k];
                basis.evaluate(x, values.data());
                for (int i = 0; i < N; ++i)
                    for (int j = 0; j < N; ++j) gram[i * N + j] += w * x * x * values[i] * values[j];
            }
        double worst = 0.0;
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) worst = std::fmax(worst, std::fabs(gram[i * N + j] - (i == j)));
        check::close(worst, 0.0, 1e-11,
                     "basis orthonormal with weight x^2, rc=" + std::to_string(cutoff) + " max_radial=" + std::to_string(max_radial),
                     false);
        // Loewdin: T is the symmetric positive definite S^(-1/2) of the raw primitives' overlap
        // S_nk = Gamma((n+k+3)/2) / (2 a^((n+k+3)/2)), a = 1/2s_n^2 + 1/2s_k^2 (not of normalised ones).
        const auto& T = basis.orthonormalisation();
        std::vector<long double> S(N * N);
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
                long double a = 0.5L / ((long double)basis.width(i) * basis.width(i)) +
                                0.5L / ((long double)basis.width(j) * basis.width(j));
                S[i * N + j] = std::tgamma((i + j + 3) / 2.0L) / (2 * std::pow(a, (i + j + 3) / 2.0L));
            }
        double asymmetry = 0.0, identity = 0.0;
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
                asymmetry = std::fmax(asymmetry, std::fabs(T[i * N + j] - T[j * N + i]) /
                                                     std::sqrt(std::fabs(T[i * N + i] * T[j * N + j])));
                long double tst = 0;
                for (int k = 0; k < N; ++k)
                    for (int m = 0; m < N; ++m) tst += (long double)T[i * N + k] * S[k * N + m] * T[m * N + j];
                identity = std::fmax(identity, (double)std::fabs(tst - (i == j)));
            }
        // positive definite: Cholesky succeeds
        std::vector<long double> chol(T.begin(), T.end());
        bool positive = true;
        for (int j = 0; j < N && positive; ++j) {
            for (int k = 0; k < j; ++k) chol[j * N + j] -= chol[j * N + k] * chol[j * N + k];
            positive = chol[j * N + j] > 0;
            if (!positive) break;
            chol[j * N + j] = std::sqrt(chol[j * N + j]);
            for (int i = j + 1; i < N; ++i) {
                for (int k = 0; k < j; ++k) chol[i * N + j] -= chol[i * N + k] * chol[j * N + k];
                chol[i * N + j] /= chol[j * N + j];
            }
        }
        check::ok(asymmetry < 1e-12 && identity < 1e-10 && positive,
                  "Loewdin T = S^(-1/2): symmetric, positive definite, T S T = 1 (raw primitives)",
                  "asymmetry " + std::to_string(asymmetry) + " |TST - 1| " + std::to_string(identity));
        GtoBasis wider(cutoff, std::max(max_radial, 2));
        std::vector<double> s3(wider.size());
        wider.primitives(0.7, s3.data());
        double s1 = cutoff / (std::max(max_radial, 2) + 1);
        check::close(s3[2], 0.49 * std::exp(-0.49 / (2 * 2 * s1 * s1)), 1e-15,
                     "primitive x^2 exp(-x^2/2s_2^2) with s_2 = rc sqrt(2)/N_rad", false);
    }

    const std::vector<RadialBasisSpec> specs = {
        {5.0, 7, 6, 0.3},   // benchmark hypers
        {4.0, 10, 12, 0.5},
        {3.0, 4, 20, 0.2},
        {6.0, 5, 4, 1.0},
    };

    // --- quadrature against the analytic form; derivative against finite differences ---
    for (const auto& spec : specs) {
        RadialIntegral ri(spec);
        const int C = ri.n_radial() * (spec.max_angular + 1);
        auto maxima = channel_maxima(ri, false), derivative_maxima = channel_maxima(ri, true);
        std::vector<double> v(C), d(C), vp(C), vm(C);
        double worst = 0.0, worst_fd = 0.0;
        for (int i = 0; i <= 40; ++i) {
            double r = spec.cutoff * i / 40 + (i % 3) * 0.01;
            ri.compute_exact(r, v.data(), d.data());
            auto expected = analytic_integrals(spec, r);
            for (int c = 0; c < C; ++c) worst = std::fmax(worst, std::fabs(v[c] - expected[c]) / maxima[c]);
            const double h = 1e-5;
            ri.compute_exact(r + h, vp.data(), nullptr);
            ri.compute_exact(std::fabs(r - h), vm.data(), nullptr);
            for (int c = 0; c < C; ++c) {
                // I_nl(-r) = (-1)^l I_nl(r): the quadrature at |r - h| needs the parity sign near 0
                int l = c / ri.n_radial();
                double minus = (r - h < 0 && l % 2) ? -vm[c] : vm[c];
                worst_fd = std::fmax(worst_fd, std::fabs(d[c] - (vp[c] - minus) / (2 * h)) / derivative_maxima[c]);
            }
        }
        check::close(worst, 0.0, 1e-10, "quadrature matches the analytic 1F1 form " + describe(spec), false);
        check::close(worst_fd, 0.0, 1e-7, "quadrature dI/dr matches finite differences " + describe(spec), false);
    }

    // --- r = 0: I_n0(0) = 4 pi sum_k T_nk Gamma((k+3)/2) / (2 a_k^((k+3)/2)), I_nl(0) = 0 for l > 0 ---
    {
        const RadialBasisSpec spec = specs[0];
        RadialIntegral ri(spec);
        GtoBasis basis(spec.cutoff, spec.max_radial);
        const int N = basis.size(), C = N * (spec.max_angular + 1);
        std::vector<double> v(C), d(C);
        ri.compute_exact(0.0, v.data(), d.data());
        double worst = 0.0, higher = 0.0;
        for (int n = 0; n < N; ++n) {
            long double sum = 0;
            for (int k = 0; k < N; ++k) {
                long double a = 0.5L / (basis.width(k) * basis.width(k)) + 0.5L / (spec.density_width * spec.density_width);
                sum += basis.orthonormalisation()[n * N + k] * std::tgamma((k + 3) / 2.0L) / (2 * std::pow(a, (k + 3) / 2.0L));
            }
            worst = std::fmax(worst, std::fabs(v[n] - (double)(4 * kPi * sum)) / std::fabs((double)(4 * kPi * sum)));
        }
        for (int c = N; c < C; ++c) higher = std::fmax(higher, std::fabs(v[c]));
        check::close(worst, 0.0, 1e-12, "I_n0(0) equals its Gamma-function closed form", false);
        check::close(higher, 0.0, 1e-300, "I_nl(0) = 0 for l > 0", false);
        double dl0 = 0.0;
        for (int n = 0; n < N; ++n) dl0 = std::fmax(dl0, std::fabs(d[n]));
        check::close(dl0, 0.0, 1e-14, "dI_n0/dr = 0 at r = 0 (even in r)", false);
    }

    // --- spline against quadrature ---
    for (const auto& spec : specs) {
        auto start = std::chrono::steady_clock::now();
        double cpu_start = cpu_seconds();
        RadialIntegral ri(spec);
        double cpu = cpu_seconds() - cpu_start;
        double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("# tabulation %s: %.1f ms wall, %.1f ms cpu\n", describe(spec).c_str(), 1e3 * wall, 1e3 * cpu);

        const int C = ri.n_radial() * (spec.max_angular + 1);
        auto maxima = channel_maxima(ri, false), derivative_maxima = channel_maxima(ri, true);
        std::uniform_real_distribution<double> uniform(0.0, spec.cutoff);
        std::vector<double> v(C), d(C), ve(C), de(C), vp(C), vm(C);
        double worst = 0.0, worst_derivative = 0.0, worst_consistency = 0.0;
        for (int i = 0; i < 300; ++i) {
            double r = i == 0 ? 0.0 : (i == 1 ? spec.cutoff : uniform(rng));
            ri.compute(r, v.data(), d.data());
            ri.compute_exact(r, ve.data(), de.data());
            for (int c = 0; c < C; ++c) {
                worst = std::fmax(worst, std::fabs(v[c] - ve[c]) / maxima[c]);
                worst_derivative = std::fmax(worst_derivative, std::fabs(d[c] - de[c]) / derivative_maxima[c]);
            }
            if (r > 1e-4 && r < spec.cutoff - 1e-4) {
                const double h = 1e-6;
                ri.compute(r + h, vp.data(), nullptr);
                ri.compute(r - h, vm.data(), nullptr);
                for (int c = 0; c < C; ++c)
                    worst_consistency =
                        std::fmax(worst_consistency, std::fabs(d[c] - (vp[c] - vm[c]) / (2 * h)) / derivative_maxima[c]);
            }
        }
        check::close(worst, 0.0, 1e-8, "spline values within 1e-8 of quadrature " + describe(spec), false);
        check::close(worst_derivative, 0.0, 1e-6, "spline dI/dr within 1e-6 of quadrature " + describe(spec), false);
        check::close(worst_consistency, 0.0, 1e-7, "spline dI/dr is the derivative of the spline " + describe(spec), false);
    }

    // --- hot path speed (informational) ---
    {
        RadialIntegral ri(specs[0]);
        const int C = ri.n_radial() * (specs[0].max_angular + 1);
        std::vector<double> v(C), d(C);
        const int calls = 200000;
        double sink = 0.0;
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < calls; ++i) {
            ri.compute(4.99 * ((i * 7919) % calls) / calls, v.data(), d.data());
            sink += v[3] + d[5];
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("# compute() %s: %.1f ns per call with derivatives (checksum %g)\n", describe(specs[0]).c_str(),
                    1e9 * seconds / calls, sink);
    }

    // --- cache ---
    {
        auto a = cached_radial_integral(specs[0]);
        auto b = cached_radial_integral(specs[0]);
        auto c = cached_radial_integral(specs[3]);
        check::ok(a == b && a != c && c->spec() == specs[3], "cache shares one table per spec");
        RadialBasisSpec fresh{4.5, 3, 3, 0.4};
        std::vector<std::shared_ptr<const RadialIntegral>> seen(4);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { seen[t] = cached_radial_integral(fresh); });
        for (auto& t : threads) t.join();
        check::ok(seen[0] && seen[0] == seen[1] && seen[1] == seen[2] && seen[2] == seen[3],
                  "concurrent first requests build one shared table");
    }

    // --- cache: a slow build holds up no other spec ---
    {
        // Thread A builds spec X with a builder that blocks until released; meanwhile this thread
        // asks for a cached spec and builds a new one. Had the build kept the cache's lock, those
        // requests would wait for A (the watchdog reports that instead of hanging the suite).
        const RadialBasisSpec x{4.25, 2, 2, 0.35}, z{4.75, 2, 2, 0.35};
        std::promise<void> started, release;
        std::shared_future<void> released = release.get_future().share();
        int x_builds = 0;
        auto slow_build = [&] {
            ++x_builds;
            started.set_value();
            released.wait();
            return std::make_shared<const RadialIntegral>(x);
        };
        auto a = std::async(std::launch::async, [&] { return detail::cached_radial_integral_with(x, slow_build); });
        started.get_future().wait();
        auto others = std::async(std::launch::async, [&] {
            auto cached = cached_radial_integral(specs[0]);
            auto fresh = cached_radial_integral(z);
            return cached && fresh && fresh->spec() == z;
        });
        const bool served = others.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
        // A second request for X waits for A's build instead of building again.
        auto waiter = std::async(std::launch::async, [&] {
            return detail::cached_radial_integral_with(x, [&] { ++x_builds; return std::make_shared<const RadialIntegral>(x); });
        });
        release.set_value();
        const auto built = a.get();
        check::ok(served && others.get(), "while one spec is being tabulated, a cached spec and a new spec are served");
        check::ok(waiter.get() == built && x_builds == 1, "a request for the spec being built waits for that build (built once)");
    }

    // --- cache: a failed build is not cached ---
    {
        const RadialBasisSpec y{3.75, 2, 2, 0.35};
        int attempts = 0;
        bool threw = false;
        try {
            detail::cached_radial_integral_with(y, [&]() -> std::shared_ptr<const RadialIntegral> {
                ++attempts;
                throw InvalidArgument("build failed on purpose");
            });
        } catch (const InvalidArgument&) {
            threw = true;
        }
        auto second = detail::cached_radial_integral_with(y, [&] { ++attempts; return std::make_shared<const RadialIntegral>(y); });
        check::ok(threw && attempts == 2 && second && second->spec() == y, "a build that throws reports its error and the next request builds again");
    }

    // --- bad specs ---
    {
        auto rejects = [](RadialBasisSpec spec) {
            try {
                RadialIntegral ri(spec);
            } catch (const InvalidArgument&) {
                return true;
            }
            return false;
        };
        check::ok(rejects({0.0, 3, 3, 0.3}) && rejects({5.0, -1, 3, 0.3}) && rejects({5.0, 3, -1, 0.3}) &&
                      rejects({5.0, 3, 3, 0.0}) && rejects({5.0, 3, 3, std::nan("")}) && rejects({5.0, 3, 40, 0.3}) &&
                      rejects({5.0, 25, 3, 0.3}),
                  "invalid or numerically ill-conditioned specs raise InvalidArgument");
    }
    return check::finish();
}
