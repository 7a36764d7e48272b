// The adjoint route shared by the linear descriptor models (linear_power_spectrum.hpp,
// linear_bispectrum.hpp; docs/science.md#forces-by-the-adjoint). A model supplies, per centre,
// E_i as a function of the centre's expansion C and Lambda = dE_i/dC (the expansion's layout,
// n_lm x row_size); this driver does the rest: the neighbourhoods and expansions, and per
// neighbour pair p (channel a) the one contraction with dc/d(vector_p),
//   dE_i/d(vector_p)_d = sum_{l n} dR_ln u_d (sum_m Lambda[lm, a n] Y_lm) + R_ln (sum_m Lambda[lm, a n] dY_lm,d),
// stored at the pair's index in the list; forces and the strain derivative are summed from those
// in list order afterwards. Deterministic: the partition of centres into chunks depends only on
// the atom count, not on the pool's size.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"

namespace hamd {

struct LinearResult {
    std::vector<double> energies;   // per atom: w . p_i (0 for atoms whose species has no weights
                                    // and for non-contributing atoms)
    std::vector<double> forces;     // 3 n: -dE/dr
    // sum over pairs of vector_p (x) dE/dvector_p: dE/d(strain)[c][b] for r -> r (1 + strain)
    std::array<double, 9> strain_derivative{};
    // Per centre channel, the sum of p_i over its atoms (when asked): the design row of a
    // linear model, e.g. for an uncertainty.
    std::vector<std::vector<double>> feature_sums;
};

// One linear model's per-centre part.
class LinearCentreTerm {
public:
    virtual ~LinearCentreTerm() = default;
    struct Workspace {
        virtual ~Workspace() = default;
    };
    virtual std::unique_ptr<Workspace> make_workspace() const = 0;
    virtual size_t n_properties() const = 0;
    // Whether centre channel c has weights (centres without are skipped: energy 0).
    virtual bool has_weights(int channel) const = 0;
    // E_i of a centre of `channel` with expansion `expansion`; when `adjoint` is not null, also
    // writes dE_i/dC there (n_lm x row_size, overwritten); when `features` is not null, p_i there.
    virtual double centre(int channel, const double* expansion, double* adjoint, double* features,
                          Workspace& workspace) const = 0;
};

// `contributing` (n flags, or null: every atom) selects the centres whose E_i count: the others
// get no expansion, energy 0 and no share of the feature sums, but stay neighbours of the
// contributing centres, so forces land on them. That is how a host code's ghost (padding) atoms
// are handled: the particles as a cluster, the real atoms contributing (e.g. the KIM API).
void evaluate_linear(const ExpansionSetup& setup, const LinearCentreTerm& term, const System& system,
                     const NeighborList& list, bool forces, bool feature_sums, ThreadPool& pool,
                     const std::atomic<bool>* cancel, LinearResult& result, const uint8_t* contributing = nullptr);

}  // namespace hamd
