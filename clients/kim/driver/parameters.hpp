// The parameter file of a hamd KIM model (clients/kim/README.md): which hamd energy model
// answers, for which KIM species, and where the daemon is. One "key value..." per line, '#'
// starts a comment:
//
//   model    default-energy     # hamd registry name; absent or "-": the daemon's default
//   species  H C O              # element symbols LAMMPS' pair_coeff / kim interactions may use
//   address  unix:/path/hamd.sock  # absent: $HAMD_ADDRESS, else the per-user socket
//   autostart yes               # start `hamd serve` when nothing answers there (default yes)
#pragma once
#include <string>
#include <vector>

namespace hamd_kim {

struct Parameters {
    std::string model;              // "" : the daemon's default energy model
    std::vector<std::string> species;
    std::vector<int> atomic_numbers;  // of `species`
    std::string address;            // "" : the client's default
    bool autostart = true;
};

// false with `error` naming the line for an unknown key, an unknown element or no species.
bool read_parameters(const std::string& path, Parameters& parameters, std::string& error);

// 1..118, or 0 for a symbol that is not an element.
int atomic_number(const std::string& symbol);

}  // namespace hamd_kim
