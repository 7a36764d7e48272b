// See lode_integrals.hpp for the formulas. U_nl needs the two partial moments of R_n at every
// quadrature node; int_x^inf r^(1-l) R_n dr is singular-looking near 0 for large l, so those
// partial integrals are taken in the variable u = ln r on short pieces (the integrand is then a
// gentle exponential in u), and int_0^x r^(l+2) R_n dr near the origin by a 40-point rule
// (exact for the polynomial part up to degree 79).
#include "core/descriptors/lode/lode_integrals.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/errors.hpp"
#include "core/descriptors/density/gto_basis.hpp"
#include "core/descriptors/lode/spherical_bessel.hpp"
#include "core/descriptors/lode/table_cache.hpp"
#include "core/math/bessel.hpp"
#include "core/math/quadrature.hpp"

namespace hamd {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kWindowWidths = 10.0;  // the Gaussian is below e^-50 of its peak beyond 10 sigma
constexpr int kNodesPerPanel = 10;
constexpr double kLogPiece = 0.1;       // width of a piece in u = ln r
constexpr double kTolerance = 1e-9;

// Partial moments of the basis, for every (l, n): out[l][n] += int_a^b r^(l+2) R_n dr when
// `inner`, else int_a^b r^(1-l) R_n dr.
class PartialMoments {
public:
    PartialMoments(const GtoBasis& basis, int max_angular)
        : basis_(basis), max_l_(max_angular), rule_(gauss_legendre(kNodesPerPanel)), origin_rule_(gauss_legendre(40)),
          radial_(basis.size()) {}

    void add(double a, double b, bool inner, double* out) {
        if (b <= a) return;
        if (a <= 0.0) {  // only inner moments start at the origin
            for (size_t q = 0; q < origin_rule_.nodes.size(); ++q) {
                const double r = 0.5 * b * (origin_rule_.nodes[q] + 1.0);
                accumulate(r, 0.5 * b * origin_rule_.weights[q], inner, out);
            }
            return;
        }
        const double span = std::log(b / a);
        const int pieces = std::max(1, (int)std::ceil(span / kLogPiece));
        const double du = span / pieces;
        for (int p = 0; p < pieces; ++p) {
            for (int q = 0; q < kNodesPerPanel; ++q) {
                const double u = std::log(a) + du * (p + 0.5 * (rule_.nodes[q] + 1.0));
                const double r = std::exp(u);
                accumulate(r, 0.5 * du * rule_.weights[q] * r, inner, out);  // dr = r du
            }
        }
    }

private:
    void accumulate(double r, double weight, bool inner, double* out) {
        const int N = basis_.size();
        basis_.evaluate(r, radial_.data());
        double power = weight * (inner ? r * r : r);  // r^(l+2) or r^(1-l) at l = 0
        for (int l = 0; l <= max_l_; ++l) {
            for (int n = 0; n < N; ++n) out[l * N + n] += power * radial_[n];
            power = inner ? power * r : power / r;
        }
    }

    const GtoBasis& basis_;
    int max_l_;
    QuadratureRule rule_, origin_rule_;
    std::vector<double> radial_;
};

}  // namespace

