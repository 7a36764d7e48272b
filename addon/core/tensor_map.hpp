// Labelled blocks of results, after metatensor: keys select blocks; each block has
// samples (rows), components (symmetry axes, e.g. o3_mu) and properties (columns).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hamd {

struct Labels {
    std::vector<std::string> names;
    std::vector<int32_t> values;  // count() x names.size(), row-major
    size_t count() const { return names.empty() ? 0 : values.size() / names.size(); }
};

// Gradient of a block with respect to a parameter ("positions" or "cell").
// positions: samples (sample, system, atom); components [xyz] + block components;
//   values[grad_sample][xyz][block components...][property].
// cell: samples (sample); components [cell_row, cell_column] (derivative with respect
//   to cell[row][column], fractional coordinates fixed) + block components.
struct GradientBlock {
    std::string parameter;
    Labels samples;
    std::vector<Labels> components;
    std::vector<double> values;
};

struct Block {
    Labels samples;                  // (system, atom)
    std::vector<Labels> components;  // e.g. [o3_mu]; empty for invariants
    Labels properties;
    std::vector<double> values;      // samples x components... x properties, row-major
    std::vector<GradientBlock> gradients;
};

struct TensorMap {
    Labels keys;                     // one row per block
    std::vector<Block> blocks;
};

}  // namespace hamd
