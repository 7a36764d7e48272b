// See lode_power_integral.hpp for the formulas.
#include "core/descriptors/lode/lode_power_integral.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/errors.hpp"
#include "core/descriptors/density/gto_basis.hpp"
#include "core/descriptors/lode/lode_integrals.hpp"
#include "core/descriptors/lode/table_cache.hpp"
#include "core/math/incomplete_gamma.hpp"
#include "core/math/quadrature.hpp"

namespace hamd {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kWindowWidths = 10.0;  // phi_p = 1/r^p to e^-50 beyond 10 sigma outside the sphere
constexpr int kNodesPerPanel = 10;
constexpr int kMaxSeriesTerms = 200;

// P_l(t), l = 0..L-1, and (if dP is not null) P_l'(t) by P_l' = P_(l-2)' + (2l-1) P_(l-1) (no
// division by t^2 - 1).
void legendre(int L, double t, double* P, double* dP = nullptr) {
    P[0] = 1.0;
    if (L > 1) P[1] = t;
    for (int l = 2; l < L; ++l) P[l] = ((2 * l - 1) * t * P[l - 1] - (l - 1) * P[l - 2]) / l;
    if (!dP) return;
    dP[0] = 0.0;
    if (L > 1) dP[1] = 1.0;
    for (int l = 2; l < L; ++l) dP[l] = dP[l - 2] + (2 * l - 1) * P[l - 1];
}

}  // namespace

double LodePowerIntegral::potential(double r) const {
    const double sigma2 = spec_.density_width * spec_.density_width;
    return std::pow(2.0 * sigma2, -0.5 * p_) * regularized_gamma_p_over_power(0.5 * p_, 0.5 * r * r / sigma2);
}

