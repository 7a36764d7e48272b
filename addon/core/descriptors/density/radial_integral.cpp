// Radial integrals of a Gaussian density on the orthonormal GTO basis:
//
//   I_nl(r) = 4 pi exp(-r^2/2s^2) int_0^inf x^2 R_n(x) exp(-x^2/2s^2) i_l(x r/s^2) dx   (s = sigma)
//           = 4 pi int_0^inf x^2 R_n(x) exp(-(x-r)^2/2s^2) [e^{-z} i_l(z)]_{z = x r/s^2} dx,
//
// the second form never overflows. The Gaussian factor confines the integrand to |x - r| < 10 s
// (outside it is below e^-50 of the peak), which is integrated by composite Gauss-Legendre panels
// narrower than both sigma and the narrowest primitive. dI/dr differentiates the integrand:
//   d/dr [g e^{-z} i_l] = g/s^2 [ (x - r) e^{-z} i_l(z) + x (e^{-z} i_l)'(z) ],
//   (e^{-z} i_l)' = e^{-z} (l i_{l-1} + (l+1) i_{l+1}) / (2l+1) - e^{-z} i_l.
// The table holds values and exact derivatives on a uniform grid; compute() is a cubic Hermite
// interpolation. The grid is refined until the interpolation error at every interval midpoint,
// where the cubic Hermite error peaks, is below 5e-9 of each channel's largest value.
#include "core/descriptors/density/radial_integral.hpp"

#include <algorithm>
#include <cmath>
#include <future>
#include <mutex>
#include <string>

#include "core/math/bessel.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/density/gto_basis.hpp"
#include "core/descriptors/density/radial_spline.hpp"
#include "core/math/quadrature.hpp"

namespace hamd {

namespace {

constexpr int kMaxAngular = ScaledSphericalBesselI::kMaxOrder - 1;  // dI/dr needs order l + 1
constexpr double kWindowWidths = 10.0;      // integrate over |x - r| < 10 sigma
constexpr int kNodesPerPanel = 10;          // Gauss-Legendre points per panel
constexpr double kInterpolationTolerance = 5e-9;
// A uniform grid fine enough for a very narrow density over a long cutoff would be huge: refuse
// beyond 64 MiB rather than serve a less accurate table.
constexpr double kMaxTableDoubles = 8.0 * 1024 * 1024;

void validate(const RadialBasisSpec& spec) {
    if (!(spec.cutoff > 0.0 && std::isfinite(spec.cutoff))) throw InvalidArgument("radial integral: cutoff must be > 0");
    if (!(spec.density_width > 0.0 && std::isfinite(spec.density_width)))
        throw InvalidArgument("radial integral: density_width must be > 0");
    if (spec.max_radial < 0) throw InvalidArgument("radial integral: max_radial must be >= 0");
    if (spec.max_angular < 0 || spec.max_angular > kMaxAngular)
        throw InvalidArgument("radial integral: max_angular must be in [0, " + std::to_string(kMaxAngular) + "]");
}

// Fixed quadrature nodes on [0, upper] with the orthonormal basis folded into the weights:
// weighted_basis[j * N + n] = w_j x_j^2 R_n(x_j). Each r then uses the panels meeting its window.
class RadialQuadrature {
public:
    RadialQuadrature(const RadialBasisSpec& spec, const GtoBasis& basis, double max_r)
        : spec_(spec), n_radial_(basis.size()), n_angular_(spec.max_angular + 1), bessel_i_(spec.max_angular + 1) {
        const double sigma = spec.density_width;
        panel_width_ = std::min(sigma, basis.width(0));
        const double upper = std::min(basis.extent(), max_r + kWindowWidths * sigma);
        n_panels_ = std::max(1, (int)std::ceil(upper / panel_width_));
        const QuadratureRule rule = gauss_legendre(kNodesPerPanel);
        nodes_.resize((size_t)n_panels_ * kNodesPerPanel);
        weighted_basis_.resize(nodes_.size() * n_radial_);
        for (int p = 0; p < n_panels_; ++p) {
            for (int k = 0; k < kNodesPerPanel; ++k) {
                const size_t j = (size_t)p * kNodesPerPanel + k;
                const double x = panel_width_ * (p + 0.5 * (rule.nodes[k] + 1.0));
                const double w = 0.5 * panel_width_ * rule.weights[k];
                nodes_[j] = x;
                basis.evaluate(x, &weighted_basis_[j * n_radial_]);
                for (int n = 0; n < n_radial_; ++n) weighted_basis_[j * n_radial_ + n] *= w * x * x;
            }
        }
        bessel_.resize(n_angular_ + 2);
        value_factor_.resize(n_angular_);
        derivative_factor_.resize(n_angular_);
    }