LodePotentialIntegral::LodePotentialIntegral(const RadialBasisSpec& spec, bool tabulate) : spec_(spec) {
    if (spec.max_angular + 1 > ScaledSphericalBesselI::kMaxOrder) throw InvalidArgument("LODE: max_angular too large");
    const GtoBasis basis(spec.cutoff, spec.max_radial);
    const int N = basis.size(), L = spec.max_angular + 1, channels = N * L;
    const double sigma = spec.density_width, radius = lode_projection_radius(spec);
    far_ = radius + kWindowWidths * sigma;
    // Panels no wider than sigma and the narrowest primitive, with the projection radius on a
    // panel boundary: U_nl has a kink in its second derivative there, which a Gauss-Legendre panel
    // straddling it would integrate to ~1e-7 only.
    const double widest = std::min(sigma, basis.width(0));
    panel_ = radius / std::ceil(radius / widest);
    n_panels_ = (int)std::ceil((far_ + kWindowWidths * sigma) / panel_);
    const QuadratureRule rule = gauss_legendre(kNodesPerPanel);
    PartialMoments partial(basis, spec.max_angular);
    // Partial moments over [a, b] intersected with the projection sphere.
    auto add = [&](double a, double b, bool inner, double* out) {
        partial.add(std::min(a, radius), std::min(b, radius), inner, out);
    };

    // Cumulative moments at the panel boundaries: inner from the origin, outer from the top.
    std::vector<double> inner_start((size_t)(n_panels_ + 1) * channels, 0.0);
    std::vector<double> outer_end((size_t)(n_panels_ + 1) * channels, 0.0);
    for (int p = 0; p < n_panels_; ++p) {
        std::copy_n(&inner_start[(size_t)p * channels], channels, &inner_start[(size_t)(p + 1) * channels]);
        add(p * panel_, (p + 1) * panel_, true, &inner_start[(size_t)(p + 1) * channels]);
    }
    moments_.assign(inner_start.end() - channels, inner_start.end());
    for (int p = n_panels_ - 1; p >= 1; --p) {  // outer_end[p] = int_{(p+1) panel}^top
        std::copy_n(&outer_end[(size_t)p * channels], channels, &outer_end[(size_t)(p - 1) * channels]);
        add(p * panel_, (p + 1) * panel_, false, &outer_end[(size_t)(p - 1) * channels]);
    }

    nodes_.resize((size_t)n_panels_ * kNodesPerPanel);
    weighted_u_.assign(nodes_.size() * channels, 0.0);
    std::vector<double> inner(channels), outer(channels);
    for (int p = 0; p < n_panels_; ++p) {
        for (int q = 0; q < kNodesPerPanel; ++q) {
            const size_t j = (size_t)p * kNodesPerPanel + q;
            const double x = panel_ * (p + 0.5 * (rule.nodes[q] + 1.0));
            const double w = 0.5 * panel_ * rule.weights[q];
            nodes_[j] = x;
            std::copy_n(&inner_start[(size_t)p * channels], channels, inner.begin());
            std::copy_n(&outer_end[(size_t)p * channels], channels, outer.begin());
            add(p * panel_, x, true, inner.data());
            add(x, (p + 1) * panel_, false, outer.data());
            double* u = &weighted_u_[j * channels];
            for (int l = 0; l < L; ++l) {
                const double xl = std::pow(x, l);
                for (int n = 0; n < N; ++n) {
                    const int c = l * N + n;
                    u[c] = w * x * x * 4.0 * kPi / (2 * l + 1) * (inner[c] / (xl * x) + xl * outer[c]);
                }
            }
        }
    }
    if (!tabulate) return;
    table_ = std::make_unique<HermiteTable>([this](double d, double* v, double* dv) { compute_exact(d, v, dv); }, far_,
                                            channels, panel_, kTolerance);
}

void LodePotentialIntegral::compute_exact(double d, double* values, double* derivatives) const {
    const int N = n_radial(), L = spec_.max_angular + 1, channels = N * L;
    std::fill(values, values + channels, 0.0);
    if (derivatives) std::fill(derivatives, derivatives + channels, 0.0);
    const double sigma = spec_.density_width, inverse_sigma2 = 1.0 / (sigma * sigma);
    thread_local std::vector<double> b;
    b.resize(L + 2);
    const ScaledSphericalBesselI bessel(L);
    const int first = std::max(0, (int)std::floor((d - kWindowWidths * sigma) / panel_));
    const int last = std::min(n_panels_, (int)std::ceil((d + kWindowWidths * sigma) / panel_));
    for (size_t j = (size_t)first * kNodesPerPanel; j < (size_t)last * kNodesPerPanel; ++j) {
        const double x = nodes_[j];
        const double gaussian = std::exp(-0.5 * (x - d) * (x - d) * inverse_sigma2);
        bessel.compute(x * d * inverse_sigma2, b.data());
        const double* u = &weighted_u_[j * channels];
        for (int l = 0; l < L; ++l) {
            const double value = gaussian * b[l];
            const double lower = l > 0 ? l * b[l - 1] : 0.0;
            const double slope = (lower + (l + 1) * b[l + 1]) / (2 * l + 1) - b[l];
            const double derivative = gaussian * inverse_sigma2 * ((x - d) * b[l] + x * slope);
            for (int n = 0; n < N; ++n) {
                values[l * N + n] += value * u[l * N + n];
                if (derivatives) derivatives[l * N + n] += derivative * u[l * N + n];
            }
        }
    }
    const double prefactor = 4.0 * kPi * std::pow(2.0 * kPi * sigma * sigma, -1.5);
    for (int c = 0; c < channels; ++c) {
        values[c] *= prefactor;
        if (derivatives) derivatives[c] *= prefactor;
    }
}

void LodePotentialIntegral::compute_far_field(double d, double* values, double* derivatives) const {
    const int N = n_radial(), L = spec_.max_angular + 1;
    double inverse_power = 1.0 / d;  // d^-(l+1)
    for (int l = 0; l < L; ++l) {
        for (int n = 0; n < N; ++n) {
            const double v = 4.0 * kPi / (2 * l + 1) * moments_[l * N + n] * inverse_power;
            values[l * N + n] = v;
            if (derivatives) derivatives[l * N + n] = -(l + 1) * v / d;
        }
        inverse_power /= d;
    }
}

