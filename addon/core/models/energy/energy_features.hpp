// The descriptor requests behind an energy model's features (shared by the design rows used in
// training and by the one-pass evaluation), and the cell geometry they need.
#pragma once
#include <array>

#include "core/descriptors/engine.hpp"
#include "core/models/energy/energy_model.hpp"

namespace hamd {

DescriptorOptions energy_descriptor_options(const EnergyFeatureSet& set, const std::vector<int32_t>& species, bool positions,
                                            bool cell);

inline bool fully_periodic(const System& system) { return system.pbc[0] && system.pbc[1] && system.pbc[2]; }

// |det h| for a cell whose rows are the lattice vectors.
double cell_volume(const std::array<double, 9>& h);

// dE/d(strain)[c][b] = sum_k dE/dh[k][b] h[k][c] (h -> h (1 + strain), rows = lattice vectors,
// fractional coordinates fixed): the strain derivative from the cell derivative.
std::array<double, 9> strain_derivative(const std::array<double, 9>& dE_dh, const std::array<double, 9>& h);

}  // namespace hamd
