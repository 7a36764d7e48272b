// Entry point of the descriptor engine: several systems in, labelled blocks out.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/descriptors/hypers.hpp"
#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"
#include "core/base/result_memory.hpp"
#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"

namespace hamd {

enum class DescriptorKind { SphericalExpansion, PowerSpectrum, LambdaSoap, Bispectrum, LodeSphericalExpansion };

// "spherical-expansion", "power-spectrum", "lambda-soap", "bispectrum", "lode-spherical-expansion";
// InvalidArgument otherwise.
DescriptorKind parse_descriptor_kind(const std::string& name);

struct DescriptorOptions {
    DescriptorKind kind = DescriptorKind::PowerSpectrum;
    Hypers hypers;
    // Neighbour-species channels (atomic numbers). Empty: the sorted set of species
    // present in the request. Atoms whose species is not listed are ignored as neighbours.
    std::vector<int32_t> species;
    int max_lambda = -1;              // lambda-soap: lambda = 0..max_lambda (-1: max_angular)
    // Options of particular kinds (proto ComputeDescriptorsRequest); unset takes the kind's
    // default. Which kinds take which option is registered in registry.cpp, and setting one
    // for another kind is InvalidArgument.
    std::optional<double> potential_exponent;  // LODE: 1/r^p
    std::optional<int> correlation_order;      // correlation: nu
    std::optional<std::string> nonlinearity;   // triplet
    std::optional<double> k_cutoff;            // LODE, periodic: 1/Angstrom
    bool gradient_positions = false;
    bool gradient_cell = false;       // only for systems periodic in all three directions
    size_t max_output_bytes = 0;      // 0 = unlimited; else ResourceExhausted before allocating
    size_t max_threads = 0;           // threads of `pool` used by this request (0: all, caller included)
};

// Blocks, per kind (keys; properties):
//  spherical-expansion: (o3_lambda, o3_sigma, center_type, neighbor_type); (n)
//  power-spectrum:      (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, l, n_1, n_2)
//  lambda-soap:         (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, l_1, l_2, n_1, n_2)
//  bispectrum:          (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, neighbor_3_type, l_1, l_2, l_3, n_1, n_2, n_3)
//  lode-spherical-expansion: (o3_lambda, o3_sigma, center_type, neighbor_type); (n), components [o3_mu]:
//    the projection of the Coulomb potential of every atom of neighbor_type (unit Gaussian charges,
//    no cutoff; periodic: Ewald reciprocal sum without k = 0), docs/science.md#lode. Position
//    gradients: samples are every atom of neighbor_type plus the centre (dense); cell gradients.
// samples are (system, atom) in ascending order. `cancel` is polled between atoms.
// Every atom is a centre; blocks exist for every centre type present, keys in ascending
// lexicographic order. Components: [o3_mu] (mu = -lambda..lambda) for spherical-expansion and
// lambda-soap, none for the invariants. o3_sigma is 1 for the spherical expansion (c_l is
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
//
// Gradients (TensorMap GradientBlock, proto/hamd/v1/hamd.proto): "positions" samples are
// (sample, system, atom), the atoms a centre depends on (its neighbours and itself, periodic
// images of one atom summed), sorted by atom; for the spherical expansion only neighbours of
// the block's neighbor_type (and the centre, if there is one). "cell" needs structures
// periodic in all three directions (InvalidArgument otherwise). Position gradients: every
// kind; cell gradients: spherical-expansion, power-spectrum and lode-spherical-expansion.
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
