// Entry point of the descriptor engine: several systems in, labelled blocks out.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/compute_device.hpp"
#include "core/descriptors/hypers.hpp"
#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"
#include "core/base/result_memory.hpp"
#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"

namespace hamd {

// Below this many centres device "auto" stays on the CPU: a GPU launch and its copies cost
// more than the expansions of a few molecules.
constexpr size_t kCudaAutoMinCentres = 1000;

enum class DescriptorKind {
    SphericalExpansion, PowerSpectrum, LambdaSoap, Bispectrum, Correlation, Triplet, LodeSphericalExpansion, MultiScale,
    PairFeatures, MessagePassing
};

// "spherical-expansion", "power-spectrum", "lambda-soap", "bispectrum", "correlation", "triplet",
// "lode-spherical-expansion", "multi-scale", "pair-features", "message-passing"; InvalidArgument otherwise.
DescriptorKind parse_descriptor_kind(const std::string& name);

class CorrelationContraction;  // descriptors/correlation/contraction.hpp

// Defaults of the correlation kind: nu = 2, invariants only (the equivariant blocks of
// nu = 3, 4 are large; ask for them with max_lambda).
constexpr int kDefaultCorrelationOrder = 2;
constexpr int kDefaultCorrelationMaxLambda = 0;

struct DescriptorOptions {
    DescriptorKind kind = DescriptorKind::PowerSpectrum;
    Hypers hypers;
    // Neighbour-species channels (atomic numbers). Empty: the sorted set of species
    // present in the request. Atoms whose species is not listed are ignored as neighbours.
    std::vector<int32_t> species;
    // lambda-soap, correlation, pair-features, message-passing: lambda = 0..max_lambda (-1: unset,
    // the kind's default: 0 for correlation, max_angular for the others); other kinds reject it.
    int max_lambda = -1;
    // Options of particular kinds (proto ComputeDescriptorsRequest); unset takes the kind's
    // default. Which kinds take which option is registered in registry.cpp, and setting one
    // for another kind is InvalidArgument.
    std::optional<double> potential_exponent;  // LODE: 1/r^p
    std::optional<int> correlation_order;      // correlation: nu
    std::optional<std::string> nonlinearity;   // triplet
    std::optional<double> k_cutoff;            // LODE, periodic: 1/Angstrom
    // correlation: the fitted PCA contraction of the intermediate levels (null: none).
    std::shared_ptr<const CorrelationContraction> contraction;
    bool gradient_positions = false;
    bool gradient_cell = false;       // only for systems periodic in all three directions
    // Where the request runs (base/compute_device.hpp): auto takes the GPU for requests with at
    // least kCudaAutoMinCentres centres that its kernels support (descriptors/cuda/), else the CPU.
    ComputeDevice device = ComputeDevice::Auto;
    size_t max_output_bytes = 0;      // 0 = unlimited; else ResourceExhausted before allocating
    size_t max_threads = 0;           // threads of `pool` used by this request (0: all, caller included)
};

// Blocks, per kind (keys; properties):
//  spherical-expansion: (o3_lambda, o3_sigma, center_type, neighbor_type); (n)
//  power-spectrum:      (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, l, n_1, n_2)
//  lambda-soap:         (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, l_1, l_2, n_1, n_2)
//  bispectrum:          (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, neighbor_3_type, l_1, l_2, l_3, n_1, n_2, n_3)
//  correlation:         (o3_lambda, o3_sigma, center_type); the coupling chain
//                       (neighbor_1_type, n_1, l_1, neighbor_2_type, n_2, l_2, k_2, neighbor_3_type, n_3, l_3, k_3, ...,
//                        neighbor_nu_type, n_nu, l_nu), k_j the coupling of factors 1..j (k_nu = o3_lambda,
//                       not stored); after a contracted level j: (pc_j, k_j, sigma_j, neighbor_j+1_type, n_j+1, l_j+1, ...)
//  triplet:             (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, neighbor_3_type, l_1, l_2, l_3, n_1, n_2, n_3)
//  lode-spherical-expansion: (o3_lambda, o3_sigma, center_type, neighbor_type); (n), components [o3_mu]:
//    the projection of the Coulomb potential of every atom of neighbor_type (unit Gaussian charges,
//    no cutoff; periodic: Ewald sum without k = 0, range-separated unless a k_cutoff short of
//    convergence asks for the truncated reciprocal sum), docs/science.md#lode. Position
//    gradients: samples are every atom of neighbor_type plus the centre (dense); cell gradients.
//  multi-scale:         (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, l_1, l_2, n_1, n_2),
//    components [o3_mu]: CG(c_i, V_i) of the spherical expansion (neighbor_1_type) with the LODE
//    expansion (neighbor_2_type), lambda = 0..max_lambda (default 0), both parities,
//    docs/science.md#multi-scale-features. Gradients: the union of both expansions' samples.
//  pair-features:       (o3_lambda, o3_sigma, first_atom_type, second_atom_type); (l_1, l_2, neighbor_type, n_1, n_2)
//  message-passing:     (o3_lambda, o3_sigma, center_type); (l_1, l_2, neighbor_1_type, n_1, neighbor_2_type, n_2)
// samples are (system, atom) in ascending order. `cancel` is polled between atoms.
// pair-features: samples (system, first_atom, second_atom, cell_shift_a, cell_shift_b,
// cell_shift_c), one per pair within the cutoff (both orders, periodic images of the first
// atom included, (i, i, 0) not), ascending; blocks for every present first type and every
// present second type that is a neighbour channel (a block may have no sample).
// pair-features and message-passing have components [o3_mu], lambda = 0..max_lambda
// (-1: max_angular), both parities, and are computed per request (pairs/pair_features.hpp,
// pairs/message_passing.hpp; docs/science.md#pair-features-kind).
// Otherwise every atom is a centre; blocks exist for every centre type present, keys in ascending
// lexicographic order. Components: [o3_mu] (mu = -lambda..lambda) for spherical-expansion,
// lambda-soap and correlation, none for the invariants. o3_sigma is 1 for the spherical expansion (c_l is
// multiplied by (-1)^l under inversion, like Y_l).
//
// Redundancy and scaling:
//  power-spectrum: a1 <= a2, every (n_1, n_2); a1 < a2 entries times sqrt(2) (docs/science.md#power-spectrum).
//  lambda-soap: plain CG products, no sqrt(2) factors. a1 <= a2; when a1 == a2 only l_1 <= l_2
//    (the (l_2, l_1, n_2, n_1) entry equals sigma times the (l_1, l_2, n_1, n_2) one);
//    every (n_1, n_2). Blocks with no property (lambda = 0, sigma = -1) are left out.
//  bispectrum: B = sum C^{l3 m3}_{l1 m1, l2 m2} c_{a1 n1 l1 m1} c_{a2 n2 l2 m2} c_{a3 n3 l3 m3}
//    * (-1)^l3 / sqrt(2 l3 + 1)  (the CG coupling of rho^{x2}_{l3} with rho^{x1}_{l3} to lambda 0),
//    with l1 + l2 + l3 even (sigma = +1). As (a, l) triples are interchangeable up to a sign, only
//    (a1, l1) <= (a2, l2) <= (a3, l3) (lexicographic) are kept, with every (n1, n2, n3).
//  correlation (order nu = correlation_order, 1..4, default 2; lambda = 0..max_lambda, default 0):
//    iterated plain CG products rho^(j) = CG(rho^(j-1), c_l) (correlation/correlation.hpp), no
//    sqrt(2) factors; sigma = (-1)^(l_1 + ... + l_nu + lambda). The raw factors (a_j, n_j, l_j) of
//    a kept chain are non-decreasing (lexicographic), every intermediate k_j is kept (other
//    orderings are linear combinations of these). nu = 1 is the spherical expansion.
//  triplet: T = sum over ordered neighbour pairs (j, k), j == k included, of f(B(rho, g_j, g_k))
//    (triplet/triplet.hpp): neighbor_1_type is rho's channel, 2 and 3 the types of j and k;
//    only (a2, l2) <= (a3, l3) are kept, with every (n1, n2, n3); l1 + l2 + l3 even.
//    f = options.nonlinearity ("none", "tanh" (default), "square").
//
// Gradients (TensorMap GradientBlock, proto/hamd/v1/hamd.proto): "positions" samples are
// (sample, system, atom), the atoms a centre depends on (its neighbours and itself, periodic
// images of one atom summed), sorted by atom; for the spherical expansion only neighbours of
// the block's neighbor_type (and the centre, if there is one). "cell" needs structures
// periodic in all three directions (InvalidArgument otherwise). Position gradients: every
// kind; cell gradients: spherical-expansion, power-spectrum, correlation, lode-spherical-expansion,
// multi-scale, pair-features and message-passing.
// `arena`: the values and gradients are placed there as far as they fit (e.g. a client's
// shared-memory region); the result must then be destroyed before the arena's memory goes.
TensorMap compute_descriptors(const std::vector<System>& systems, const DescriptorOptions& options,
                              ThreadPool& pool, const std::atomic<bool>* cancel = nullptr,
                              result_memory::OutputArena* arena = nullptr);

// The same with neighbour lists computed by the caller (e.g. reused between MD steps):
// lists[k] is build_neighbor_list(systems[k], cutoff) for any cutoff >= hypers.cutoff.
TensorMap compute_descriptors_with_neighbors(const std::vector<System>& systems,
                                             const std::vector<NeighborList>& lists,
                                             const DescriptorOptions& options, ThreadPool& pool,
                                             const std::atomic<bool>* cancel = nullptr,
                                             result_memory::OutputArena* arena = nullptr);

// The same, writing into `output` and reusing the storage of the result it holds (e.g. the
// previous MD step's): large outputs then cost no page faults and no zero fill. `output`
// is overwritten entirely; on an exception its contents are unspecified.
void compute_descriptors_into(const std::vector<System>& systems, const std::vector<NeighborList>& lists,
                              const DescriptorOptions& options, ThreadPool& pool, const std::atomic<bool>* cancel,
                              TensorMap& output, result_memory::OutputArena* arena = nullptr);

}  // namespace hamd
