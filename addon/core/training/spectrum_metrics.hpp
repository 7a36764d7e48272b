// Errors of predicted orbital energies against a large-basis reference, the numbers of
// docs/accuracy.md: mean absolute errors (eV) of the occupied valence levels, HOMO, LUMO and gap.
// Level k of the prediction is compared with level k of the reference (both ascending); core
// levels (one 1s per atom heavier than He) are left out of "occupied valence".
#pragma once
#include <vector>

#include "core/training/hamiltonian_dataset.hpp"

namespace hamd {

struct SpectrumErrors {
    double occupied_valence = 0, homo = 0, lumo = 0, gap = 0;  // eV
    size_t structures = 0, occupied_levels = 0;
};

// predicted[s]: ascending orbital energies (Hartree) of references[s]'s molecule.
SpectrumErrors spectrum_errors(const std::vector<std::vector<double>>& predicted,
                               const std::vector<const ReferenceStructure*>& references);

}  // namespace hamd
