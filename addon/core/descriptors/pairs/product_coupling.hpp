// Clebsch-Gordan coupling of two different equivariant expansions x (angular momentum l_1) and
// y (l_2) to one (lambda, sigma), the operation behind every two-centre and message-passing
// feature (docs/science.md#pair-features):
//   out[mu][group (l_1, l_2)][k][q] += scale * sum_{m_1 m_2} C^{lambda mu}_{l_1 m_1, l_2 m_2} x[l_1 m_1][k] y[l_2 m_2][q]
// x and y are stored like the density expansion, one row per lm: x[lm * x_row + k], y[lm * y_row + q].
// Groups are every (l_1, l_2) with |l_1 - l_2| <= lambda <= l_1 + l_2 and
// (-1)^(l_1 + l_2 + lambda) = sigma, l_1 outer (both from 0 to their maximum).
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "core/math/clebsch_gordan.hpp"

namespace hamd {

struct ProductGroup {
    int l1, l2;
    std::shared_ptr<const CGBlock> cg;
};

// The groups of (lambda, sigma) for l_1 = 0..max_l1, l_2 = 0..max_l2 (empty when none is allowed).
std::vector<ProductGroup> product_groups(int max_l1, int max_l2, int lambda, int sigma);

// Where the products go: out[mu * mu_stride + g * group_stride + k * k_stride + q_offset + q]
// for group g, k < x_row, q < y_row.
struct ProductLayout {
    size_t mu_stride, group_stride, k_stride, q_offset = 0;
};

// Adds the coupled products of x and y (rows of x_row and y_row doubles) to `out`, for
// k in [k_begin, k_end) (default: the whole row; a narrower range skips columns of x known to
// be zero, e.g. the other species channels of a neighbour's gradient). The arithmetic per term
// is (scale * C) * x then times y, accumulated in the order of the CG table's non-zero entries:
// callers that compare results bit for bit rely on it.
void couple_products_add(const std::vector<ProductGroup>& groups, const double* x, int x_row, const double* y,
                         int y_row, double scale, double* out, const ProductLayout& layout, int k_begin = 0,
                         int k_end = -1);

}  // namespace hamd
