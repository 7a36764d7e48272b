// The functions f of the triplet kind (docs/science.md#triplet-features-and-completeness),
// applied to each per-pair invariant before the sum over neighbour pairs. The kind owns
// this list: DescriptorOptions::nonlinearity names one of them.
#pragma once
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace hamd {

// Every f has f(0) = 0, so that the features a pair of neighbours does not reach (other
// neighbour types) contribute nothing.
enum class Nonlinearity {
    None,    // f(t) = t: the sum is linear in the bispectrum-like coupling (tests, reference)
    Tanh,    // f(t) = tanh(t): bounded, odd; the default
    Square,  // f(t) = t^2: the simplest polynomial non-linearity
};

// "none", "tanh", "square", in that order.
const std::vector<std::string>& nonlinearity_names();

// Unset: tanh. An unknown name is InvalidArgument naming the known ones.
Nonlinearity parse_nonlinearity(const std::optional<std::string>& name);

// f(t), and f'(t) in *derivative.
inline double apply_nonlinearity(Nonlinearity f, double t, double* derivative) {
    switch (f) {
        case Nonlinearity::None:
            *derivative = 1.0;
            return t;
        case Nonlinearity::Tanh: {
            const double y = std::tanh(t);
            *derivative = 1.0 - y * y;
            return y;
        }
        case Nonlinearity::Square:
            *derivative = 2.0 * t;
            return t * t;
    }
    *derivative = 0.0;
    return 0.0;
}

}  // namespace hamd
