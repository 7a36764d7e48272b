// The one (extended) XYZ reader of the project, used by the native benchmarks and tests and,
// through the addon, by the CLI. One or more frames:
//   line 1: number of atoms
//   line 2: comment; extended XYZ puts key=value pairs here (keys case-insensitive, values
//           "quoted", {braced} or bare), of which hamd uses
//           Lattice="ax ay az bx by bz cx cy cz" (rows a, b, c; Angstrom),
//           pbc="T T T" (default T T T when Lattice is given, else F F F) and
//           Properties=species:S:1:pos:R:3:... (column layout; default species then pos;
//           the species column may also be called Z or numbers and hold atomic numbers)
//   then one line per atom. Blank lines between frames are skipped.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/systems/system.hpp"

namespace hamd {

// key=value pairs of an extended-XYZ comment line (keys lower-cased), in order.
std::vector<std::pair<std::string, std::string>> parse_xyz_comment(const std::string& line);

// Every frame of `text`. Throws InvalidArgument("<source>:<line>: ...") on malformed input.
std::vector<System> parse_extended_xyz(const std::string& text, const std::string& source = "xyz");

// The same for a file (InvalidArgument when it cannot be read).
std::vector<System> read_extended_xyz(const std::string& path);

}  // namespace hamd
