#include "core/models/hamiltonian/pair_order2.hpp"

#include <algorithm>
#include <string>

#include <Eigen/Dense>

#include "core/base/errors.hpp"

namespace hamd {

namespace {
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
int sigma_index(int sigma) { return sigma > 0 ? 0 : 1; }
}  // namespace

PairOrder2::PairOrder2(const ExpansionSetup& setup, int max_lambda, int components, int density_components,
                       std::shared_ptr<const PairOrder2Projection> projection)
    : setup_(setup), max_lambda_(max_lambda), row_(setup.row_size()), n_radial_(setup.n_radial()),
      projection_(std::move(projection)) {
    if (components <= 0 || density_components < 0)
        throw InvalidArgument("order-2 pair features need components > 0 and density components >= 0");
    const int L = setup.max_angular();
    contract_density_ = density_components > 0;
    density_out_ = contract_density_ ? std::min<size_t>(density_components, row_) : row_;
    for (int lambda1 = 0; lambda1 <= max_lambda; ++lambda1)
        for (int sigma1 : {1, -1}) {
            Block b;
            b.groups = product_groups(L, L, lambda1, sigma1);
            if (b.groups.empty()) continue;
            b.n_in = b.groups.size() * static_cast<size_t>(row_) * n_radial_;
            b.n_out = std::min<size_t>(components, b.n_in);
            k_max_ = std::max(k_max_, b.n_out);
            blocks_[{lambda1, sigma1}] = std::move(b);
        }
    for (int lambda = 0; lambda <= max_lambda; ++lambda)
        for (int sigma : {1, -1}) {
            std::vector<Path> paths;
            size_t offset = 0;
            for (int sigma1 : {1, -1})
                for (const ProductGroup& g : product_groups(max_lambda, L, lambda, sigma * sigma1)) {
                    const Block* b = block(g.l1, sigma1);
                    if (!b) continue;
                    paths.push_back({sigma_index(sigma1), {g}, b->n_out, offset});
                    offset += b->n_out * density_out_;
                }
            if (!paths.empty()) paths_[{lambda, sigma}] = std::move(paths);
        }
    if (projection_) {
        for (const auto& [key, u] : projection_->pair) {
            const Block* b = block(key[2], key[3]);
            if (!b || u.size() != b->n_in * b->n_out)
                throw InvalidArgument("order-2 pair projection (" + std::to_string(key[0]) + ", " + std::to_string(key[1]) +
                                      ", lambda " + std::to_string(key[2]) + ", sigma " + std::to_string(key[3]) +
                                      ") does not match the feature settings");
        }
        for (const auto& [key, u] : projection_->density)
            if (!contract_density_ || key[1] < 0 || key[1] > L || u.size() != static_cast<size_t>(row_) * density_out_)
                throw InvalidArgument("order-2 density projection (" + std::to_string(key[0]) + ", l " + std::to_string(key[1]) +
                                      ") does not match the feature settings");
    }
}

const PairOrder2::Block* PairOrder2::block(int lambda1, int sigma1) const {
    auto it = blocks_.find({lambda1, sigma1});
    return it == blocks_.end() ? nullptr : &it->second;
}

size_t PairOrder2::n_in(int lambda1, int sigma1) const {
    const Block* b = block(lambda1, sigma1);
    return b ? b->n_in : 0;
}

size_t PairOrder2::n_out(int lambda1, int sigma1) const {
    const Block* b = block(lambda1, sigma1);
    return b ? b->n_out : 0;
}

size_t PairOrder2::width(int lambda, int sigma) const {
    auto it = paths_.find({lambda, sigma});
    if (it == paths_.end()) return 0;
    return it->second.back().offset + it->second.back().k_count * density_out_;
}

void PairOrder2::order1(int lambda1, int sigma1, const double* c_i, const double* g_ij, double* out) const {
    const Block& b = *block(lambda1, sigma1);
    std::fill(out, out + (2 * lambda1 + 1) * b.n_in, 0.0);
    // The layout of hamiltonian_features' pair rows (groups, then a n1 n2), so that these are
    // exactly the first columns of a plain half.
    couple_products_add(b.groups, c_i, row_, g_ij, n_radial_, 1.0, out,
                        {b.n_in, static_cast<size_t>(row_) * n_radial_, static_cast<size_t>(n_radial_)});
}

void PairOrder2::contract_pair(int species_i, int species_j, const double* c_i, const double* g_ij, PairInputs& out) const {
    const size_t lm_count = static_cast<size_t>(max_lambda_ + 1) * (max_lambda_ + 1);
    for (auto& x : out.x) x.assign(lm_count * k_max_, 0.0);
    std::vector<double> raw;
    for (const auto& [ls, b] : blocks_) {
        const auto it = projection_->pair.find({species_i, species_j, ls.first, ls.second});
        if (it == projection_->pair.end()) continue;  // never fitted: zero (see the header)
        const int comps = 2 * ls.first + 1;
        raw.resize(comps * b.n_in);
        order1(ls.first, ls.second, c_i, g_ij, raw.data());
        const Eigen::Map<const RowMatrix> X(raw.data(), comps, b.n_in), P(it->second.data(), b.n_in, b.n_out);
        Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>> Y(out.x[sigma_index(ls.second)].data() + ls.first * ls.first * k_max_,
                                                         comps, b.n_out, Eigen::OuterStride<>(k_max_));
        Y.noalias() = X * P;
    }
}

void PairOrder2::contract_density(int species, const double* c, std::vector<double>& out) const {
    const int L = setup_.max_angular();
    out.assign(static_cast<size_t>(L + 1) * (L + 1) * density_out_, 0.0);
    if (!contract_density_) {
        std::copy(c, c + out.size(), out.begin());
        return;
    }
    for (int l = 0; l <= L; ++l) {
        const auto it = projection_->density.find({species, l});
        if (it == projection_->density.end()) continue;
        const Eigen::Map<const RowMatrix> X(c + static_cast<size_t>(l * l) * row_, 2 * l + 1, row_),
            Q(it->second.data(), row_, density_out_);
        Eigen::Map<RowMatrix>(out.data() + static_cast<size_t>(l * l) * density_out_, 2 * l + 1, density_out_).noalias() = X * Q;
    }
}

void PairOrder2::add(int lambda, int sigma, const PairInputs& pair, const std::vector<double>& density, double scale,
                     double* out, size_t out_stride) const {
    auto it = paths_.find({lambda, sigma});
    if (it == paths_.end()) return;
    const int q = static_cast<int>(density_out_);
    for (const Path& p : it->second)
        couple_products_add(p.group, pair.x[p.s].data(), static_cast<int>(k_max_), density.data(), q, scale, out,
                            {out_stride, 0, density_out_, p.offset}, 0, static_cast<int>(p.k_count));
}

}  // namespace hamd
