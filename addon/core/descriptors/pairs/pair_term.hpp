// The pair term of two-centre features (docs/science.md#pair-features): the expansion, around
// atom i, of the density of atom j alone,
//   g_ij[lm * N + n] = fc(r_ij) I_nl(r_ij) Y_lm(r_ij_hat),   r_ij = r_j - r_i (+ cell shift),
// on the radial basis and harmonics of an ExpansionSetup (no species channel, no centre term).
// Shared by the Hamiltonian pair features and the pair-features / message-passing kinds.
#pragma once
#include <vector>

#include "core/descriptors/density/spherical_expansion.hpp"

namespace hamd {

class PairTermEvaluator {
public:
    explicit PairTermEvaluator(const ExpansionSetup& setup);
    size_t size() const { return static_cast<size_t>(n_lm_) * n_radial_; }  // doubles of one g

    // g (size() doubles) of the vector (length r > 0, r < cutoff). With `gradient`:
    // gradient[d * size() + lm * N + n] = d g[lm * N + n] / d vector_d.
    void compute(const double vector[3], double r, double* g, double* gradient = nullptr);

private:
    const ExpansionSetup& setup_;
    int n_lm_, n_radial_;
    std::vector<double> R_, dR_, Y_, dY_;  // scratch: I_nl, dI_nl/dr, Y_lm, dY_lm/dvector
};

}  // namespace hamd
