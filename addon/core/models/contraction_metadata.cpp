#include "core/models/contraction_metadata.hpp"

#include <string>

#include "core/io/model_archive.hpp"

namespace hamd {

ModelMetadata describe_correlation_contraction(const CorrelationContraction& c) {
    ModelMetadata m;
    m.kind = "correlation-contraction";
    m.format = kCorrelationContractionFormat;
    m.format_version = kCorrelationContractionFormatVersion;
    m.species = c.species;
    m.energy_unit = "";
    m.checksum = c.checksum;
    size_t kept = 0, total = 0;
    for (const auto& block : c.blocks) {
        kept += block.n_out;
        total += block.n_in;
    }
    m.extra_json = "{\"max_radial\": " + std::to_string(c.max_radial) + ", \"max_angular\": " + std::to_string(c.max_angular) +
                   ", \"correlation_order\": " + std::to_string(c.correlation_order) +
                   ", \"max_lambda\": " + std::to_string(c.max_lambda) + ", \"variance_fraction\": " + json_number(c.variance_fraction) +
                   ", \"max_components\": " + std::to_string(c.max_components) + ", \"blocks\": " + std::to_string(c.blocks.size()) +
                   ", \"components_kept\": " + std::to_string(kept) + ", \"components_in\": " + std::to_string(total) + "}";
    return m;
}

}  // namespace hamd
