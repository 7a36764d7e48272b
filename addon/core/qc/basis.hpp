// Minimal atom-centred basis sets and the orbital layout of a molecule
// (docs/science.md#minimal-basis-and-orbital-order).
// hamd's orbital order: atoms in order, each atom's shells in the order its Basis lists them,
// m = -l..l inside a shell in the order of docs/science.md#real-spherical-harmonics (so a p shell is y, z, x).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/systems/elements.hpp"

namespace hamd {

// One contracted shell of real solid-harmonic Gaussians r^l Y_lm(r) exp(-a r^2).
struct Shell {
    int n = 1;                          // principal label (1s, 2s, 2p, 3d ...): only a name
    int l = 0;                          // angular momentum
    std::vector<double> exponents;      // primitive exponents, bohr^-2
    std::vector<double> coefficients;   // contraction of normalised primitives, as in basis-set files
    int size() const { return 2 * l + 1; }
};

class Basis {
public:
    // Shells of one element; (n, l) must be unique within the element (they name the blocks).
    // Throws InvalidArgument for l outside 0..kMaxAngular, empty or mismatched primitives,
    // non-positive exponents or a repeated (n, l).
    void add_element(int atomic_number, std::vector<Shell> shells);
    bool has_element(int atomic_number) const { return shells_.count(atomic_number) != 0; }
    // Throws InvalidArgument naming the element when the basis does not cover it.
    const std::vector<Shell>& shells(int atomic_number) const;
    int orbital_count(int atomic_number) const;
    std::vector<int> elements() const;  // ascending atomic numbers

    std::string name;
    // Highest angular momentum the overlap integrals support (s, p, d).
    static constexpr int kMaxAngular = 2;

    // STO-3G for H, C, N, O with the exponents and coefficients PySCF ships.
    static Basis sto3g();

private:
    std::map<int, std::vector<Shell>> shells_;
};

struct OrbitalLabel {
    int atom;    // index in the molecule
    int shell;   // index in the element's shell list
    int n, l, m; // m = -l..l
};

// Where each atom and shell of a molecule lives in the orbital index.
class OrbitalLayout {
public:
    struct ShellSlot { int n, l, offset; };

    OrbitalLayout(const Basis& basis, const std::vector<int32_t>& atomic_numbers);

    int size() const { return size_; }
    int atom_count() const { return static_cast<int>(atomic_numbers_.size()); }
    int atomic_number(int atom) const { return atomic_numbers_[atom]; }
    int atom_offset(int atom) const { return atom_offsets_[atom]; }
    int atom_orbital_count(int atom) const { return atom_offsets_[atom + 1] - atom_offsets_[atom]; }
    const std::vector<ShellSlot>& shells(int atom) const { return shells_[atom]; }
    const std::vector<OrbitalLabel>& labels() const { return labels_; }

private:
    std::vector<int32_t> atomic_numbers_;
    std::vector<int> atom_offsets_;              // atom_count + 1 entries
    std::vector<std::vector<ShellSlot>> shells_;
    std::vector<OrbitalLabel> labels_;
    int size_ = 0;
};


}  // namespace hamd
