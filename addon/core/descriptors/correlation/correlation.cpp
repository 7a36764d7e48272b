#include "core/descriptors/correlation/correlation.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/base/errors.hpp"
#include "core/descriptors/correlation/contraction.hpp"

namespace hamd {

namespace {

// Any level with more properties than this is refused whatever the byte limit: its labels
// alone (several int32 per property) would take gigabytes.
constexpr size_t kMaxLevelProperties = size_t(1) << 22;

std::string level_name(int j) { return std::to_string(j); }

}  // namespace

Correlation::Correlation(const ExpansionSetup& setup, int order, int max_lambda, const CorrelationContraction* contraction,
                         size_t max_width_bytes, int upto)
    : setup_(setup), contraction_(contraction), order_(order) {
    if (order < 1 || order > 4) throw InvalidArgument("correlation_order = " + std::to_string(order) + " is outside 1..4");
    if (contraction) {
        if (contraction->species != setup.species() || contraction->max_radial != setup.hypers().max_radial ||
            contraction->max_angular != setup.max_angular()) {
            throw InvalidArgument("contraction: fitted for other species or max_radial/max_angular than this request");
        }
    }
    for (int j = 1; j <= (upto > 0 ? std::min(upto, order) : order); ++j) build_level(j, order, max_lambda, max_width_bytes);
}

void Correlation::build_level(int j, int order, int max_lambda, size_t max_width_bytes) {
    const int L = setup_.max_angular(), N = setup_.n_radial(), S = setup_.n_species();
    const uint32_t Q = static_cast<uint32_t>(S * N);
    const auto& z = setup_.species();
    CorrelationLevel level;
    const int top = j == order ? max_lambda : std::min(j * L, max_lambda + (order - j) * L);
    if (j == 1) {
        for (int l = 0; l <= std::min(L, top); ++l) {
            CorrelationBlock block;
            block.lambda = l;
            block.sigma = 1;
            block.n_properties = Q;
            block.properties.names = {"neighbor_1_type", "n_1", "l_1"};
            for (int a = 0; a < S; ++a)
                for (int n = 0; n < N; ++n) {
                    block.properties.values.insert(block.properties.values.end(), {z[a], n, l});
                    block.last_factor.push_back((a * N + n) * (L + 1) + l);
                }
            level.blocks.push_back(std::move(block));
        }
    } else {
        const CorrelationLevel& input = levels_[j - 2];
        const bool after_contraction = input.contracted;
        size_t running = 0, running_width = 0;  // checked while the runs grow, before they take memory
        auto check_size = [&](size_t added, int lambda) {
            running += added;
            running_width += (2 * lambda + 1) * added;
            if (running > kMaxLevelProperties) {
                throw ResourceExhausted("correlation level " + level_name(j) + " would have over " +
                                        std::to_string(kMaxLevelProperties) + " properties: lower correlation_order, "
                                        "max_radial, max_angular or max_lambda, or use a contraction");
            }
            if (j == order && max_width_bytes != 0 && running_width * 8 > max_width_bytes) {
                throw ResourceExhausted("one centre's correlation features would take over " + std::to_string(max_width_bytes) +
                                        " bytes, the limit (lower correlation_order, max_radial, max_angular or max_lambda, "
                                        "or use a contraction)");
            }
        };
        for (int lambda = 0; lambda <= top; ++lambda) {
            for (int sigma : {1, -1}) {
                CorrelationBlock block;
                block.lambda = lambda;
                block.sigma = sigma;
                for (size_t b = 0; b < input.blocks.size(); ++b) {
                    const CorrelationBlock& in = input.blocks[b];
                    for (int l = 0; l <= L; ++l) {
                        if (lambda < std::abs(in.lambda - l) || lambda > in.lambda + l) continue;
                        if (in.sigma * ((in.lambda + l + lambda) % 2 == 0 ? 1 : -1) != sigma) continue;
                        CorrelationBlock::Path path{static_cast<int>(b), l, real_clebsch_gordan(in.lambda, l, lambda), {}};
                        for (uint32_t p = 0; p < in.n_kept; ++p) {
                            uint32_t first = 0;
                            if (!after_contraction) {
                                const int32_t last = in.last_factor[p];
                                const uint32_t q0 = static_cast<uint32_t>(last / (L + 1));
                                const int l0 = last % (L + 1);
                                first = q0 + (l < l0 ? 1 : 0);  // (a', n', l) >= (a, n, l0)
                            }
                            if (first >= Q) continue;
                            path.runs.push_back({p, first, block.n_properties});
                            block.n_properties += Q - first;
                        }
                        if (path.runs.empty()) continue;
                        check_size(block.n_properties - path.runs.front().offset, lambda);
                        block.paths.push_back(std::move(path));
                    }
                }
                if (block.n_properties > 0) level.blocks.push_back(std::move(block));
            }
        }
    }
    if (j > 1) {
        const CorrelationLevel& input = levels_[j - 2];
        for (auto& block : level.blocks) {
            Labels& labels = block.properties;
            if (input.contracted) {
                labels.names = {"pc_" + level_name(j - 1), "k_" + level_name(j - 1), "sigma_" + level_name(j - 1)};
            } else {
                labels.names = input.blocks.front().properties.names;
                if (j - 1 >= 2) labels.names.push_back("k_" + level_name(j - 1));
            }
            labels.names.insert(labels.names.end(), {"neighbor_" + level_name(j) + "_type", "n_" + level_name(j),
                                                     "l_" + level_name(j)});
            const size_t width_labels = labels.names.size();
            labels.values.reserve(block.n_properties * width_labels);
            block.last_factor.reserve(block.n_properties);
            for (const auto& path : block.paths) {
                const CorrelationBlock& in = input.blocks[path.input_block];
                const size_t in_width = in.properties.names.size();
                for (const auto& run : path.runs) {
                    for (uint32_t q = run.first; q < Q; ++q) {
                        if (input.contracted) {
                            labels.values.insert(labels.values.end(),
                                                 {static_cast<int32_t>(run.input), in.lambda, in.sigma});
                        } else {
                            const int32_t* from = in.properties.values.data() + run.input * in_width;
                            labels.values.insert(labels.values.end(), from, from + in_width);
                            if (j - 1 >= 2) labels.values.push_back(in.lambda);
                        }
                        labels.values.insert(labels.values.end(), {z[q / N], static_cast<int32_t>(q % N), path.l});
                        block.last_factor.push_back(static_cast<int32_t>(q * (L + 1) + path.l));
                    }
                }
            }
        }
    }
    // The level's contraction, if the contraction covers it and it is not the output level.
    level.contracted = contraction_ != nullptr && j < order && contraction_->contracts(j);
    for (auto& block : level.blocks) {
        block.n_kept = block.n_properties;
        if (level.contracted) {
            const ContractionBlock* c = contraction_->find(j, block.lambda, block.sigma);
            if (c == nullptr || c->n_in != block.n_properties) {
                throw InvalidArgument("contraction: no transform of level " + level_name(j) + " block (lambda " +
                                      std::to_string(block.lambda) + ", sigma " + std::to_string(block.sigma) +
                                      ") with " + std::to_string(block.n_properties) +
                                      " inputs (fitted for another correlation_order or max_lambda?)");
            }
            block.n_kept = c->n_out;
            block.contraction = c;
        }
        block.offset = level.raw_size;
        block.kept_offset = level.kept_size;
        level.raw_size += (2 * block.lambda + 1) * block.n_properties;
        level.kept_size += (2 * block.lambda + 1) * block.n_kept;
    }
    levels_.push_back(std::move(level));
}

// out (level j raw layout) += CG products of `input` (level j - 1 kept layout) with `rho`
// (expansion layout).
void Correlation::couple(int j, const double* input, const double* rho, double* out) const {
    const uint32_t Q = static_cast<uint32_t>(setup_.row_size());
    const CorrelationLevel& level = levels_[j - 1];
    const CorrelationLevel& previous = levels_[j - 2];
    for (const auto& block : level.blocks) {
        double* target = out + block.offset;
        const size_t width = block.n_properties;
        for (const auto& path : block.paths) {
            const CorrelationBlock& in = previous.blocks[path.input_block];
            const double* x_block = input + in.kept_offset;
            for (const auto& entry : path.cg->nonzero) {
                const double* x = x_block + static_cast<size_t>(entry.m1) * in.n_kept;
                const double* r = rho + static_cast<size_t>(path.l * path.l + entry.m2) * Q;
                double* t = target + static_cast<size_t>(entry.mu) * width;
                for (const auto& run : path.runs) {
                    const double xv = entry.value * x[run.input];
                    if (xv == 0.0) continue;
                    double* tt = t + run.offset;
                    const double* rr = r + run.first;
                    for (uint32_t q = 0; q < Q - run.first; ++q) tt[q] += xv * rr[q];
                }
            }
        }
    }
}

void Correlation::project(int j, int32_t centre_type, const double* raw, double* kept) const {
    const CorrelationLevel& level = levels_[j - 1];
    for (const auto& block : level.blocks) {
        const int n_mu = 2 * block.lambda + 1;
        if (!level.contracted) {
            std::copy(raw + block.offset, raw + block.offset + n_mu * block.n_properties, kept + block.kept_offset);
            continue;
        }
        const auto found = block.contraction->transform.find(centre_type);
        if (found == block.contraction->transform.end()) {
            throw InvalidArgument("contraction: no transform for centre type " + std::to_string(centre_type) +
                                  " (not in the structures it was fitted on)");
        }
        using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        Eigen::Map<const RowMajor> x(raw + block.offset, n_mu, block.n_properties);
        Eigen::Map<const RowMajor> u(found->second.data(), block.n_properties, block.n_kept);
        Eigen::Map<RowMajor> y(kept + block.kept_offset, n_mu, block.n_kept);
        y.noalias() = x * u;
    }
}

void Correlation::values(const double* expansion, int32_t centre_type, int upto, Workspace& ws) const {
    ws.raw.resize(levels_.size());
    ws.kept.resize(levels_.size());
    for (int j = 1; j <= upto; ++j) {
        const CorrelationLevel& level = levels_[j - 1];
        auto& raw = ws.raw[j - 1];
        raw.resize(level.raw_size);
        if (j == 1) {
            std::copy(expansion, expansion + level.raw_size, raw.begin());  // blocks l are rows l^2.. of the expansion
        } else {
            std::fill(raw.begin(), raw.end(), 0.0);
            couple(j, ws.kept[j - 2].data(), expansion, raw.data());
        }
        ws.kept[j - 1].resize(level.kept_size);
        project(j, centre_type, raw.data(), ws.kept[j - 1].data());
    }
}

void Correlation::derivatives(const double* expansion, const double* dexpansion, size_t plane, int channel,
                              int32_t centre_type, int upto, Workspace& ws) const {
    ws.draw.resize(levels_.size());
    ws.dkept.resize(levels_.size());
    for (int j = 1; j <= upto; ++j) {
        const CorrelationLevel& level = levels_[j - 1];
        auto& draw = ws.draw[j - 1];
        draw.resize(3 * level.raw_size);
        double* const out[3] = {draw.data(), draw.data() + level.raw_size, draw.data() + 2 * level.raw_size};
        if (j == 1) {
            for (int d = 0; d < 3; ++d) std::copy(dexpansion + d * plane, dexpansion + d * plane + level.raw_size, out[d]);
        } else {
            // product rule: d(X (x) rho) = dX (x) rho + X (x) d rho
            std::fill(draw.begin(), draw.end(), 0.0);
            const size_t in_size = levels_[j - 2].kept_size;
            const double* dk = ws.dkept[j - 2].data();
            const double* const dinput[3] = {dk, dk + in_size, dk + 2 * in_size};
            const double* const drho[3] = {dexpansion, dexpansion + plane, dexpansion + 2 * plane};
            couple_dinput(j, dinput, expansion, out);
            couple_drho(j, ws.kept[j - 2].data(), drho, out, channel);
        }
        ws.dkept[j - 1].resize(3 * level.kept_size);
        for (int d = 0; d < 3; ++d) project(j, centre_type, out[d], ws.dkept[j - 1].data() + d * level.kept_size);
    }
}

void Correlation::couple_dinput(int j, const double* const dinput[3], const double* rho, double* const out[3]) const {
    const uint32_t Q = static_cast<uint32_t>(setup_.row_size());
    const CorrelationLevel& level = levels_[j - 1];
    const CorrelationLevel& previous = levels_[j - 2];
    for (const auto& block : level.blocks) {
        const size_t width = block.n_properties;
        for (const auto& path : block.paths) {
            const CorrelationBlock& in = previous.blocks[path.input_block];
            for (const auto& entry : path.cg->nonzero) {
                const size_t x_at = in.kept_offset + static_cast<size_t>(entry.m1) * in.n_kept;
                const double *x0 = dinput[0] + x_at, *x1 = dinput[1] + x_at, *x2 = dinput[2] + x_at;
                const double* r = rho + static_cast<size_t>(path.l * path.l + entry.m2) * Q;
                const size_t t_at = block.offset + static_cast<size_t>(entry.mu) * width;
                double *t0 = out[0] + t_at, *t1 = out[1] + t_at, *t2 = out[2] + t_at;
                for (const auto& run : path.runs) {
                    const double v0 = entry.value * x0[run.input], v1 = entry.value * x1[run.input],
                                 v2 = entry.value * x2[run.input];
                    if (v0 == 0.0 && v1 == 0.0 && v2 == 0.0) continue;
                    const size_t shift = run.offset - run.first;
                    for (uint32_t q = run.first; q < Q; ++q) {
                        const double rq = r[q];
                        t0[shift + q] += v0 * rq;
                        t1[shift + q] += v1 * rq;
                        t2[shift + q] += v2 * rq;
                    }
                }
            }
        }
    }
}

void Correlation::couple_drho(int j, const double* input, const double* const drho[3], double* const out[3],
                              int channel) const {
    const int N = setup_.n_radial();
    const uint32_t Q = static_cast<uint32_t>(setup_.row_size());
    const CorrelationLevel& level = levels_[j - 1];
    const CorrelationLevel& previous = levels_[j - 2];
    const uint32_t lo = channel >= 0 ? static_cast<uint32_t>(channel * N) : 0;
    const uint32_t hi = channel >= 0 ? static_cast<uint32_t>((channel + 1) * N) : Q;
    for (const auto& block : level.blocks) {
        const size_t width = block.n_properties;
        for (const auto& path : block.paths) {
            const CorrelationBlock& in = previous.blocks[path.input_block];
            for (const auto& entry : path.cg->nonzero) {
                const double* x = input + in.kept_offset + static_cast<size_t>(entry.m1) * in.n_kept;
                const size_t r_at = static_cast<size_t>(path.l * path.l + entry.m2) * Q;
                const double *r0 = drho[0] + r_at, *r1 = drho[1] + r_at, *r2 = drho[2] + r_at;
                const size_t t_at = block.offset + static_cast<size_t>(entry.mu) * width;
                double *t0 = out[0] + t_at, *t1 = out[1] + t_at, *t2 = out[2] + t_at;
                for (const auto& run : path.runs) {
                    const double xv = entry.value * x[run.input];
                    if (xv == 0.0) continue;
                    const size_t shift = run.offset - run.first;
                    for (uint32_t q = std::max(run.first, lo); q < hi; ++q) {
                        t0[shift + q] += xv * r0[q];
                        t1[shift + q] += xv * r1[q];
                        t2[shift + q] += xv * r2[q];
                    }
                }
            }
        }
    }
}

}  // namespace hamd