LodePowerIntegral::LodePowerIntegral(const RadialBasisSpec& spec, double exponent) : spec_(spec), p_(exponent) {
    const GtoBasis basis(spec.cutoff, spec.max_radial);
    const int N = basis.size(), L = spec.max_angular + 1;
    const double sigma = spec.density_width, radius = lode_projection_radius(spec);
    far_ = radius + kWindowWidths * sigma;

    // Outer quadrature over the projection sphere (the radius on a panel boundary).
    rule_ = gauss_legendre(kNodesPerPanel);
    const QuadratureRule& rule = rule_;
    const int n_panels = (int)std::ceil(radius / std::min(sigma, basis.width(0)));
    const double panel = radius / n_panels;
    std::vector<double> R(N);
    for (int k = 0; k < n_panels; ++k)
        for (int q = 0; q < kNodesPerPanel; ++q) {
            const double x = panel * (k + 0.5 * (rule.nodes[q] + 1.0)), w = 0.5 * panel * rule.weights[q];
            nodes_.push_back(x);
            basis.evaluate(x, R.data());
            for (int n = 0; n < N; ++n) weighted_basis_.push_back(w * x * x * R[n]);
        }

    // phi_p tabulated over every distance the quadrature asks for (to 1e-13; its derivative for
    // the table by central differences, step 1e-4 sigma).
    auto phi = [this, sigma](double r, double* value, double* derivative) {
        value[0] = potential(r);
        if (derivative) {
            const double h = 1e-4 * sigma;
            const double a = potential(r + h), b = potential(std::fabs(r - h));  // even in r
            const double c = potential(r + 2 * h), e = potential(std::fabs(r - 2 * h));
            derivative[0] = (8.0 * (a - b) - (c - e)) / (12.0 * h);
        }
    };
    potential_table_ = std::make_unique<HermiteTable>(phi, far_ + radius + sigma, 1, 0.25 * sigma, 1e-13);

    // The far-field series: a_lj by Gauss-Legendre in t (exact: polynomials), M_n,k by the outer rule.
    const QuadratureRule t_rule = gauss_legendre(kMaxSeriesTerms + L + 2);  // exact for C_(l+2j) P_l
    const double lambda = 0.5 * p_;
    std::vector<double> C(2 * kMaxSeriesTerms + L), P(L);
    std::vector<std::vector<double>> a(L, std::vector<double>(kMaxSeriesTerms, 0.0));
    for (size_t q = 0; q < t_rule.nodes.size(); ++q) {
        const double t = t_rule.nodes[q], w = t_rule.weights[q];
        C[0] = 1.0;
        C[1] = 2.0 * lambda * t;
        for (size_t k = 2; k < C.size(); ++k)
            C[k] = (2.0 * t * (k + lambda - 1.0) * C[k - 1] - (k + 2.0 * lambda - 2.0) * C[k - 2]) / (double)k;
        legendre(L, t, P.data());
        for (int l = 0; l < L; ++l)
            for (int j = 0; j < kMaxSeriesTerms; ++j) a[l][j] += 2.0 * kPi * w * C[l + 2 * j] * P[l];
    }
    series_.assign((size_t)L * N, {});
    for (int l = 0; l < L; ++l)
        for (int n = 0; n < N; ++n) {
            std::vector<double>& out = series_[(size_t)l * N + n];
            double first = 0.0;
            for (int j = 0; j < kMaxSeriesTerms; ++j) {
                double moment = 0.0;  // M_n,l+2j
                for (size_t q = 0; q < nodes_.size(); ++q)
                    moment += weighted_basis_[q * N + n] * std::pow(nodes_[q], l + 2 * j);
                const double c = a[l][j] * moment;
                out.push_back(c);
                const double size = std::fabs(c) / std::pow(far_, p_ + l + 2 * j);
                if (j == 0) first = std::max(size, 1e-300);
                if (j > 4 && size < 1e-17 * first) break;
            }
            if (out.size() == (size_t)kMaxSeriesTerms)
                throw InvalidArgument("LODE p = " + std::to_string(p_) + ": the far-field series does not converge");
        }

    // The table below d_far: J and dJ/dd by quadrature (Leibniz' rule under the integral), but
    // within 1e-3 A of the origin, where the 1/(x d) of the rho form cancels, dJ/dd by
    // fourth-order central differences (J_nl(-d) = (-1)^l J_nl(d); step 1e-4 A: truncation
    // ~h^4 / sigma^5, rounding 1e-16 / h).
    const int channels = N * L;
    auto exact = [this, channels, N, L](double d, double* values, double* derivatives) {
        if (!derivatives || d > 1e-3) {
            compute_exact(d, values, derivatives);
            return;
        }
        compute_exact(d, values);
        thread_local std::vector<double> v[4];
        const double h = 1e-4, steps[4] = {h, -h, 2 * h, -2 * h};
        for (int s = 0; s < 4; ++s) {
            v[s].resize(channels);
            const double at = d + steps[s];
            compute_exact(std::fabs(at), v[s].data());
            if (at < 0)
                for (int l = 1; l < L; l += 2)
                    for (int n = 0; n < N; ++n) v[s][l * N + n] = -v[s][l * N + n];
        }
        for (int c = 0; c < channels; ++c)
            derivatives[c] = (8.0 * (v[0][c] - v[1][c]) - (v[2][c] - v[3][c])) / (12.0 * h);
    };
    table_ = std::make_unique<HermiteTable>(exact, far_, channels, std::min(sigma, basis.width(0)), 1e-9);
}

double LodePowerIntegral::tabulated_potential(double r) const {
    if (r >= potential_table_->upper()) return std::pow(r, -p_);  // P(p/2, r^2 / 2 sigma^2) = 1 to e^-50
    double phi = 0.0;
    potential_table_->compute(r, &phi, nullptr);
    return phi;
}

