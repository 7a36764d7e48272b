#include "core/descriptors/correlation/contraction.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>

#include "core/base/errors.hpp"
#include "core/descriptors/correlation/correlation.hpp"
#include "core/descriptors/correlation/equivariant_pca.hpp"
#include "core/io/model_archive.hpp"
#include "core/io/npz.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/systems/neighbors.hpp"

namespace hamd {

bool CorrelationContraction::contracts(int level) const {
    for (const auto& block : blocks)
        if (block.level == level) return true;
    return false;
}

const ContractionBlock* CorrelationContraction::find(int level, int lambda, int sigma) const {
    for (const auto& block : blocks)
        if (block.level == level && block.lambda == lambda && block.sigma == sigma) return &block;
    return nullptr;
}

namespace {

// The neighbour channels as the engine resolves them (engine.cpp): given, or all present.
std::vector<int32_t> channels(const std::vector<System>& systems, const std::vector<int32_t>& requested) {
    std::set<int32_t> set(requested.begin(), requested.end());
    if (requested.empty())
        for (const auto& system : systems) set.insert(system.types.begin(), system.types.end());
    return {set.begin(), set.end()};
}

// Leading eigenvectors to keep out of `values` (descending) for the settings.
size_t kept_count(const std::vector<double>& values, const ContractionSettings& settings) {
    size_t count = values.size();
    if (settings.variance_fraction < 1.0) {
        double trace = 0;
        for (double v : values) trace += std::max(v, 0.0);
        double sum = 0;
        count = 0;
        while (count < values.size() && (count == 0 || sum < settings.variance_fraction * trace)) sum += std::max(values[count++], 0.0);
    }
    if (settings.max_components > 0) count = std::min(count, static_cast<size_t>(settings.max_components));
    return std::max<size_t>(count, std::min<size_t>(1, values.size()));
}

}  // namespace

CorrelationContraction fit_correlation_contraction(const std::vector<System>& systems, const DescriptorOptions& options,
                                                   const ContractionSettings& settings, ThreadPool& pool) {
    if (options.kind != DescriptorKind::Correlation) throw InvalidArgument("contraction: only for kind \"correlation\"");
    if (!(settings.variance_fraction > 0.0) || settings.max_components < 0) {
        throw InvalidArgument("contraction: variance_fraction must be > 0 and max_components >= 0");
    }
    validate_hypers(options.hypers);
    for (size_t k = 0; k < systems.size(); ++k) validate_system(systems[k], k);
    CorrelationContraction result;
    result.species = channels(systems, options.species);
    result.max_radial = options.hypers.max_radial;
    result.max_angular = options.hypers.max_angular;
    result.correlation_order = options.correlation_order.value_or(kDefaultCorrelationOrder);
    result.max_lambda = options.max_lambda < 0 ? kDefaultCorrelationMaxLambda : options.max_lambda;
    result.variance_fraction = settings.variance_fraction;
    result.max_components = settings.max_components;
    if (result.correlation_order < 2 || result.correlation_order > 4) {
        throw InvalidArgument("contraction: correlation_order must be 2..4 (levels 1..order-1 are contracted)");
    }
    const ExpansionSetup setup(options.hypers, result.species);
    std::vector<NeighborList> lists(systems.size());
    pool.parallel_for(systems.size(), [&](size_t s) { lists[s] = build_neighbor_list(systems[s], options.hypers.cutoff); },
                      options.max_threads);

    for (int j = 1; j < result.correlation_order; ++j) {
        // Features of level j with the contraction of the levels below (the blocks so far).
        const Correlation correlation(setup, result.correlation_order, result.max_lambda, j > 1 ? &result : nullptr, 0, j);
        const CorrelationLevel& level = correlation.level(j);
        // covariance[block][centre type], accumulated per structure under a lock
        std::vector<std::map<int32_t, Eigen::MatrixXd>> covariance(level.blocks.size());
        std::map<int32_t, double> samples;
        std::mutex mutex;
        pool.parallel_for(systems.size(), [&](size_t s) {
            CentreNeighbourhood nh;
            CentreExpansion expansion;
            Correlation::Workspace ws;
            std::vector<std::map<int32_t, Eigen::MatrixXd>> local(level.blocks.size());
            std::map<int32_t, double> counted;
            for (size_t i = 0; i < systems[s].size(); ++i) {
                collect_neighbourhood(setup, systems[s], lists[s], static_cast<int32_t>(i), nh);
                compute_expansion(setup, nh, false, expansion);
                correlation.values(expansion.values.data(), nh.centre_type, j, ws);
                counted[nh.centre_type] += 1;
                for (size_t b = 0; b < level.blocks.size(); ++b) {
                    const CorrelationBlock& block = level.blocks[b];
                    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
                    Eigen::Map<const RowMajor> x(ws.raw[j - 1].data() + block.offset, 2 * block.lambda + 1, block.n_properties);
                    auto& c = local[b][nh.centre_type];
                    if (c.size() == 0) c = Eigen::MatrixXd::Zero(block.n_properties, block.n_properties);
                    c.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
                }
            }
            std::lock_guard<std::mutex> lock(mutex);
            for (const auto& [type, n] : counted) samples[type] += n;
            for (size_t b = 0; b < local.size(); ++b)
                for (auto& [type, c] : local[b]) {
                    auto& total = covariance[b][type];
                    if (total.size() == 0) total = std::move(c);
                    else total += c;
                }
        }, options.max_threads);

        std::vector<ContractionBlock> fitted;
        for (size_t b = 0; b < level.blocks.size(); ++b) {
            const CorrelationBlock& block = level.blocks[b];
            ContractionBlock out;
            out.level = j;
            out.lambda = block.lambda;
            out.sigma = block.sigma;
            out.n_in = block.n_properties;
            std::map<int32_t, SymmetricEigen> eigen;
            for (auto& [type, c] : covariance[b]) {
                c /= samples[type] * (2 * block.lambda + 1);
                eigen[type] = symmetric_eigen(c);
                std::vector<double> values(eigen[type].values.data(), eigen[type].values.data() + out.n_in);
                std::reverse(values.begin(), values.end());
                out.n_out = std::max(out.n_out, kept_count(values, settings));
                out.eigenvalues[type] = std::move(values);
            }
            for (auto& [type, e] : eigen) out.transform[type] = leading_eigenvectors(e, out.n_out);
            fitted.push_back(std::move(out));
        }
        const bool full_rank = std::all_of(fitted.begin(), fitted.end(), [](const ContractionBlock& b) { return b.n_out == b.n_in; });
        if (!(full_rank && settings.skip_full_rank_levels)) result.blocks.insert(result.blocks.end(), fitted.begin(), fitted.end());
    }
    return result;
}

// A model file (core/io/model_archive.hpp: format, format_version, checksum, written atomically)
// with the arrays species, max_radial, max_angular, correlation_order, max_lambda,
// variance_fraction, max_components; "blocks" int64 [n][6] = (level, lambda, sigma, center_type,
// n_in, n_out); per row r "transform_r" float64 [n_in][n_out] and "eigenvalues_r" float64
// [n_in]. Version 1 (before the daemon could load contractions) had no checksum; refit those.
std::string save_correlation_contraction(const std::string& path, const CorrelationContraction& c) {
    NpzArchive archive;
    archive["format"] = NpyArray::scalar_string(kCorrelationContractionFormat);
    archive["format_version"] = NpyArray::scalar_int(kCorrelationContractionFormatVersion);
    archive["species"] = NpyArray::int32({c.species.begin(), c.species.end()}, {c.species.size()});
    archive["max_radial"] = NpyArray::scalar_int(c.max_radial);
    archive["max_angular"] = NpyArray::scalar_int(c.max_angular);
    archive["correlation_order"] = NpyArray::scalar_int(c.correlation_order);
    archive["max_lambda"] = NpyArray::scalar_int(c.max_lambda);
    archive["variance_fraction"] = NpyArray::scalar(c.variance_fraction);
    archive["max_components"] = NpyArray::scalar_int(c.max_components);
    std::vector<int64_t> table;
    size_t row = 0;
    for (const auto& block : c.blocks) {
        for (const auto& [type, u] : block.transform) {
            table.insert(table.end(), {block.level, block.lambda, block.sigma, type, static_cast<int64_t>(block.n_in),
                                       static_cast<int64_t>(block.n_out)});
            archive["transform_" + std::to_string(row)] = NpyArray::float64(u, {block.n_in, block.n_out});
            const auto& e = block.eigenvalues.at(type);
            archive["eigenvalues_" + std::to_string(row)] = NpyArray::float64(e, {e.size()});
            ++row;
        }
    }
    archive["blocks"] = NpyArray::int64(table, {row, 6});
    return write_model_archive(std::move(archive), path);
}

CorrelationContraction load_correlation_contraction(const std::string& path) {
    const NpzArchive archive = read_model_archive(path, kCorrelationContractionFormat, kCorrelationContractionFormatVersion,
                                                  "hamd correlation contraction");
    CorrelationContraction c;
    c.checksum = npz_string(archive, "checksum", path);
    for (int64_t z : npz_get(archive, "species", NpyType::Int32, path).i64) c.species.push_back(static_cast<int32_t>(z));
    c.max_radial = static_cast<int>(npz_int(archive, "max_radial", path));
    c.max_angular = static_cast<int>(npz_int(archive, "max_angular", path));
    c.correlation_order = static_cast<int>(npz_int(archive, "correlation_order", path));
    c.max_lambda = static_cast<int>(npz_int(archive, "max_lambda", path));
    c.variance_fraction = npz_get(archive, "variance_fraction", NpyType::Float64, path).f64.at(0);
    c.max_components = static_cast<int>(npz_int(archive, "max_components", path));
    const NpyArray& table = npz_get(archive, "blocks", NpyType::Int64, path);
    if (table.shape.size() != 2 || table.shape[1] != 6) throw InvalidArgument(path + ": entry 'blocks' is not [n][6]");
    for (size_t r = 0; r < table.shape[0]; ++r) {
        const int64_t* t = table.i64.data() + 6 * r;
        ContractionBlock* block = const_cast<ContractionBlock*>(c.find(static_cast<int>(t[0]), static_cast<int>(t[1]), static_cast<int>(t[2])));
        if (block == nullptr) {
            c.blocks.push_back({static_cast<int>(t[0]), static_cast<int>(t[1]), static_cast<int>(t[2]),
                                static_cast<size_t>(t[4]), static_cast<size_t>(t[5]), {}, {}});
            block = &c.blocks.back();
        }
        const NpyArray& u = npz_get(archive, "transform_" + std::to_string(r), NpyType::Float64, path);
        const NpyArray& e = npz_get(archive, "eigenvalues_" + std::to_string(r), NpyType::Float64, path);
        if (block->n_in != static_cast<size_t>(t[4]) || block->n_out != static_cast<size_t>(t[5]) ||
            u.shape != std::vector<size_t>{block->n_in, block->n_out} || e.size() != block->n_in) {
            throw InvalidArgument(path + ": transform_" + std::to_string(r) + " does not have the shape in 'blocks'");
        }
        block->transform[static_cast<int32_t>(t[3])] = u.f64;
        block->eigenvalues[static_cast<int32_t>(t[3])] = e.f64;
    }
    return c;
}

}  // namespace hamd
