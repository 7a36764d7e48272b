// Bispectrum (nu = 3, lambda = 0, sigma = +1), docs/science.md#bispectrum: rho^{x2} coupled to l3,
// then coupled with rho^{x1}_{l3} to lambda = 0:
//   B = (-1)^l3 / sqrt(2 l3 + 1) sum C^{l3 m3}_{l1 m1, l2 m2} c_{a1 n1 l1 m1} c_{a2 n2 l2 m2} c_{a3 n3 l3 m3}
// with |l1 - l2| <= l3 <= l1 + l2 and l1 + l2 + l3 even. The three (a, l) factors are
// interchangeable up to a sign, so only (a1, l1) <= (a2, l2) <= (a3, l3) are kept, with
// every (n1, n2, n3). Properties: (neighbor_1_type, neighbor_2_type, neighbor_3_type,
// l_1, l_2, l_3, n_1, n_2, n_3), a1 outer ... n3 inner.
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "core/math/clebsch_gordan.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/base/tensor_map.hpp"

namespace hamd {

class Bispectrum {
public:
    explicit Bispectrum(const ExpansionSetup& setup);

    size_t n_properties() const { return n_properties_; }
    const Labels& properties() const { return properties_; }

    // out[property] += B(first, second, third) (three expansions in the layout of
    // spherical_expansion.hpp). A channel >= 0 keeps only the terms whose corresponding
    // factor has that neighbour channel (used for gradients, where only one channel moves).
    void triple(const double* first, const double* second, const double* third, double* out,
                std::vector<double>& scratch, int first_channel = -1, int second_channel = -1,
                int third_channel = -1) const;

    struct Coupling {  // (a1, l1) x (a2, l2) -> l3, then each (a3, offset of its N^3 properties)
        int a1, l1, a2, l2, l3;
        std::shared_ptr<const CGBlock> cg;
        std::vector<std::pair<int, size_t>> thirds;
    };
    // The terms, in property order within each (a3, offset) block (n1, n2, n3), n3 inner.
    const std::vector<Coupling>& couplings() const { return couplings_; }

private:
    const ExpansionSetup& setup_;
    std::vector<Coupling> couplings_;
    size_t n_properties_ = 0;
    Labels properties_;
};

}  // namespace hamd