void LodePowerIntegral::compute_exact(double d, double* values, double* derivatives) const {
    const int N = n_radial(), L = spec_.max_angular + 1;
    std::fill(values, values + N * L, 0.0);
    if (derivatives) std::fill(derivatives, derivatives + N * L, 0.0);
    const double sigma = spec_.density_width;
    const QuadratureRule& rule = rule_;
    thread_local std::vector<double> K, dK, P, dP;
    K.resize(L);
    dK.resize(L);
    P.resize(L);
    dP.resize(L);
    double phi = 0.0;
    for (size_t q = 0; q < nodes_.size(); ++q) {
        const double x = nodes_[q];
        std::fill(K.begin(), K.end(), 0.0);
        std::fill(dK.begin(), dK.end(), 0.0);
        if (x * d == 0.0) {  // (derivatives are not asked for at d = 0)
            K[0] = 2.0 * tabulated_potential(std::max(x, d));
        } else {  // (1 / x d) int_{|x-d|}^{x+d} phi(rho) P_l(t) rho drho
            const double low = std::fabs(x - d), high = x + d;
            const int panels = std::max(1, (int)std::ceil((high - low) / sigma));
            const double width = (high - low) / panels;
            for (int k = 0; k < panels; ++k)
                for (int g = 0; g < kNodesPerPanel; ++g) {
                    const double rho = low + width * (k + 0.5 * (rule.nodes[g] + 1.0));
                    const double t = std::clamp((x * x + d * d - rho * rho) / (2.0 * x * d), -1.0, 1.0);
                    phi = tabulated_potential(rho);
                    legendre(L, t, P.data(), derivatives ? dP.data() : nullptr);
                    const double weight = 0.5 * width * rule.weights[g] * rho * phi / (x * d);
                    for (int l = 0; l < L; ++l) K[l] += weight * P[l];
                    if (derivatives) {  // d t / d d = (d^2 - x^2 + rho^2) / (2 x d^2)
                        const double dt = (d * d - x * x + rho * rho) / (2.0 * x * d * d);
                        for (int l = 0; l < L; ++l) dK[l] += weight * dP[l] * dt;
                    }
                }
            if (derivatives) {
                // d/dd of (1 / x d) int_{|x-d|}^{x+d}: the prefactor, and the limits (t = -1 at
                // x + d, t = +1 at |x - d|, d|x-d|/dd = sign(d - x))
                const double upper = (x + d) * tabulated_potential(x + d), lower = (d - x) * tabulated_potential(low);
                for (int l = 0; l < L; ++l)
                    dK[l] += -K[l] / d + ((l % 2 ? -1.0 : 1.0) * upper - lower) / (x * d);
            }
        }
        const double* basis = &weighted_basis_[q * N];
        for (int l = 0; l < L; ++l)
            for (int n = 0; n < N; ++n) {
                values[l * N + n] += 2.0 * kPi * basis[n] * K[l];
                if (derivatives) derivatives[l * N + n] += 2.0 * kPi * basis[n] * dK[l];
            }
    }
}

void LodePowerIntegral::compute_far_field(double d, double* values, double* derivatives) const {
    const int N = n_radial(), L = spec_.max_angular + 1;
    const double inverse2 = 1.0 / (d * d);
    double power = std::pow(d, -p_);  // d^-(p+l) at l
    for (int l = 0; l < L; ++l, power /= d) {
        for (int n = 0; n < N; ++n) {
            const std::vector<double>& c = series_[(size_t)l * N + n];
            double value = 0.0, slope = 0.0, term = power;
            for (size_t j = 0; j < c.size(); ++j, term *= inverse2) {
                value += c[j] * term;
                slope -= (p_ + l + 2.0 * j) * c[j] * term / d;
            }
            values[l * N + n] = value;
            if (derivatives) derivatives[l * N + n] = slope;
        }
    }
}

void LodePowerIntegral::compute(double d, double* values, double* derivatives) const {
    if (d >= far_) {
        compute_far_field(d, values, derivatives);
    } else {
        table_->compute(d, values, derivatives);
    }
}

std::shared_ptr<const LodePowerIntegral> cached_lode_power_integral(const RadialBasisSpec& spec, double exponent) {
    static TableCache<LodePowerIntegral> cache(8);
    return cache.get([&](const LodePowerIntegral& t) { return t.spec() == spec && t.exponent() == exponent; },
                     [&] { return std::make_shared<const LodePowerIntegral>(spec, exponent); });
}

}  // namespace hamd
