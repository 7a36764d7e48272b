#include "core/descriptors/pairs/product_coupling.hpp"

#include <cstdlib>

namespace hamd {

std::vector<ProductGroup> product_groups(int max_l1, int max_l2, int lambda, int sigma) {
    std::vector<ProductGroup> groups;
    for (int l1 = 0; l1 <= max_l1; ++l1)
        for (int l2 = 0; l2 <= max_l2; ++l2) {
            if (lambda < std::abs(l1 - l2) || lambda > l1 + l2) continue;
            if (((l1 + l2 + lambda) % 2 == 0 ? 1 : -1) != sigma) continue;
            groups.push_back({l1, l2, real_clebsch_gordan(l1, l2, lambda)});
        }
    return groups;
}

void couple_products_add(const std::vector<ProductGroup>& groups, const double* x, int x_row, const double* y,
                         int y_row, double scale, double* out, const ProductLayout& layout, int k_begin,
                         int k_end) {
    if (k_end < 0) k_end = x_row;
    for (size_t g = 0; g < groups.size(); ++g) {
        const ProductGroup& group = groups[g];
        for (const auto& e : group.cg->nonzero) {
            const double* xs = x + static_cast<size_t>(group.l1 * group.l1 + e.m1) * x_row;
            const double* ys = y + static_cast<size_t>(group.l2 * group.l2 + e.m2) * y_row;
            double* target = out + e.mu * layout.mu_stride + g * layout.group_stride + layout.q_offset;
            const double v = scale * e.value;
            for (int k = k_begin; k < k_end; ++k) {
                const double xv = v * xs[k];
                double* t = target + static_cast<size_t>(k) * layout.k_stride;
                for (int q = 0; q < y_row; ++q) t[q] += xv * ys[q];
            }
        }
    }
}

}  // namespace hamd