void LodePotentialIntegral::compute(double d, double* values, double* derivatives) const {
    if (d >= far_) {
        compute_far_field(d, values, derivatives);
    } else {
        table_->compute(d, values, derivatives);
    }
}

LodePlaneWaveIntegral::LodePlaneWaveIntegral(const RadialBasisSpec& spec, double max_k, bool tabulate)
    : spec_(spec), max_k_(max_k) {
    const GtoBasis basis(spec.cutoff, spec.max_radial);
    const int N = basis.size(), L = spec.max_angular + 1;
    // Panels narrower than the narrowest primitive and than a third of the shortest wavelength,
    // ending at the projection radius.
    const double radius = lode_projection_radius(spec);
    const double widest = std::min(basis.width(0), 2.0 * kPi / (3.0 * std::max(max_k, 1e-3)));
    const int n_panels = (int)std::ceil(radius / widest);
    const double panel = radius / n_panels;
    const QuadratureRule rule = gauss_legendre(kNodesPerPanel);
    nodes_.resize((size_t)n_panels * kNodesPerPanel);
    weighted_basis_.resize(nodes_.size() * N);
    for (int p = 0; p < n_panels; ++p) {
        for (int q = 0; q < kNodesPerPanel; ++q) {
            const size_t j = (size_t)p * kNodesPerPanel + q;
            const double x = panel * (p + 0.5 * (rule.nodes[q] + 1.0));
            nodes_[j] = x;
            basis.evaluate(x, &weighted_basis_[j * N]);
            for (int n = 0; n < N; ++n) weighted_basis_[j * N + n] *= 0.5 * panel * rule.weights[q] * x * x;
        }
    }
    if (!tabulate) return;
    // P_nl(k) varies on the scale 1 / (the projection radius).
    table_ = std::make_unique<HermiteTable>([this](double k, double* v, double* dv) { compute_exact(k, v, dv); },
                                            std::max(max_k, 1e-3), N * L, 1.0 / radius, kTolerance);
    (void)L;
}

void LodePlaneWaveIntegral::compute_exact(double k, double* values, double* derivatives) const {
    const int N = spec_.max_radial + 1, L = spec_.max_angular + 1, channels = N * L;
    std::fill(values, values + channels, 0.0);
    if (derivatives) std::fill(derivatives, derivatives + channels, 0.0);
    thread_local std::vector<double> j;
    j.resize(L + 2);
    for (size_t q = 0; q < nodes_.size(); ++q) {
        const double x = nodes_[q];
        spherical_bessel_j(L, k * x, j.data());
        const double* basis = &weighted_basis_[q * N];
        for (int l = 0; l < L; ++l) {
            // d j_l(kx)/dk = x j_l'(kx),  j_l' = (l j_{l-1} - (l+1) j_{l+1}) / (2l+1)
            const double slope = ((l > 0 ? l * j[l - 1] : 0.0) - (l + 1) * j[l + 1]) / (2 * l + 1);
            for (int n = 0; n < N; ++n) {
                values[l * N + n] += j[l] * basis[n];
                if (derivatives) derivatives[l * N + n] += x * slope * basis[n];
            }
        }
    }
}

void LodePlaneWaveIntegral::compute(double k, double* values, double* derivatives) const {
    table_->compute(k, values, derivatives);
}

std::shared_ptr<const LodePotentialIntegral> cached_lode_potential_integral(const RadialBasisSpec& spec) {
    static TableCache<LodePotentialIntegral> cache(8);
    return cache.get([&](const LodePotentialIntegral& t) { return t.spec() == spec; },
                     [&] { return std::make_shared<const LodePotentialIntegral>(spec); });
}

std::shared_ptr<const LodePlaneWaveIntegral> cached_lode_plane_wave_integral(const RadialBasisSpec& spec, double max_k) {
    static TableCache<LodePlaneWaveIntegral> cache(8);  // a table for a larger max_k serves a smaller one
    return cache.get([&](const LodePlaneWaveIntegral& t) { return t.spec() == spec && t.max_k() >= max_k; },
                     [&] { return std::make_shared<const LodePlaneWaveIntegral>(spec, max_k); });
}

void LodePotentialIntegral::compute_untabulated(double d, double* values, double* derivatives) const {
    if (d >= far_) {
        compute_far_field(d, values, derivatives);
    } else {
        compute_exact(d, values, derivatives);
    }
}

}  // namespace hamd
