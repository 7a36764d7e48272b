// Spherical expansion (nu = 1) of one centre's neighbour density, docs/science.md#spherical-expansion:
//   c^i_{a n l m} = sum_{j in a} fc(r_ij) I_nl(r_ij) Y_lm(r_ij_hat)  (+ the centre's own density)
// Per-centre layout, chosen so that the power spectrum is a product of small matrices:
//   values[lm * row_size + a * n_radial + n],   lm = l (l + 1) + m,   row_size = n_species * n_radial,
// i.e. for each l a (2l+1) x (n_species * n_radial) row-major matrix C_l starting at row l^2.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/descriptors/hypers.hpp"
#include "core/systems/neighbors.hpp"
#include "core/descriptors/density/radial_integral.hpp"
#include "core/math/spherical_harmonics.hpp"
#include "core/systems/system.hpp"

namespace hamd {

// Read-only data shared by every centre of a request (safe to use from many threads).
class ExpansionSetup {
public:
    // `species`: the neighbour channels, sorted ascending, atomic numbers 1..118.
    ExpansionSetup(const Hypers& hypers, std::vector<int32_t> species);

    const Hypers& hypers() const { return hypers_; }
    const std::vector<int32_t>& species() const { return species_; }
    int max_angular() const { return hypers_.max_angular; }
    int n_radial() const { return hypers_.n_radial(); }
    int n_species() const { return static_cast<int>(species_.size()); }
    int n_lm() const { return hypers_.n_lm(); }
    int row_size() const { return n_species() * n_radial(); }
    // Channel of an atomic number, -1 when it is not a neighbour channel.
    int channel(int32_t atomic_number) const {
        return atomic_number >= 0 && atomic_number < static_cast<int32_t>(channel_of_.size()) ? channel_of_[atomic_number] : -1;
    }
    const RadialIntegral& radial() const { return *radial_; }
    const SphericalHarmonics& harmonics() const { return harmonics_; }
    // weight * I_n0(0) * Y_00, the centre's own contribution to its l = 0 channel.
    const std::vector<double>& centre_density() const { return centre_density_; }

private:
    Hypers hypers_;
    std::vector<int32_t> species_;
    std::vector<int> channel_of_;
    std::shared_ptr<const RadialIntegral> radial_;
    SphericalHarmonics harmonics_;
    std::vector<double> centre_density_;
};

// The pairs of one centre that enter its expansion, and the atoms its features depend on.
// Gradient samples ("slots") are the distinct neighbour atoms plus the centre, sorted by
// atom index; periodic images of one atom share a slot. A centre without any neighbour
// other than its own images has no slot at all.
struct CentreNeighbourhood {
    int32_t centre = -1;
    int32_t centre_type = -1;             // atomic number of the centre
    int centre_channel = -1;              // channel of the centre's species, or -1
    std::vector<const Pair*> pairs;       // kept pairs (neighbour species is a channel)
    std::vector<int> channel;             // per kept pair
    std::vector<int> slot;                // per kept pair; -1 for images of the centre itself
    std::vector<int32_t> slot_atoms;      // sorted atom indices
    std::vector<int> slot_channel;        // per slot; -1 for the centre's slot
    int centre_slot = -1;
    std::vector<int> slot_pair_offsets;   // pairs of slot s: slot_pairs[offsets[s] .. offsets[s+1])
    std::vector<int> slot_pairs;
    std::vector<int> cursor;              // scratch


    int n_slots() const { return static_cast<int>(slot_atoms.size()); }
};

void collect_neighbourhood(const ExpansionSetup& setup, const System& system, const NeighborList& list,
                           int32_t centre, CentreNeighbourhood& out);

// Expansion of one centre, plus (optionally) the per-pair ingredients of its gradients.
struct CentreExpansion {
    std::vector<double> values;   // n_lm x row_size (layout above)
    // Per kept pair p, when computed with pair data:
    std::vector<double> harmonics;            // [p][lm]        Y_lm(r_hat)
    std::vector<double> harmonic_gradients;   // [p][d][lm]     d Y_lm / d vector_d
    std::vector<double> radial;               // [p][l][n]      fc(r) I_nl(r)
    std::vector<double> radial_derivative;    // [p][l][n]      d (fc I_nl) / dr
    std::vector<double> direction;            // [p][d]         vector_d / r
    std::vector<double> scratch;
};

void compute_expansion(const ExpansionSetup& setup, const CentreNeighbourhood& neighbourhood,
                       bool with_pair_data, CentreExpansion& out);

// d c_{a_p n l m} / d vector_d of kept pair p, for its own species only:
// out[d * n_lm * n_radial + lm * n_radial + n]. Needs pair data. Adds to `out` when
// `accumulate`, else overwrites it.
void pair_expansion_gradient(const ExpansionSetup& setup, const CentreExpansion& expansion, int pair,
                             double* out, bool accumulate = false);

// Derivatives of the expansion with respect to the centre position (dense, every channel):
// out[d * n_lm * row_size + lm * row_size + a n] = - sum over non-self pairs of d c / d vector_d.
void centre_expansion_gradient(const ExpansionSetup& setup, const CentreNeighbourhood& neighbourhood,
                               const CentreExpansion& expansion, double* out);

// Dense derivatives (layout of centre_expansion_gradient) of the expansion with respect to
// the position of gradient slot `slot`: the centre's slot gets the full centre gradient; a
// neighbour slot is non-zero only in its own channel (its periodic images summed).
// `compact` is scratch. Returns the slot's channel, or -1 for the centre's slot.
int slot_expansion_gradient(const ExpansionSetup& setup, const CentreNeighbourhood& neighbourhood,
                            const CentreExpansion& expansion, int slot, std::vector<double>& compact, double* out);

// Derivatives with respect to cell[a][b] (fractional coordinates fixed), dense:
// out[(3 a + b) * n_lm * row_size + lm * row_size + a' n]. `inverse_cell` is the row-major
// inverse of the cell matrix (rows = lattice vectors).
void cell_expansion_gradient(const ExpansionSetup& setup, const CentreNeighbourhood& neighbourhood,
                             const CentreExpansion& expansion, const double inverse_cell[9], double* out);

// Row-major inverse of a 3x3 matrix (the caller has checked it is not singular).
void invert_3x3(const double m[9], double inverse[9]);

}  // namespace hamd
