// The one element table of the project: symbols of atomic numbers 1..118. The N-API layer
// exposes it to the daemon and the CLI; the Python client uses ase.data when present.
#pragma once
#include <string>

namespace hamd {

constexpr int kMaxAtomicNumber = 118;

// "H", "He", ... for 1..118; "Z<number>" outside that range.
std::string element_symbol(int atomic_number);

// Atomic number of "C", "c", "Cl", or of a number in 1..118 written as digits ("6");
// 0 when the text names no element.
int atomic_number(const std::string& label);

}  // namespace hamd
