// Bounds of the hyper-parameters, the only place they are defined (the daemon passes what the
// request sets; defaults are Hypers' initialisers). They reject nonsense (negative, NaN) and
// values that would make a request absurdly expensive; each message names the parameter,
// its value and the range.
#include "core/descriptors/hypers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {
namespace {

constexpr double kMaxCutoff = 20.0;      // Angstrom
constexpr int kMaxRadial = 15;  // beyond, the GTO overlap matrix is numerically singular
constexpr int kMaxAngular = 20;
constexpr double kMinDensityWidth = 0.01;  // Angstrom

std::string format_number(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

// "hypers.cutoff = -1 is outside (0, 20] Angstrom": the field as the wire contract names it
// (ComputeDescriptorsRequest.hypers), its value, and the allowed range.
[[noreturn]] void reject(const std::string& name, const std::string& range, const std::string& got) {
    throw InvalidArgument("hypers." + name + " = " + got + " is outside " + range);
}

}  // namespace

Hypers resolve_hypers(const HyperSettings& settings, const Hypers& defaults) {
    Hypers h = defaults;
    if (settings.cutoff) h.cutoff = *settings.cutoff;
    h.cutoff_width = settings.cutoff_width ? *settings.cutoff_width : std::min(h.cutoff_width, h.cutoff);
    if (settings.max_radial) h.max_radial = *settings.max_radial;
    if (settings.max_angular) h.max_angular = *settings.max_angular;
    if (settings.density_width) h.density_width = *settings.density_width;
    if (settings.center_atom_weight) h.center_atom_weight = *settings.center_atom_weight;
    return h;
}

void validate_hypers(const Hypers& h) {
    // Written as !(inside) so that NaN is rejected too.
    if (!(h.cutoff > 0.0 && h.cutoff <= kMaxCutoff)) {
        reject("cutoff", "(0, " + format_number(kMaxCutoff) + "] Angstrom", format_number(h.cutoff));
    }
    if (!(h.cutoff_width >= 0.0 && h.cutoff_width <= h.cutoff)) {
        reject("cutoff_width", "[0, cutoff = " + format_number(h.cutoff) + "] Angstrom", format_number(h.cutoff_width));
    }
    if (h.max_radial < 0 || h.max_radial > kMaxRadial) {
        reject("max_radial", "0.." + std::to_string(kMaxRadial), std::to_string(h.max_radial));
    }
    if (h.max_angular < 0 || h.max_angular > kMaxAngular) {
        reject("max_angular", "0.." + std::to_string(kMaxAngular), std::to_string(h.max_angular));
    }
    if (!(h.density_width >= kMinDensityWidth && h.density_width <= h.cutoff)) {
        reject("density_width", "[" + format_number(kMinDensityWidth) + ", cutoff = " + format_number(h.cutoff) +
                                    "] Angstrom", format_number(h.density_width));
    }
    if (!std::isfinite(h.center_atom_weight)) {
        reject("center_atom_weight", "the finite numbers", format_number(h.center_atom_weight));
    }
}

}  // namespace hamd
