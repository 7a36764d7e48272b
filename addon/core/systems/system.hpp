// One atomic structure, as the core sees it.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hamd {

struct System {
    std::vector<int32_t> types;      // atomic numbers, n_atoms
    std::vector<double> positions;   // n_atoms x 3, row-major, Angstrom
    // Rows are the lattice vectors a, b, c (Angstrom), as in ASE and extended XYZ.
    // Ignored along directions where pbc is false.
    std::array<double, 9> cell{};
    std::array<bool, 3> pbc{false, false, false};

    size_t size() const { return types.size(); }
    bool periodic() const { return pbc[0] || pbc[1] || pbc[2]; }
};

// Throws InvalidArgument (message says which atom / which field) for NaN or Inf
// positions or cell, mismatched lengths, atomic numbers outside 1..118, a singular
// cell along periodic directions.
void validate_system(const System& system, size_t index_in_request);

// The m x m x m supercell of a periodic system: cell scaled by m, atoms repeated image by image
// (image (u, v, w) outer, atom order inside), as tests and benchmarks compare against.
System repeat_cell(const System& system, int m);

}  // namespace hamd
