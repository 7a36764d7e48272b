// Equivariant PCA contraction of the density correlations (NICE-style), so that orders 3 and 4
// stay tractable; docs/science.md#density-correlations-of-any-order.
//
// For each intermediate level j = 1..order-1 and each block (lambda, sigma, centre type), the
// uncentred covariance of the block's properties over samples and mu,
//   C = sum_{samples} sum_mu x_mu x_mu^T / (samples (2 lambda + 1)),
// is rotation invariant (sum over mu of a D^lambda-rotated row), so projecting every mu on its
// leading eigenvectors keeps each block equivariant. The projected level is what the next CG
// iteration couples with rho^(1); the output level itself is not projected.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/descriptors/engine.hpp"
#include "core/systems/system.hpp"

namespace hamd {

struct ContractionBlock {
    int level = 1, lambda = 0, sigma = 1;
    size_t n_in = 0, n_out = 0;
    // per centre type: [n_in][n_out] row-major, columns = unit eigenvectors, largest first
    std::map<int32_t, std::vector<double>> transform;
    std::map<int32_t, std::vector<double>> eigenvalues;  // per centre type, all n_in, descending
};

// The file format (save_correlation_contraction below); the daemon's model registry loads such
// files next to its models, and ComputeDescriptorsRequest.contraction names one.
inline constexpr const char* kCorrelationContractionFormat = "hamd-correlation-contraction";
inline constexpr int kCorrelationContractionFormatVersion = 2;

class CorrelationContraction {
public:
    std::vector<int32_t> species;  // neighbour channels it was fitted with
    int max_radial = 0, max_angular = 0;
    int correlation_order = 2, max_lambda = 0;  // of the fit; levels 1..correlation_order-1
    double variance_fraction = 1.0;
    int max_components = 0;
    std::vector<ContractionBlock> blocks;
    std::string checksum;  // of the file it was loaded from or saved to ("crc32:..."); empty otherwise

    // Whether level j is contracted: it has transforms (a level whose every block would keep
    // all its components is left out by the fit, see ContractionSettings).
    bool contracts(int level) const;
    const ContractionBlock* find(int level, int lambda, int sigma) const;
};

struct ContractionSettings {
    // Per block, keep the fewest leading eigenvectors whose eigenvalues sum to at least this
    // fraction of the trace (>= 1: all of them), at most `max_components` (0: no cap). The
    // count is the largest over centre types, so that every centre type has the same labels.
    double variance_fraction = 1.0;
    int max_components = 0;
    // A level where every block keeps all its components gains nothing from a rotation of its
    // properties and loses the ordering rule (hence costs more): it is left uncontracted,
    // unless this is false (e.g. to test that a full-rank contraction spans the same space).
    bool skip_full_rank_levels = true;
};

// Fits the contraction of every intermediate level of options' correlation (kind, hypers,
// species, correlation_order, max_lambda as for compute_descriptors), level by level: level j
// is fitted on features computed with the contraction of levels < j.
CorrelationContraction fit_correlation_contraction(const std::vector<System>& systems, const DescriptorOptions& options,
                                                   const ContractionSettings& settings, ThreadPool& pool);

// .npz file (docs/science.md#density-correlations-of-any-order lists the arrays); float64
// transforms are stored as they are, so a load gives back the same bits. Returns the file's checksum.
std::string save_correlation_contraction(const std::string& path, const CorrelationContraction& contraction);
CorrelationContraction load_correlation_contraction(const std::string& path);

}  // namespace hamd
