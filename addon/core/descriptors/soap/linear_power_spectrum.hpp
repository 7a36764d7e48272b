// A linear function of the power spectrum and its derivatives, without the power spectrum's
// gradients (docs/science.md#forces-by-the-adjoint):
//
//   E_i = w_{Z_i} . p_i = sum_l sum_m c_{l m}^T Q_l c_{l m} = 1/2 sum_l < C_l, Lambda_l >,
//   Lambda_l = dE_i/dC_l = C_l (Q_l + Q_l^T),
//
// with C_l the centre's expansion (2l+1 rows, (a n) columns) and Q_l the weights placed at
// (a1 n1, a2 n2) for a1 <= a2 times the power spectrum's factor. A neighbour pair p changes
// only its own channel of C, so dE_i/d(vector_p) = sum_{l m n} Lambda_l[m, a_p n] dc_{a_p n l m}/d(vector_p):
// one (L+1)^2 x N contraction per pair instead of the P x 3 gradient rows per neighbour that
// the explicit power-spectrum gradients take (P = n_pairs (L+1) N^2 properties). Energies,
// forces and the pair virial of a linear energy model then cost about as much as the values.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/soap/linear_adjoint.hpp"
#include "core/descriptors/soap/power_spectrum.hpp"
#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"

namespace hamd {

class LinearPowerSpectrum : private LinearCentreTerm {
public:
    // `weights[c]`: the weights of centre channel c (the setup's species order) over the power
    // spectrum's properties (its property order), or empty for a centre species without weights.
    LinearPowerSpectrum(const ExpansionSetup& setup, const std::vector<std::vector<double>>& weights);

    // energies, forces, strain_derivative, feature_sums (linear_adjoint.hpp)
    using Result = LinearResult;

    // One structure, over `list` (built with any cutoff >= the setup's). Deterministic: the
    // partition of centres into chunks does not depend on the pool's size.
    // `contributing`: the centres whose energies count (evaluate_linear; null: all).
    void evaluate(const System& system, const NeighborList& list, bool forces, bool feature_sums, ThreadPool& pool,
                  const std::atomic<bool>* cancel, Result& result, const uint8_t* contributing = nullptr) const;

private:
    struct Scratch : Workspace {
        PowerSpectrum::Workspace spectrum;
        std::vector<double> row;  // one row of Lambda when no adjoint is asked
    };
    std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Scratch>(); }
    size_t n_properties() const override { return n_properties_; }
    bool has_weights(int channel) const override { return !symmetric_[channel].empty(); }
    double centre(int channel, const double* expansion, double* adjoint, double* features,
                  Workspace& workspace) const override;

    const ExpansionSetup& setup_;
    PowerSpectrum spectrum_;
    size_t n_properties_;
    // Per centre channel and l: S_l = Q_l + Q_l^T, row_size x row_size, row-major; empty without weights.
    std::vector<std::vector<std::vector<double>>> symmetric_;
};

}  // namespace hamd
