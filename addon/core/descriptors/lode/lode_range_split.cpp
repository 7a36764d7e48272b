// See lode_range_split.hpp. The scans evaluate the integrals exactly (no tables): J by the
// quadrature of lode_integrals.cpp below its far-field switch and by the multipole form beyond,
// P_nl(k) by its radial quadrature.
#include "core/descriptors/lode/lode_range_split.hpp"

#include <algorithm>
#include <cmath>

#include "core/descriptors/density/gto_basis.hpp"
#include "core/descriptors/lode/lode_integrals.hpp"
#include "core/descriptors/lode/table_cache.hpp"

namespace hamd {

namespace {

constexpr double kScanStep = 0.1;    // Angstrom, real-space scan (the cutoff gets one step of margin)
constexpr double kScanStepK = 0.02;  // 1/Angstrom
constexpr double kLadder[] = {1.5, 2.0, 2.8, 4.0, 5.6, 8.0, 11.0, 16.0};  // eta / sigma

RadialBasisSpec with_width(RadialBasisSpec spec, double width) {
    spec.density_width = width;
    return spec;
}

// Largest |J^sigma_nl(d)| over d and channels: the size of one pair's contribution.
double pair_scale(const LodePotentialIntegral& narrow) {
    const int channels = narrow.n_radial() * (narrow.spec().max_angular + 1);
    std::vector<double> v(channels);
    double scale = 0.0;
    for (double d = 0.0; d < narrow.far_field_start(); d += 0.25) {
        narrow.compute_exact(d, v.data(), nullptr);
        for (double x : v) scale = std::max(scale, std::fabs(x));
    }
    return scale;
}

// max_nl |P_nl(k)| at k = i kScanStepK, i = 0 .. k_top / kScanStepK (shared by every width).
std::vector<double> largest_plane_wave(const LodePlaneWaveIntegral& plane_wave, double k_top, int channels) {
    std::vector<double> p(channels), out;
    for (int i = 0; i * kScanStepK <= k_top; ++i) {
        plane_wave.compute_exact(i * kScanStepK, p.data(), nullptr);
        double largest = 0.0;
        for (double x : p) largest = std::max(largest, std::fabs(x));
        out.push_back(largest);
    }
    return out;
}

double long_cutoff(const std::vector<double>& largest, double width, double tolerance) {
    return lode_reciprocal_tail_cutoff(largest, kScanStepK, width, tolerance);
}

struct Scans {
    RadialBasisSpec spec;
    double scale = 0.0, converged_k = 0.0;
    std::vector<LodeSplitCutoffs> candidates;
};

Scans scan(const RadialBasisSpec& spec) {
    Scans out;
    out.spec = spec;
    const double sigma = spec.density_width;
    const LodePotentialIntegral narrow(spec, false);
    const int N = narrow.n_radial(), channels = N * (spec.max_angular + 1);
    out.scale = pair_scale(narrow);
    const double tolerance = kSplitTolerance * out.scale;
    // exp(-w^2 k^2 / 2) < e^-40 beyond k_top for every w >= sigma
    const double k_top = std::sqrt(80.0) / sigma;
    const LodePlaneWaveIntegral plane_wave(spec, k_top, false);
    const std::vector<double> largest = largest_plane_wave(plane_wave, k_top, channels);
    out.converged_k = long_cutoff(largest, sigma, tolerance);
    std::vector<double> a(channels), b(channels);
    for (double ratio : kLadder) {
        const double eta = ratio * sigma;
        const LodePotentialIntegral wide(with_width(spec, eta), false);
        double d = std::max(narrow.far_field_start(), wide.far_field_start());
        for (; d > 0.0; d -= kScanStep) {
            narrow.compute_untabulated(d, a.data(), nullptr);
            wide.compute_untabulated(d, b.data(), nullptr);
            double worst = 0.0;
            for (int c = 0; c < channels; ++c) worst = std::max(worst, std::fabs(a[c] - b[c]));
            if (worst > tolerance) break;
        }
        const double k_l = long_cutoff(largest, eta, tolerance);
        out.candidates.push_back({eta, d + kScanStep, k_l});
    }
    return out;
}

const Scans& cached_scans(const RadialBasisSpec& spec) {
    static TableCache<Scans> cache(0);  // never dropped: callers hold references (a few bases per process)
    return *cache.get([&](const Scans& scans) { return scans.spec == spec; },
                      [&] { return std::make_shared<const Scans>(scan(spec)); });
}

}  // namespace

double lode_reciprocal_tail_cutoff(const std::vector<double>& largest, double step, double width, double tolerance) {
    double tail = 0.0, previous = 0.0;
    for (size_t i = largest.size() - 1; i > 0; --i) {
        const double k = i * step;
        const double f = 8.0 * std::exp(-0.5 * width * width * k * k) * largest[i];
        tail += 0.5 * step * (f + previous);
        previous = f;
        if (tail > tolerance) return k + step;
    }
    return step;
}

const std::vector<LodeSplitCutoffs>& lode_split_candidates(const RadialBasisSpec& spec) {
    return cached_scans(spec).candidates;
}

double lode_converged_k_cutoff(const RadialBasisSpec& spec) { return cached_scans(spec).converged_k; }

double lode_pair_scale(const RadialBasisSpec& spec) { return cached_scans(spec).scale; }

LodeRangeSplit::LodeRangeSplit(const RadialBasisSpec& spec, const LodeSplitCutoffs& cutoffs)
    : spec_(spec), cutoffs_(cutoffs) {
    const auto narrow = std::make_shared<const LodePotentialIntegral>(spec, false);
    const auto wide = std::make_shared<const LodePotentialIntegral>(with_width(spec, cutoffs.eta), false);
    const int N = narrow->n_radial(), channels = N * (spec.max_angular + 1);
    std::vector<double> a(channels), b(channels);
    narrow->compute_untabulated(0.0, a.data(), nullptr);
    wide->compute_untabulated(0.0, b.data(), nullptr);
    own_narrow_.assign(a.begin(), a.begin() + N);
    own_wide_.assign(b.begin(), b.begin() + N);
    second_moments_.assign(narrow->moments().begin(), narrow->moments().begin() + N);
    const GtoBasis basis(spec.cutoff, spec.max_radial);
    auto difference = [narrow, wide, channels](double d, double* values, double* derivatives) {
        thread_local std::vector<double> v, dv;
        v.resize(channels);
        dv.resize(channels);
        narrow->compute_untabulated(d, values, derivatives);
        wide->compute_untabulated(d, v.data(), dv.data());
        for (int c = 0; c < channels; ++c) {
            values[c] -= v[c];
            if (derivatives) derivatives[c] -= dv[c];
        }
    };
    // same accuracy target as the J table (1e-9 of each channel's largest value)
    table_ = std::make_unique<HermiteTable>(difference, cutoffs.short_cutoff, channels,
                                            std::min(spec.density_width, basis.width(0)), 1e-9);
}

void LodeRangeSplit::compute(double d, double* values, double* derivatives) const { table_->compute(d, values, derivatives); }

std::shared_ptr<const LodeRangeSplit> cached_lode_range_split(const RadialBasisSpec& spec, const LodeSplitCutoffs& cutoffs) {
    static TableCache<LodeRangeSplit> cache(8);
    return cache.get([&](const LodeRangeSplit& split) { return split.spec() == spec && split.eta() == cutoffs.eta; },
                     [&] { return std::make_shared<const LodeRangeSplit>(spec, cutoffs); });
}

}  // namespace hamd
