// CPU/GPU parity of the CUDA descriptor path (descriptors/cuda/), and its refusals.
// On a machine without a usable GPU the parity checks are skipped (TAP "# SKIP") and only the
// refusal of device "cuda" is checked; bench/gpu-check.sh runs this test on a GPU machine.
//
// Tolerance: the GPU sums a centre's pairs in another order (atomic adds) than the CPU, so each
// value differs by rounding of a sum of at most a few hundred terms, |error| <= n eps sum |terms|
// ~ 1e-13 of the block's scale for n ~ 500; 1e-10 of the largest value is the parity goal
// and leaves three orders of magnitude, far below any real kernel error (those are O(1)).
#include <random>
#include <string>

#include "check.hpp"
#include "core/base/cuda_status.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/registry.hpp"
#include "core/io/xyz.hpp"
#include "descriptor_fixtures.hpp"

using namespace hamd;
using namespace fixtures;

namespace {

TensorMap on(ComputeDevice device, const std::vector<System>& systems, DescriptorOptions o) {
    o.device = device;
    return compute_descriptors(systems, o, pool());
}

void skip(const std::string& name, const std::string& why) {
    check::ok(true, name + " # SKIP " + why);
}

}  // namespace

int main() {
    const CudaStatus& status = cuda_status();
    std::printf("# %s\n", describe_cuda_status(status).c_str());

    std::mt19937 rng(7);
    std::vector<System> molecules = {random_molecule(rng, {6, 6, 1, 1, 1, 8, 7}), random_molecule(rng, {8, 1, 1})};
    std::vector<System> crystal = {random_crystal(rng, {8, 1, 1, 8, 1, 1})};

    // Requests the CUDA path never takes: refused for device "cuda", whatever the machine.
    {
        DescriptorOptions o = options(DescriptorKind::PowerSpectrum);
        o.gradient_positions = true;
        o.device = ComputeDevice::Cuda;
        bool refused = false;
        try {
            compute_descriptors(molecules, o, pool());
        } catch (const FailedPrecondition& e) {
            refused = std::string(e.what()).find("device \"cuda\"") != std::string::npos;
        }
        check::ok(refused, "device cuda with gradients: FailedPrecondition naming the device");
        o = options(DescriptorKind::LambdaSoap);
        o.device = ComputeDevice::Cuda;
        refused = false;
        try {
            compute_descriptors(molecules, o, pool());
        } catch (const FailedPrecondition&) {
            refused = true;
        }
        check::ok(refused, "device cuda for a kind without CUDA kernel: FailedPrecondition");
    }

    if (!status.usable()) {
        DescriptorOptions o = options(DescriptorKind::PowerSpectrum);
        o.device = ComputeDevice::Cuda;
        bool refused = false;
        try {
            compute_descriptors(molecules, o, pool());
        } catch (const FailedPrecondition& e) {
            refused = std::string(e.what()).find("cuda:") != std::string::npos;
        }
        check::ok(refused, "no usable GPU: device cuda is refused with the CUDA status");
        o.device = ComputeDevice::Auto;
        check::ok(relative_difference(compute_descriptors(molecules, o, pool()), on(ComputeDevice::Cpu, molecules, o)) == 0.0,
                  "no usable GPU: device auto runs on the CPU (bitwise the cpu result)");
        for (const char* name : {"spherical-expansion parity", "power-spectrum parity", "periodic parity", "large parity"})
            skip(name, describe_cuda_status(status));
        return check::finish();
    }

    for (DescriptorKind kind : {DescriptorKind::SphericalExpansion, DescriptorKind::PowerSpectrum}) {
        const std::string name = descriptor_kind_info(kind).name;
        for (auto [max_radial, max_angular] : {std::pair{3, 4}, std::pair{7, 6}, std::pair{15, 20}}) {
            DescriptorOptions o = options(kind, max_radial, max_angular);
            const double error = relative_difference(on(ComputeDevice::Cuda, molecules, o), on(ComputeDevice::Cpu, molecules, o));
            check::ok(error <= 1e-10, name + " molecules, max_radial " + std::to_string(max_radial) +
                                          ", max_angular " + std::to_string(max_angular) + ": GPU = CPU to 1e-10",
                      "relative difference " + std::to_string(error));
        }
        DescriptorOptions o = options(kind);
        const double periodic = relative_difference(on(ComputeDevice::Cuda, crystal, o), on(ComputeDevice::Cpu, crystal, o));
        check::ok(periodic <= 1e-10, name + " periodic: GPU = CPU to 1e-10",
                  "relative difference " + std::to_string(periodic));
    }
    // A request big enough for device auto to take the GPU: 1536-atom water, the same as the CPU.
    const std::vector<System> water = read_extended_xyz(data_file("bench/water64.xyz"));
    DescriptorOptions o = options(DescriptorKind::PowerSpectrum, 7, 6);
    std::vector<System> big(24, water.front());
    const double large = relative_difference(on(ComputeDevice::Auto, big, o), on(ComputeDevice::Cpu, big, o));
    check::ok(large <= 1e-10, "1536 atoms, device auto (GPU) = CPU to 1e-10", "relative difference " + std::to_string(large));
    return check::finish();
}