    // values/derivatives laid out [l][n]. Not thread-safe (scratch buffers): one per thread.
    void integrate(double r, double* values, double* derivatives) {
        const int size = n_angular_ * n_radial_;
        std::fill(values, values + size, 0.0);
        std::fill(derivatives, derivatives + size, 0.0);
        const double sigma = spec_.density_width;
        const double inverse_sigma2 = 1.0 / (sigma * sigma);
        const int first = std::max(0, (int)std::floor((r - kWindowWidths * sigma) / panel_width_));
        const int last = std::min(n_panels_, (int)std::ceil((r + kWindowWidths * sigma) / panel_width_));
        const int max_l = n_angular_ - 1;
        double* b = bessel_.data();
        for (size_t j = (size_t)first * kNodesPerPanel; j < (size_t)last * kNodesPerPanel; ++j) {
            const double x = nodes_[j];
            const double gaussian = std::exp(-0.5 * (x - r) * (x - r) * inverse_sigma2);
            bessel_i_.compute(x * r * inverse_sigma2, b);
            for (int l = 0; l <= max_l; ++l) {
                const double lower = l > 0 ? l * b[l - 1] : 0.0;
                const double slope = (lower + (l + 1) * b[l + 1]) / (2 * l + 1) - b[l];
                value_factor_[l] = gaussian * b[l];
                derivative_factor_[l] = gaussian * inverse_sigma2 * ((x - r) * b[l] + x * slope);
            }
            const double* basis = &weighted_basis_[j * n_radial_];
            for (int l = 0; l <= max_l; ++l) {
                const double v = value_factor_[l], d = derivative_factor_[l];
                double* value_row = values + l * n_radial_;
                double* derivative_row = derivatives + l * n_radial_;
                for (int n = 0; n < n_radial_; ++n) {
                    value_row[n] += v * basis[n];
                    derivative_row[n] += d * basis[n];
                }
            }
        }
        const double four_pi = 4.0 * std::acos(-1.0);
        for (int i = 0; i < size; ++i) {
            values[i] *= four_pi;
            derivatives[i] *= four_pi;
        }
    }

private:
    RadialBasisSpec spec_;
    int n_radial_, n_angular_;
    ScaledSphericalBesselI bessel_i_;
    double panel_width_ = 0.0;
    int n_panels_ = 0;
    std::vector<double> nodes_, weighted_basis_;
    std::vector<double> bessel_, value_factor_, derivative_factor_;
};

}  // namespace

RadialIntegral::RadialIntegral(const RadialBasisSpec& spec) : spec_(spec) {
    validate(spec);
    const GtoBasis basis(spec.cutoff, spec.max_radial);
    orthonormalisation_ = basis.orthonormalisation();
    RadialQuadrature quadrature(spec, basis, spec.cutoff);

    const int block = 2 * n_radial() * (spec.max_angular + 1);  // values then derivatives
    const int channels = block / 2;
    auto tabulate = [&](double r, double* out) { quadrature.integrate(r, out, out + channels); };

    // Start from a spacing of the narrowest feature (sigma or the narrowest primitive), measure the
    // interpolation error at every midpoint, and predict the spacing that meets the tolerance from
    // the h^4 law of cubic Hermite interpolation; repeat until the midpoint check passes.
    const double feature = std::min(spec.density_width, basis.width(0));
    int intervals = std::max(4, (int)std::ceil(spec.cutoff / feature));
    std::vector<double> grid, midpoints, scale(channels);
    while (true) {
        const double h = spec.cutoff / intervals;
        grid.assign((size_t)(intervals + 1) * block, 0.0);
        midpoints.assign((size_t)intervals * block, 0.0);
        for (int i = 0; i <= intervals; ++i) tabulate(h * i, &grid[(size_t)i * block]);
        for (int i = 0; i < intervals; ++i) tabulate(h * (i + 0.5), &midpoints[(size_t)i * block]);

        // Each channel's scale: its largest |I| (floored by the overall largest, so a channel that is
        // negligible everywhere is not held to an impossible relative accuracy).
        std::fill(scale.begin(), scale.end(), 0.0);
        for (int i = 0; i <= intervals; ++i)
            for (int c = 0; c < channels; ++c) scale[c] = std::max(scale[c], std::fabs(grid[(size_t)i * block + c]));
        const double overall = *std::max_element(scale.begin(), scale.end());
        for (double& s : scale) s = std::max(s, 1e-6 * overall);

        double worst = 0.0;  // largest midpoint error in units of the tolerance
        for (int i = 0; i < intervals; ++i) {
            const double* left = &grid[(size_t)i * block];
            const double* right = &grid[(size_t)(i + 1) * block];
            const double* exact = &midpoints[(size_t)i * block];
            for (int c = 0; c < channels; ++c) {
                // cubic Hermite at u = 1/2: (y0 + y1)/2 + h (d0 - d1)/8
                double spline = 0.5 * (left[c] + right[c]) + 0.125 * h * (left[channels + c] - right[channels + c]);
                worst = std::max(worst, std::fabs(spline - exact[c]) / (kInterpolationTolerance * scale[c]));
            }
        }
        if (worst <= 1.0) break;
        const double factor = std::max(1.25, 1.1 * std::pow(worst, 0.25));
        const double next = std::ceil(intervals * factor);
        if ((next + 1) * block > kMaxTableDoubles) {
            throw ResourceExhausted("radial integral table would exceed 64 MiB: density_width is too small for this "
                                    "cutoff and basis size");
        }
        intervals = (int)next;
    }
    n_points_ = intervals + 1;
    grid_step_ = spec.cutoff / intervals;
    table_.swap(grid);
}

void RadialIntegral::compute(double r, double* values, double* derivatives) const {
    evaluate_radial_spline(table_.data(), n_points_, grid_step_, n_radial() * (spec_.max_angular + 1), r, values,
                           derivatives);
}

void RadialIntegral::compute_exact(double r, double* values, double* derivatives) const {
    const GtoBasis basis(spec_.cutoff, spec_.max_radial);
    RadialQuadrature quadrature(spec_, basis, std::max(r, spec_.cutoff));
    const int channels = n_radial() * (spec_.max_angular + 1);
    std::vector<double> scratch(derivatives == nullptr ? channels : 0);
    quadrature.integrate(r, values, derivatives != nullptr ? derivatives : scratch.data());
}

namespace detail {

std::shared_ptr<const RadialIntegral> cached_radial_integral_with(
    const RadialBasisSpec& spec, const std::function<std::shared_ptr<const RadialIntegral>()>& build) {
    using Table = std::shared_future<std::shared_ptr<const RadialIntegral>>;
    struct Entry {
        RadialBasisSpec spec;
        Table table;
    };
    static std::mutex mutex;
    static std::vector<Entry> cache;  // most recently used last
    constexpr size_t kCapacity = 16;

    std::promise<std::shared_ptr<const RadialIntegral>> promise;
    Table existing;
    {
        std::lock_guard<std::mutex> lock(mutex);
        auto found = std::find_if(cache.begin(), cache.end(), [&](const Entry& e) { return e.spec == spec; });
        if (found != cache.end()) {
            Entry entry = *found;
            cache.erase(found);
            cache.push_back(entry);
            existing = entry.table;
        } else {
            if (cache.size() >= kCapacity) cache.erase(cache.begin());
            cache.push_back({spec, promise.get_future().share()});
        }
    }
    if (existing.valid()) return existing.get();  // waits, without the lock, for a build in progress
    try {
        auto built = build();
        promise.set_value(built);
        return built;
    } catch (...) {
        promise.set_exception(std::current_exception());  // the waiters see the same error
        std::lock_guard<std::mutex> lock(mutex);
        auto failed = std::find_if(cache.begin(), cache.end(), [&](const Entry& e) { return e.spec == spec; });
        if (failed != cache.end()) cache.erase(failed);
        throw;
    }
}

}  // namespace detail

std::shared_ptr<const RadialIntegral> cached_radial_integral(const RadialBasisSpec& spec) {
    return detail::cached_radial_integral_with(spec, [&] { return std::make_shared<const RadialIntegral>(spec); });
}

}  // namespace hamd
