// Entry point of the descriptor engine: several systems in, labelled blocks out.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/hypers.hpp"
#include "core/system.hpp"
#include "core/tensor_map.hpp"
#include "core/thread_pool.hpp"

namespace hamd {

enum class DescriptorKind { SphericalExpansion, PowerSpectrum, LambdaSoap, Bispectrum };

// "spherical-expansion", "power-spectrum", "lambda-soap", "bispectrum"; InvalidArgument otherwise.
DescriptorKind parse_descriptor_kind(const std::string& name);

struct DescriptorOptions {
    DescriptorKind kind = DescriptorKind::PowerSpectrum;
    Hypers hypers;
    // Neighbour-species channels (atomic numbers). Empty: the sorted set of species
    // present in the request. Atoms whose species is not listed are ignored as neighbours.
    std::vector<int32_t> species;
    int max_lambda = -1;              // lambda-soap: lambda = 0..max_lambda (-1: max_angular)
    bool gradient_positions = false;
    bool gradient_cell = false;       // only for systems periodic in all three directions
    size_t max_output_bytes = 0;      // 0 = unlimited; else ResourceExhausted before allocating
};

// Blocks, per kind (keys; properties):
//  spherical-expansion: (o3_lambda, o3_sigma, center_type, neighbor_type); (n)
//  power-spectrum:      (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, l, n_1, n_2)
//  lambda-soap:         (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, l_1, l_2, n_1, n_2)
//  bispectrum:          (o3_lambda, o3_sigma, center_type); (neighbor_1_type, neighbor_2_type, neighbor_3_type, l_1, l_2, l_3, n_1, n_2, n_3)
// samples are (system, atom) in ascending order. `cancel` is polled between atoms.
TensorMap compute_descriptors(const std::vector<System>& systems, const DescriptorOptions& options,
                              ThreadPool& pool, const std::atomic<bool>* cancel = nullptr);

}  // namespace hamd
