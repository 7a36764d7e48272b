#include "core/descriptors/triplet/nonlinearity.hpp"

#include "core/base/errors.hpp"

namespace hamd {

const std::vector<std::string>& nonlinearity_names() {
    static const std::vector<std::string> names = {"none", "tanh", "square"};
    return names;
}

Nonlinearity parse_nonlinearity(const std::optional<std::string>& name) {
    if (!name) return Nonlinearity::Tanh;
    const auto& names = nonlinearity_names();
    for (size_t k = 0; k < names.size(); ++k)
        if (names[k] == *name) return static_cast<Nonlinearity>(k);
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "\"" : ", \"") + n + "\"";
    throw InvalidArgument("nonlinearity: unknown function \"" + *name + "\" for kind \"triplet\" (expected one of " +
                          known + ")");
}

}  // namespace hamd
