// A linear function of the bispectrum and its derivatives, without the bispectrum's gradients
// (docs/science.md#forces-by-the-adjoint). Per coupling k = (a1 l1, a2 l2 -> l3) and third
// channel a3 (bispectrum.hpp), with W = (-1)^l3 / sqrt(2 l3 + 1) w over (n1, n2, n3):
//
//   X[mu][n1 n2] = sum C^{l3 mu}_{l1 m1, l2 m2} c_{a1 n1 l1 m1} c_{a2 n2 l2 m2}        (as the values)
//   G[mu][n1 n2] = sum_{a3} sum_n3 W[n1 n2 n3] c_{a3 n3 l3 mu}
//   E_i = sum_k sum_mu <X[mu], G[mu]>,
//   Lambda_{a3 n3 l3 mu}  += sum_{n1 n2} X[mu][n1 n2] W[n1 n2 n3]
//   Lambda_{a1 n1 l1 m1}  += sum C^{l3 mu}_{l1 m1, l2 m2} sum_n2 G[mu][n1 n2] c_{a2 n2 l2 m2}
//   Lambda_{a2 n2 l2 m2}  += sum C^{l3 mu}_{l1 m1, l2 m2} sum_n1 G[mu][n1 n2] c_{a1 n1 l1 m1}
//
// (Lambda = dE_i/dC, the three factors' shares summed), about three times the values' own cost;
// forces and the strain derivative then follow per neighbour pair (linear_adjoint.hpp) instead
// of the P x 3 gradient rows per neighbour of the explicit bispectrum gradients.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/soap/bispectrum.hpp"
#include "core/descriptors/soap/linear_adjoint.hpp"
#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"

namespace hamd {

class LinearBispectrum : private LinearCentreTerm {
public:
    // `weights[c]`: the weights of centre channel c (the setup's species order) over the
    // bispectrum's properties (its property order), or empty for a centre species without weights.
    LinearBispectrum(const ExpansionSetup& setup, const std::vector<std::vector<double>>& weights);

    // energies, forces, strain_derivative, feature_sums (linear_adjoint.hpp)
    using Result = LinearResult;

    // One structure, over `list` (built with any cutoff >= the setup's). Deterministic: the
    // partition of centres into chunks does not depend on the pool's size.
    // `contributing`: the centres whose energies count (evaluate_linear; null: all).
    void evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums, ThreadPool& pool,
                  const std::atomic<bool>* cancel, Result& result, const uint8_t* contributing = nullptr) const;

private:
    struct Scratch : Workspace {
        std::vector<double> X, G, coupled;
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }
    size_t n_properties() const override { return bispectrum_.n_properties(); }
    bool has_weights(int channel) const override { return !scaled_[channel].empty(); }
    double centre(int channel, const double* expansion, double* adjoint, double* features,
                  Workspace& workspace) const override;

    const ExpansionSetup& setup_;
    Bispectrum bispectrum_;
    // Per centre channel: the weights times (-1)^l3 / sqrt(2 l3 + 1), in property order; empty without weights.
    std::vector<std::vector<double>> scaled_;
};

}  // namespace hamd
