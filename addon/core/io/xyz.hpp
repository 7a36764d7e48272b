// Minimal extended-XYZ reader (Lattice, pbc, Properties with species and pos columns),
// for the native benchmark and tests. The daemon's CLI has its own reader.
#pragma once
#include <string>
#include <vector>

#include "core/systems/system.hpp"

namespace hamd {

// Every frame of the file. Throws InvalidArgument with the line number on malformed input.
std::vector<System> read_extended_xyz(const std::string& path);

// Atomic number of an element symbol ("H", "He", ...), 0 if unknown.
int atomic_number(const std::string& symbol);

}  // namespace hamd
