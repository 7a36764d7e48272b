// Density correlations of any order nu (ACDC, Nigam, Pozdnyakov & Ceriotti, JCP 2020; NICE),
// docs/science.md#density-correlations-of-any-order. Level 1 is the spherical expansion
// rho^(1)_{l m}[a n]; level j couples level j - 1 with one more rho^(1):
//   rho^(j)_{lambda mu}[p, (a n l)] = sum_{m1 m2} C^{lambda mu}_{k m1, l m2} rho^(j-1)_{k m1}[p] c_{a n l m2}
// block by block, (lambda, sigma) with sigma = sigma_in (-1)^(k + l + lambda) (so that a block
// is multiplied by sigma (-1)^lambda under inversion, like lambda-SOAP's).
//
// Which products are kept: while the last factor of an input property is a raw rho^(1)
// channel f = (a, n, l), only channels (a', n', l') >= (a, n, l) (lexicographic) are appended,
// i.e. the raw factors of a kept chain are non-decreasing. Every intermediate coupling k is
// kept, so for one ordering of the factors the couplings form a complete basis of the
// lambda-part of their tensor product, and any other ordering is a linear combination of
// them (recoupling): the dropped products are linearly dependent on the kept ones. After a
// contracted level (its properties are principal components, not single chains) every channel
// is appended.
//
// Intermediate levels only keep the lambdas that can still reach the output: level j has
// k <= min(j l_max, max_lambda + (nu - j) l_max).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/tensor_map.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"
#include "core/math/clebsch_gordan.hpp"

namespace hamd {

class CorrelationContraction;
struct ContractionBlock;

struct CorrelationBlock {
    int lambda = 0, sigma = 1;
    size_t n_properties = 0;  // width of the CG products
    size_t n_kept = 0;        // after the level's contraction (n_properties when not contracted)
    size_t offset = 0;        // first element in the level's raw buffer ([mu][property])
    size_t kept_offset = 0;   // first element in the level's kept buffer ([mu][kept])
    // Output properties [offset, offset + n_channels - first) = input property `input` times
    // rho^(1) channels q = a n_radial + n in [first, n_channels) of one angular channel l.
    struct Run {
        uint32_t input, first;
        size_t offset;
    };
    struct Path {
        int input_block;  // in the previous level
        int l;            // angular channel of the appended rho^(1)
        std::shared_ptr<const CGBlock> cg;
        std::vector<Run> runs;
    };
    std::vector<Path> paths;
    Labels properties;
    // Per property, the last raw factor as q (l_max + 1) + l (for the ordering rule).
    std::vector<int32_t> last_factor;
    const ContractionBlock* contraction = nullptr;  // the level's transform of this block, if contracted
};

struct CorrelationLevel {
    std::vector<CorrelationBlock> blocks;
    bool contracted = false;
    size_t raw_size = 0, kept_size = 0;  // per centre
};

class Correlation {
public:
    // `contraction` (may be null) projects levels 1..min(its levels, order - 1); it must match
    // the setup (InvalidArgument otherwise). `max_width_bytes` (0: none): ResourceExhausted
    // when one centre's output row alone is larger, checked before any label is built; a hard
    // limit on the number of properties of any level applies in any case.
    // `upto` (0: order) builds only levels 1..upto of the order-`order` chain (for fitting).
    Correlation(const ExpansionSetup& setup, int order, int max_lambda, const CorrelationContraction* contraction,
                size_t max_width_bytes = 0, int upto = 0);

    int order() const { return order_; }
    const CorrelationLevel& level(int j) const { return levels_.at(j - 1); }  // j = 1..built levels
    const ExpansionSetup& setup() const { return setup_; }

    struct Workspace {
        std::vector<std::vector<double>> raw, kept;    // per level
        std::vector<std::vector<double>> draw, dkept;  // per level, [direction 0..2][level layout]
        std::vector<double> dense, compact;
    };
    // Values of levels 1..upto of one centre (expansion layout in), into ws.raw / ws.kept.
    void values(const double* expansion, int32_t centre_type, int upto, Workspace& ws) const;
    // Given values(), the derivatives of levels 1..upto along three directions at once:
    // dexpansion + d * plane (d = 0..2) is the derivative of the expansion (dense layout),
    // non-zero only in channel `channel` if >= 0. Results in ws.draw / ws.dkept, direction d
    // at d * raw_size / d * kept_size.
    void derivatives(const double* expansion, const double* dexpansion, size_t plane, int channel, int32_t centre_type,
                     int upto, Workspace& ws) const;

private:
    void build_level(int j, int order, int max_lambda, size_t max_width_bytes);
    void couple(int j, const double* input, const double* rho, double* out) const;
    // The two product-rule terms for three directions in one pass (the loops over paths, CG
    // entries and runs are shared): out[d] += CG(dinput[d], rho) and out[d] += CG(input, drho[d]).
    void couple_dinput(int j, const double* const dinput[3], const double* rho, double* const out[3]) const;
    void couple_drho(int j, const double* input, const double* const drho[3], double* const out[3], int channel) const;
    void project(int j, int32_t centre_type, const double* raw, double* kept) const;

    const ExpansionSetup& setup_;
    const CorrelationContraction* contraction_;
    int order_;
    std::vector<CorrelationLevel> levels_;
};

}  // namespace hamd
