#include "core/descriptors/pairs/pair_blocks.hpp"

#include <set>

#include "core/base/errors.hpp"

namespace hamd {

std::vector<ProductFamily> product_families(const ExpansionSetup& setup, const DescriptorOptions& options) {
    const int L = setup.max_angular();
    const int max_lambda = options.max_lambda < 0 ? L : options.max_lambda;
    std::vector<ProductFamily> families;
    for (int lambda = 0; lambda <= max_lambda; ++lambda)
        for (int sigma : {-1, 1}) {
            ProductFamily family{lambda, sigma, product_groups(L, L, lambda, sigma)};
            if (!family.groups.empty()) families.push_back(std::move(family));
        }
    return families;
}

std::vector<AtomRef> request_atoms(const std::vector<System>& systems) {
    std::vector<AtomRef> atoms;
    for (size_t s = 0; s < systems.size(); ++s)
        for (size_t i = 0; i < systems[s].size(); ++i) atoms.push_back({static_cast<int32_t>(s), static_cast<int32_t>(i)});
    return atoms;
}

std::vector<int32_t> present_types(const std::vector<System>& systems) {
    std::set<int32_t> present;
    for (const auto& system : systems) present.insert(system.types.begin(), system.types.end());
    return std::vector<int32_t>(present.begin(), present.end());
}

Labels mu_labels(int lambda) {
    Labels labels;
    labels.names = {"o3_mu"};
    for (int mu = -lambda; mu <= lambda; ++mu) labels.values.push_back(mu);
    return labels;
}

Labels xyz_labels(const std::string& name) {
    Labels labels;
    labels.names = {name};
    labels.values = {0, 1, 2};
    return labels;
}

void check_output_bytes(double bytes, const DescriptorOptions& options) {
    if (options.max_output_bytes != 0 && bytes > static_cast<double>(options.max_output_bytes)) {
        throw ResourceExhausted("the result would take " + std::to_string(static_cast<long long>(bytes)) +
                                " bytes, over the limit of " + std::to_string(options.max_output_bytes) +
                                " bytes (fewer structures, smaller hypers, a smaller max_lambda, or no gradients)");
    }
}

void check_product_output_bytes(const std::vector<ProductFamily>& families, const ProductOutputShape& shape,
                                const DescriptorOptions& options) {
    double bytes = 0;
    for (const ProductFamily& family : families) {
        const double properties = static_cast<double>(family.groups.size() * shape.inner_rows);
        const double width = family.components() * properties;
        bytes += 4.0 * shape.property_columns * properties;
        for (size_t b = 0; b < shape.rows.size(); ++b) {
            bytes += static_cast<double>(shape.rows[b]) * (width * 8 + shape.sample_columns * 4);
            if (shape.positions) bytes += static_cast<double>(shape.gradient_rows[b]) * (3 * width * 8 + 3 * 4);
            if (shape.cell) bytes += static_cast<double>(shape.rows[b]) * (9 * width * 8 + 4);
        }
    }
    check_output_bytes(bytes, options);
}

void add_gradient_blocks(Block& block, int lambda, size_t width, size_t rows, size_t gradient_rows, bool positions, bool cell) {
    if (positions) {
        GradientBlock gradient;
        gradient.parameter = "positions";
        gradient.samples.names = {"sample", "system", "atom"};
        gradient.samples.values.resize(gradient_rows * 3);
        gradient.components = {xyz_labels("xyz"), mu_labels(lambda)};
        gradient.values.resize(gradient_rows * 3 * width);
        block.gradients.push_back(std::move(gradient));
    }
    if (cell) {
        GradientBlock gradient;
        gradient.parameter = "cell";
        gradient.samples.names = {"sample"};
        gradient.samples.values.resize(rows);
        for (size_t r = 0; r < rows; ++r) gradient.samples.values[r] = static_cast<int32_t>(r);
        gradient.components = {xyz_labels("cell_row"), xyz_labels("cell_column"), mu_labels(lambda)};
        gradient.values.resize(rows * 9 * width);
        block.gradients.push_back(std::move(gradient));
    }
}

Labels product_properties(const std::vector<ProductGroup>& groups, const Labels& inner) {
    Labels labels;
    labels.names = {"l_1", "l_2"};
    labels.names.insert(labels.names.end(), inner.names.begin(), inner.names.end());
    const size_t width = inner.names.size();
    for (const ProductGroup& group : groups)
        for (size_t r = 0; r < inner.count(); ++r) {
            labels.values.push_back(group.l1);
            labels.values.push_back(group.l2);
            labels.values.insert(labels.values.end(), inner.values.begin() + r * width, inner.values.begin() + (r + 1) * width);
        }
    return labels;
}

}  // namespace hamd
