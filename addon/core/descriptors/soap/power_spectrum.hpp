// Power spectrum (nu = 2, lambda = 0), docs/science.md#power-spectrum:
//   p_{a1 a2 l n1 n2} = (-1)^l / sqrt(2l+1) sum_m c_{a1 n1 l m} c_{a2 n2 l m},
// stored for a1 <= a2 only, a1 < a2 entries multiplied by sqrt(2) (so that dot products
// of feature vectors equal those of the full a1, a2 matrix). Properties, in this order:
//   (neighbor_1_type, neighbor_2_type, l, n_1, n_2), a1 outer ... n2 inner.
#pragma once
#include <vector>

#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/base/tensor_map.hpp"

namespace hamd {

class PowerSpectrum {
public:
    explicit PowerSpectrum(const ExpansionSetup& setup);

    size_t n_properties() const { return n_properties_; }
    Labels properties() const;

    // Scratch memory of one thread; reuse it across centres.
    struct Workspace {
        std::vector<double> dense;       // 9 x n_lm x row_size
        std::vector<double> product;     // row_size x row_size
        std::vector<double> projections; // v and w_d, 4 x row_size, then 3 x n_radial
        std::vector<double> harmonics;   // 4 x n_lm, interleaved (Y, dY/dx, dY/dy, dY/dz)
        std::vector<double> row;         // 3 x n_properties, one slot's gradient before streaming out
        std::vector<double> values;      // n_properties
    };

    // out[property] for one centre's expansion (layout of spherical_expansion.hpp).
    void values(const double* expansion, Workspace& workspace, double* out) const;

    // out[property] = derivative of the power spectrum when the expansion changes by
    // `derivative` (same layout, every channel may be non-zero). Overwrites out.
    void dense_derivative(const double* expansion, const double* derivative, Workspace& workspace, double* out) const;

    // Gradients with respect to the positions of the centre's slots (CentreNeighbourhood):
    // out[slot][d][property], d = x, y, z. Needs the expansion's pair data. Written with
    // streaming stores (the output is large and written once).
    void position_gradients(const CentreNeighbourhood& neighbourhood, const CentreExpansion& expansion,
                            Workspace& workspace, double* out) const;

    // Gradients with respect to cell[a][b] (fractional coordinates fixed): out[3a + b][property].
    void cell_gradients(const CentreNeighbourhood& neighbourhood, const CentreExpansion& expansion,
                        const double inverse_cell[9], Workspace& workspace, double* out) const;

private:
    template <int NT>
    void neighbour_slot_gradient(const CentreNeighbourhood& nh, const CentreExpansion& e, int slot, Workspace& ws,
                                 double* out) const;
    void neighbour_slot_gradient_dispatch(const CentreNeighbourhood& nh, const CentreExpansion& e, int slot,
                                          Workspace& ws, double* out) const;

    size_t block_offset(int a1, int a2, int l) const {
        return (static_cast<size_t>(pair_index_[a1 * n_species_ + a2]) * (max_angular_ + 1) + l) * n_radial_ * n_radial_;
    }
    double factor(int a1, int a2, int l) const { return factor_[l] * (a1 == a2 ? 1.0 : 1.4142135623730951); }

    const ExpansionSetup& setup_;
    int n_species_, n_radial_, max_angular_;
    size_t n_properties_;
    std::vector<int> pair_index_;   // [a1 * S + a2] for a1 <= a2
    std::vector<double> factor_;    // (-1)^l / sqrt(2l+1)
};

}  // namespace hamd
