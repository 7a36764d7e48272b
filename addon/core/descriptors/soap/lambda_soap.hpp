// lambda-SOAP (nu = 2, every lambda up to a cutoff, both parities), docs/science.md#lambda-soap:
//   <a1 n1 l1; a2 n2 l2 | lambda mu> = sum_{m1 m2} C^{lambda mu}_{l1 m1, l2 m2} c_{a1 n1 l1 m1} c_{a2 n2 l2 m2},
// sigma = (-1)^(l1 + l2 + lambda). Swapping the two factors gives sigma times the same
// numbers, so only a1 <= a2, and l1 <= l2 when a1 == a2, are kept (every n1, n2).
// Properties: (neighbor_1_type, neighbor_2_type, l_1, l_2, n_1, n_2), a1 outer ... n2 inner.
#pragma once
#include <memory>
#include <vector>

#include "core/math/clebsch_gordan.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/base/tensor_map.hpp"

namespace hamd {

class LambdaSoap {
public:
    LambdaSoap(const ExpansionSetup& setup, int max_lambda);

    struct Group {  // N x N properties sharing (a1, a2, l1, l2)
        int a1, a2, l1, l2;
        size_t offset;  // first property
        std::shared_ptr<const CGBlock> cg;
    };
    struct Family {  // one (lambda, sigma) block
        int lambda, sigma;
        std::vector<Group> groups;
        size_t n_properties = 0;
        Labels properties;
    };
    const std::vector<Family>& families() const { return families_; }

    // out[mu][property] += CG coupling of `first` and `second` (expansion layout) over the
    // family's groups; channel >= 0 restricts to groups with a1 == channel (first_only) or
    // a2 == channel (second only), -1 takes every group.
    void couple(const Family& family, const double* first, const double* second, double* out,
                int first_channel = -1, int second_channel = -1) const;

private:
    const ExpansionSetup& setup_;
    std::vector<Family> families_;
};

}  // namespace hamd
