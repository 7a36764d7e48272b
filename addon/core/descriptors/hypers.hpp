// Hyper-parameters of the atom-centred density expansion; names match proto, CLI, Python.
#pragma once
#include <optional>

namespace hamd {

struct Hypers {
    double cutoff = 5.0;            // Angstrom, radial cutoff rc
    double cutoff_width = 0.5;      // Angstrom, width w of the shifted-cosine smoothing
    int max_radial = 7;             // inclusive: n = 0..max_radial
    int max_angular = 6;            // inclusive: l = 0..max_angular
    double density_width = 0.3;     // Angstrom, Gaussian sigma of the atomic density
    double center_atom_weight = 1.0;

    int n_radial() const { return max_radial + 1; }
    int n_lm() const { return (max_angular + 1) * (max_angular + 1); }
};

// The parameters a request sets; the others take `defaults` (Hypers' own initialisers unless a
// caller has others, e.g. training), except that an unset cutoff_width is the default capped
// at the cutoff (a small cutoff needs no explicit width).
struct HyperSettings {
    std::optional<double> cutoff, cutoff_width, density_width, center_atom_weight;
    std::optional<int> max_radial, max_angular;
};
Hypers resolve_hypers(const HyperSettings& settings, const Hypers& defaults = Hypers{});

// Throws InvalidArgument for negative, zero or absurd values (see hypers.cpp for bounds).
void validate_hypers(const Hypers& hypers);

}  // namespace hamd
