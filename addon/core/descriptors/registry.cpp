#include "core/descriptors/registry.hpp"

#include "core/base/errors.hpp"
#include "core/descriptors/triplet/triplet.hpp"
#include "core/descriptors/lode/lode_spherical_expansion.hpp"
#include "core/descriptors/multi_scale/multi_scale.hpp"
#include "core/descriptors/pairs/message_passing.hpp"
#include "core/descriptors/pairs/pair_features.hpp"

namespace hamd {

namespace {

std::unique_ptr<DescriptorKernel> spherical_expansion(const ExpansionSetup& setup, const DescriptorOptions&) {
    return make_spherical_expansion_kernel(setup);
}
std::unique_ptr<DescriptorKernel> power_spectrum(const ExpansionSetup& setup, const DescriptorOptions&) {
    return make_power_spectrum_kernel(setup);
}
std::unique_ptr<DescriptorKernel> lambda_soap(const ExpansionSetup& setup, const DescriptorOptions& options) {
    return make_lambda_soap_kernel(setup, options.max_lambda < 0 ? setup.max_angular() : options.max_lambda);
}
std::unique_ptr<DescriptorKernel> bispectrum(const ExpansionSetup& setup, const DescriptorOptions&) {
    return make_bispectrum_kernel(setup);
}
std::unique_ptr<DescriptorKernel> triplet(const ExpansionSetup& setup, const DescriptorOptions& options) {
    return make_triplet_kernel(setup, parse_nonlinearity(options.nonlinearity));
}

}  // namespace

const std::vector<DescriptorKindInfo>& descriptor_kinds() {
    static const std::vector<DescriptorKindInfo> kinds = {
        {DescriptorKind::SphericalExpansion, "spherical-expansion", true, true, spherical_expansion},
        {DescriptorKind::PowerSpectrum, "power-spectrum", true, true, power_spectrum},
        {DescriptorKind::LambdaSoap, "lambda-soap", true, false, lambda_soap, nullptr, kMaxLambda},
        {DescriptorKind::Bispectrum, "bispectrum", true, false, bispectrum},
        {DescriptorKind::Correlation, "correlation", true, true, make_correlation_kernel, nullptr,
         kCorrelationOrder | kMaxLambda},
        {DescriptorKind::Triplet, "triplet", true, false, triplet, nullptr, kNonlinearity},
        {DescriptorKind::LodeSphericalExpansion, "lode-spherical-expansion", true, true, nullptr,
         compute_lode_spherical_expansion, kPotentialExponent | kKCutoff},
        {DescriptorKind::MultiScale, "multi-scale", true, true, nullptr, compute_multi_scale,
         kPotentialExponent | kKCutoff | kMaxLambda},
        {DescriptorKind::PairFeatures, "pair-features", true, true, nullptr, compute_pair_features, kMaxLambda},
        {DescriptorKind::MessagePassing, "message-passing", true, true, nullptr, compute_message_passing, kMaxLambda},
    };
    return kinds;
}

const DescriptorKindInfo& descriptor_kind_info(DescriptorKind kind) {
    for (const auto& info : descriptor_kinds())
        if (info.kind == kind) return info;
    throw std::logic_error("descriptor kind not registered");
}

DescriptorKind parse_descriptor_kind(const std::string& name) {
    std::string known;
    for (const auto& info : descriptor_kinds()) {
        if (info.name == name) return info.kind;
        known += (known.empty() ? "" : ", ") + info.name;
    }
    throw InvalidArgument("unknown descriptor kind '" + name + "' (expected one of " + known + ")");
}

}  // namespace hamd
