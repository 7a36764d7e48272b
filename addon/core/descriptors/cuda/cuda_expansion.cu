// Spherical expansions on a GPU (cuda_expansion.hpp). One thread per neighbour pair evaluates the
// cutoff, the splined radial integrals and the real harmonics with the same host/device functions
// as the CPU (cutoff.hpp, radial_spline.hpp, spherical_harmonics_kernel.hpp) and adds
// fc I_nl Y_lm into its centre's expansion with atomic adds. The sums over pairs therefore run in
// another order than on the CPU: results agree to rounding (the parity test allows 1e-10 of each
// block's largest value), not bit for bit.
#include <cuda_runtime.h>

#include <string>

#include "core/base/cuda_status.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/cuda/cuda_expansion.hpp"
#include "core/descriptors/density/cutoff.hpp"
#include "core/descriptors/density/radial_spline.hpp"
#include "core/descriptors/registry.hpp"
#include "core/math/spherical_harmonics_kernel.hpp"

namespace hamd {

namespace {

// Sizes of the per-thread buffers: the proto's bounds of max_angular and max_radial.
constexpr int kMaxAngular = 20;
constexpr int kMaxRadial = 16;  // n_radial = max_radial + 1 <= 16

void check(cudaError_t error, const char* what) {
    if (error != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(error));
}

// A device array freed on scope exit (also when an exception unwinds).
template <class T>
struct DeviceArray {
    T* data = nullptr;
    explicit DeviceArray(size_t count) {
        if (count > 0) check(cudaMalloc(&data, count * sizeof(T)), "cudaMalloc");
    }
    DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) {
        if (!host.empty()) check(cudaMemcpy(data, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), "copy to device");
    }
    ~DeviceArray() {
        if (data) cudaFree(data);
    }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
};

struct PairInputs {
    const double* vectors;   // [pair][3]
    const int* centre;       // [pair] index into the request's centres
    const int* channel;      // [pair]
    int n_pairs;
};

struct ExpansionConstants {
    const double* spline;       // RadialIntegral::table()
    int spline_points;
    double spline_step;
    const double* harmonics;    // SphericalHarmonics::coefficients(): F_lm then recursion pairs
    int max_angular, n_radial, row_size;
    double cutoff, cutoff_width;
};

__global__ void add_pair_densities(PairInputs pairs, ExpansionConstants k, double* expansions) {
    const int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= pairs.n_pairs) return;
    const double* r = pairs.vectors + 3 * p;
    const double distance = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double dfc = 0.0;
    const double fc = cutoff_function(distance, k.cutoff, k.cutoff_width, &dfc);
    if (fc == 0.0) return;
    const int L = k.max_angular, N = k.n_radial, n_lm = (L + 1) * (L + 1);
    double radial[(kMaxAngular + 1) * kMaxRadial];
    double harmonics[(kMaxAngular + 1) * (kMaxAngular + 1)];
    evaluate_radial_spline(k.spline, k.spline_points, k.spline_step, (L + 1) * N, distance, radial, nullptr);
    real_spherical_harmonics<kMaxAngular>(L, k.harmonics, k.harmonics + n_lm, r, harmonics, nullptr);
    double* c = expansions + static_cast<size_t>(pairs.centre[p]) * n_lm * k.row_size + pairs.channel[p] * N;
    for (int l = 0; l <= L; ++l) {
        for (int m = 0; m < 2 * l + 1; ++m) {
            const double y = fc * harmonics[l * l + m];
            double* target = c + static_cast<size_t>(l * l + m) * k.row_size;
            for (int n = 0; n < N; ++n) atomicAdd(target + n, y * radial[l * N + n]);
        }
    }
}

}  // namespace

std::string cuda_expansion_unsupported(const DescriptorOptions& options) {
    const CudaStatus& status = cuda_status();
    if (!status.usable()) return describe_cuda_status(status);
    if (options.kind != DescriptorKind::SphericalExpansion && options.kind != DescriptorKind::PowerSpectrum)
        return "kind \"" + descriptor_kind_info(options.kind).name + "\" has no CUDA kernel (CUDA: spherical-expansion, power-spectrum)";
    if (options.gradient_positions || options.gradient_cell) return "gradients are computed on the CPU only in this build";
    if (options.hypers.max_angular > kMaxAngular || options.hypers.n_radial() > kMaxRadial)
        return "the CUDA kernels take max_angular <= 20 and max_radial <= 15";
    return "";
}

void compute_expansions_on_cuda(const ExpansionSetup& setup, const std::vector<System>& systems,
                                const std::vector<NeighborList>& lists, const std::vector<CentreRef>& centres,
                                std::vector<double>& values, const std::atomic<bool>* cancel) {
    const int n_lm = setup.n_lm(), row = setup.row_size(), N = setup.n_radial();
    const size_t per_centre = static_cast<size_t>(n_lm) * row;
    // The kept pairs of every centre, flattened (the CPU's neighbourhoods decide which are kept).
    std::vector<double> vectors;
    std::vector<int> pair_centre, pair_channel;
    CentreNeighbourhood neighbourhood;
    for (size_t c = 0; c < centres.size(); ++c) {
        collect_neighbourhood(setup, systems[centres[c].system], lists[centres[c].system], centres[c].atom, neighbourhood);
        for (size_t p = 0; p < neighbourhood.pairs.size(); ++p) {
            const Pair& pair = *neighbourhood.pairs[p];
            vectors.insert(vectors.end(), pair.vector, pair.vector + 3);
            pair_centre.push_back(static_cast<int>(c));
            pair_channel.push_back(neighbourhood.channel[p]);
        }
    }
    if (cancel && cancel->load()) throw Cancelled();

    const RadialIntegral& radial = setup.radial();
    DeviceArray<double> spline(radial.table()), harmonics(setup.harmonics().coefficients());
    DeviceArray<double> device_vectors(vectors);
    DeviceArray<int> device_centre(pair_centre), device_channel(pair_channel);
    DeviceArray<double> expansions(centres.size() * per_centre);
    if (!centres.empty()) check(cudaMemset(expansions.data, 0, centres.size() * per_centre * sizeof(double)), "cudaMemset");

    const int n_pairs = static_cast<int>(pair_centre.size());
    if (n_pairs > 0) {
        PairInputs inputs{device_vectors.data, device_centre.data, device_channel.data, n_pairs};
        ExpansionConstants constants{spline.data, radial.n_points(), radial.grid_step(), harmonics.data,
                                     setup.max_angular(), N, row, setup.hypers().cutoff, setup.hypers().cutoff_width};
        const int threads = 128;
        add_pair_densities<<<(n_pairs + threads - 1) / threads, threads>>>(inputs, constants, expansions.data);
        check(cudaGetLastError(), "kernel launch");
    }
    values.resize(centres.size() * per_centre);
    check(cudaMemcpy(values.data(), expansions.data, values.size() * sizeof(double), cudaMemcpyDeviceToHost), "copy to host");
    // The centre's own density (l = 0), added here as compute_expansion does.
    for (size_t c = 0; c < centres.size(); ++c) {
        const int channel = setup.channel(systems[centres[c].system].types[centres[c].atom]);
        if (channel < 0) continue;
        double* target = values.data() + c * per_centre + channel * N;
        for (int n = 0; n < N; ++n) target[n] += setup.centre_density()[n];
    }
}

}  // namespace hamd
