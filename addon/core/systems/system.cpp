// Input validation of one structure: every message names the structure, and the atom
// or field at fault, so that a client can fix its request.
#include "core/systems/system.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "core/systems/cell_geometry.hpp"
#include "core/base/errors.hpp"

namespace hamd {
namespace {

std::string format_number(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

}  // namespace

void validate_system(const System& system, size_t index_in_request) {
    const std::string where = "structure " + std::to_string(index_in_request) + ": ";
    const size_t n_atoms = system.types.size();
    if (n_atoms == 0) throw InvalidArgument(where + "no atoms: every structure needs at least one atom");
    if (system.positions.size() % 3 != 0) {
        throw InvalidArgument(where + "positions hold " + std::to_string(system.positions.size()) +
                              " numbers, not a multiple of 3");
    }
    if (system.positions.size() != 3 * n_atoms) {
        throw InvalidArgument(where + std::to_string(n_atoms) + " atomic numbers but positions hold " +
                              std::to_string(system.positions.size() / 3) + " atoms");
    }
    for (size_t i = 0; i < n_atoms; ++i) {
        const int32_t z = system.types[i];
        if (z < 1 || z > 118) {
            throw InvalidArgument(where + "unknown element with atomic number " + std::to_string(z) + " at atom " +
                                  std::to_string(i) + " (expected 1..118)");
        }
        const double* r = &system.positions[3 * i];
        if (!std::isfinite(r[0]) || !std::isfinite(r[1]) || !std::isfinite(r[2])) {
            throw InvalidArgument(where + "atom " + std::to_string(i) + " has a non-finite position (" +
                                  format_number(r[0]) + ", " + format_number(r[1]) + ", " + format_number(r[2]) + ")");
        }
    }
    for (size_t k = 0; k < 9; ++k) {
        if (!std::isfinite(system.cell[k])) {
            throw InvalidArgument(where + "the cell has a non-finite entry (row " + std::to_string(k / 3) +
                                  ", column " + std::to_string(k % 3) + ": " + format_number(system.cell[k]) + ")");
        }
    }
    if (system.periodic()) {
        const auto geometry = cell_geometry::analyse_cell(system.cell, system.pbc);
        if (geometry.singular) {
            static const char* const measure_name[] = {"", "length", "area", "volume"};
            static const char* const unit[] = {"", "A", "A^2", "A^3"};
            throw InvalidArgument(where + "the cell is singular (" + measure_name[geometry.n_periodic] + " " +
                                  format_number(geometry.measure) + " " + unit[geometry.n_periodic] +
                                  ") along periodic directions");
        }
    }
}

System repeat_cell(const System& system, int m) {
    System out;
    out.pbc = system.pbc;
    for (int k = 0; k < 9; ++k) out.cell[k] = m * system.cell[k];
    for (int u = 0; u < m; ++u)
        for (int v = 0; v < m; ++v)
            for (int w = 0; w < m; ++w)
                for (size_t i = 0; i < system.size(); ++i) {
                    out.types.push_back(system.types[i]);
                    for (int d = 0; d < 3; ++d)
                        out.positions.push_back(system.positions[3 * i + d] + u * system.cell[d] + v * system.cell[3 + d] +
                                                w * system.cell[6 + d]);
                }
    return out;
}

}  // namespace hamd
