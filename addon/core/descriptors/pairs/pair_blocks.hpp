// What the two structure-wide kinds built on pair terms (pair_features.cpp, message_passing.cpp)
// share: their (lambda, sigma) families, label helpers, the output-size check, and the
// neighbourhood of every atom of a request. docs/science.md#pair-features-kind.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/descriptors/engine.hpp"
#include "core/descriptors/pairs/product_coupling.hpp"

namespace hamd {

// One (lambda, sigma) of lambda = 0..max_lambda (options.max_lambda, -1: max_angular), both
// parities, with its product groups (l_1, l_2 = 0..max_angular); families without a group are
// left out.
struct ProductFamily {
    int lambda, sigma;
    std::vector<ProductGroup> groups;
    int components() const { return 2 * lambda + 1; }
};
std::vector<ProductFamily> product_families(const ExpansionSetup& setup, const DescriptorOptions& options);

// Every atom of the request as (system, atom), in ascending order.
struct AtomRef {
    int32_t system, atom;
};
std::vector<AtomRef> request_atoms(const std::vector<System>& systems);

// The sorted distinct atomic numbers of the request.
std::vector<int32_t> present_types(const std::vector<System>& systems);

Labels mu_labels(int lambda);
Labels xyz_labels(const std::string& name);

// ResourceExhausted when `bytes` exceeds options.max_output_bytes (0: no limit).
void check_output_bytes(double bytes, const DescriptorOptions& options);

// Product groups (l_1, l_2) x `inner` names, as properties: (l_1, l_2, inner...), with the
// rows of `inner` (already in order) repeated for every group.
Labels product_properties(const std::vector<ProductGroup>& groups, const Labels& inner);

}  // namespace hamd
