#include "core/models/energy/energy_features.hpp"

#include <cmath>

namespace hamd {

DescriptorOptions energy_descriptor_options(const EnergyFeatureSet& set, const std::vector<int32_t>& species, bool positions,
                                            bool cell) {
    DescriptorOptions options;
    options.kind = set.kind;
    options.hypers = set.hypers;
    options.species = species;
    options.gradient_positions = positions;
    options.gradient_cell = cell;
    return options;
}

double cell_volume(const std::array<double, 9>& h) {
    return std::fabs(h[0] * (h[4] * h[8] - h[5] * h[7]) - h[1] * (h[3] * h[8] - h[5] * h[6]) + h[2] * (h[3] * h[7] - h[4] * h[6]));
}

std::array<double, 9> strain_derivative(const std::array<double, 9>& dE_dh, const std::array<double, 9>& h) {
    std::array<double, 9> out{};
    for (int c = 0; c < 3; ++c)
        for (int b = 0; b < 3; ++b)
            for (int k = 0; k < 3; ++k) out[3 * c + b] += dE_dh[3 * k + b] * h[3 * k + c];
    return out;
}

}  // namespace hamd
