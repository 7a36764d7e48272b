#include "core/training/spectrum_metrics.hpp"

#include <cmath>

#include "core/base/errors.hpp"
#include "core/models/hamiltonian/hamiltonian_model.hpp"

namespace hamd {

SpectrumErrors spectrum_errors(const std::vector<std::vector<double>>& predicted,
                               const std::vector<const ReferenceStructure*>& references) {
    if (predicted.size() != references.size()) throw InvalidArgument("spectrum_errors: one prediction per reference");
    SpectrumErrors e;
    for (size_t s = 0; s < predicted.size(); ++s) {
        const ReferenceStructure& ref = *references[s];
        const auto& p = predicted[s];
        const auto& r = ref.large_energies;
        const int occ = ref.occupied();
        if (static_cast<int>(p.size()) <= occ) throw InvalidArgument("spectrum_errors: prediction has no LUMO");
        int heavy = 0;
        for (int32_t z : ref.system.types) heavy += z > 2;
        for (int k = heavy; k < occ; ++k) {
            e.occupied_valence += std::fabs(p[k] - r[k]);
            ++e.occupied_levels;
        }
        e.homo += std::fabs(p[occ - 1] - r[occ - 1]);
        e.lumo += std::fabs(p[occ] - r[occ]);
        e.gap += std::fabs((p[occ] - p[occ - 1]) - (r[occ] - r[occ - 1]));
        ++e.structures;
    }
    const double n = static_cast<double>(std::max<size_t>(e.structures, 1));
    e.occupied_valence *= kHartreeEv / static_cast<double>(std::max<size_t>(e.occupied_levels, 1));
    e.homo *= kHartreeEv / n;
    e.lumo *= kHartreeEv / n;
    e.gap *= kHartreeEv / n;
    return e;
}

}  // namespace hamd
