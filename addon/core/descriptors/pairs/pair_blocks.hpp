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

// The shape of a product kind's output, for the size check before anything is allocated:
// every family has one block per bucket b (a type or type pair) with rows[b] samples of
// `sample_columns` labels, gradient_rows[b] position-gradient samples (3 labels each) when
// `positions`, rows[b] cell-gradient samples when `cell`, and groups x inner_rows properties of
// `property_columns` labels each.
struct ProductOutputShape {
    size_t inner_rows;
    int property_columns, sample_columns;
    const std::vector<size_t>& rows;
    const std::vector<size_t>& gradient_rows;
    bool positions, cell;
};
// check_output_bytes on the bytes of that output (values, gradients and labels).
void check_product_output_bytes(const std::vector<ProductFamily>& families, const ProductOutputShape& shape,
                                const DescriptorOptions& options);

// Allocates the gradient blocks of `block` (values of `width` per row): "positions" with
// `gradient_rows` samples (sample, system, atom) when `positions`, then "cell" with one sample
// per row when `cell`. Values are zero-initialised; the sample labels of positions are the
// caller's to fill.
void add_gradient_blocks(Block& block, int lambda, size_t width, size_t rows, size_t gradient_rows, bool positions, bool cell);

// Product groups (l_1, l_2) x `inner` names, as properties: (l_1, l_2, inner...), with the
// rows of `inner` (already in order) repeated for every group.
Labels product_properties(const std::vector<ProductGroup>& groups, const Labels& inner);

}  // namespace hamd
