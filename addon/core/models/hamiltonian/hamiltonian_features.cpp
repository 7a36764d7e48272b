#include "core/models/hamiltonian/hamiltonian_features.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/math/clebsch_gordan.hpp"
#include "core/descriptors/density/cutoff.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/soap/lambda_soap.hpp"
#include "core/systems/neighbors.hpp"
#include "core/descriptors/density/spherical_expansion.hpp"

namespace hamd {

bool has_bias(const FeatureFamilyKey& family) {
    return family.lambda == 0 && family.sigma == 1 && family.block_type != kBlockSameSpeciesMinus;
}

FeatureFamilyKey feature_family_of(const BlockKey& key) {
    return {key.block_type, key.species_i, key.species_j, key.lambda, key.sigma};
}

namespace {

struct PairGroup {
    int l1, l2;
    size_t offset;
    std::shared_ptr<const CGBlock> cg;
};

struct PairFamily {
    std::vector<PairGroup> groups;
    size_t width = 0;  // one half (rho_ij)
};

}  // namespace

struct HamiltonianFeaturizer::Impl {
    ExpansionSetup setup;
    LambdaSoap soap;
    std::map<std::pair<int, int>, PairFamily> pair_families;  // (lambda, sigma)

    Impl(const HamiltonianFeatureSettings& s)
        : setup(s.hypers, s.species), soap(setup, s.max_lambda) {
        const int L = s.hypers.max_angular, S = setup.n_species(), N = setup.n_radial();
        for (int lambda = 0; lambda <= s.max_lambda; ++lambda)
            for (int sigma : {-1, 1}) {
                PairFamily family;
                for (int l1 = 0; l1 <= L; ++l1)
                    for (int l2 = 0; l2 <= L; ++l2) {
                        if (lambda < std::abs(l1 - l2) || lambda > l1 + l2) continue;
                        if (((l1 + l2 + lambda) % 2 == 0 ? 1 : -1) != sigma) continue;
                        family.groups.push_back({l1, l2, family.width, real_clebsch_gordan(l1, l2, lambda)});
                        family.width += static_cast<size_t>(S) * N * N;
                    }
                if (family.width > 0) pair_families[{lambda, sigma}] = std::move(family);
            }
    }

    const LambdaSoap::Family* soap_family(int lambda, int sigma) const {
        for (const auto& f : soap.families())
            if (f.lambda == lambda && f.sigma == sigma) return &f;
        return nullptr;
    }
    const PairFamily* pair_family(int lambda, int sigma) const {
        auto it = pair_families.find({lambda, sigma});
        return it == pair_families.end() ? nullptr : &it->second;
    }

    // out[mu][offset ...] += scale * CG(c_i, g): c in expansion layout, g[lm][n].
    void couple_pair(const PairFamily& family, const double* c, const double* g, double scale, double* out,
                     size_t out_width) const {
        const int S = setup.n_species(), N = setup.n_radial(), row = setup.row_size();
        for (const PairGroup& group : family.groups) {
            for (const auto& e : group.cg->nonzero) {
                const double* x = c + static_cast<size_t>(group.l1 * group.l1 + e.m1) * row;
                const double* y = g + static_cast<size_t>(group.l2 * group.l2 + e.m2) * N;
                double* target = out + e.mu * out_width + group.offset;
                const double v = scale * e.value;
                for (int a = 0; a < S; ++a)
                    for (int n1 = 0; n1 < N; ++n1) {
                        const double xv = v * x[a * N + n1];
                        double* t = target + (a * N + n1) * N;
                        for (int n2 = 0; n2 < N; ++n2) t[n2] += xv * y[n2];
                    }
            }
        }
    }
};

HamiltonianFeaturizer::HamiltonianFeaturizer(const HamiltonianFeatureSettings& settings) : settings_(settings) {
    validate_hypers(settings_.hypers);
    if (settings_.species.empty()) throw InvalidArgument("Hamiltonian features need at least one species");
    std::sort(settings_.species.begin(), settings_.species.end());
    if (settings_.max_lambda < 0 || settings_.max_lambda > 2 * settings_.hypers.max_angular)
        throw InvalidArgument("max_lambda must be in 0..2 max_angular");
    impl_ = std::make_unique<Impl>(settings_);
}

HamiltonianFeaturizer::~HamiltonianFeaturizer() = default;

int HamiltonianFeaturizer::width(const FeatureFamilyKey& family) const {
    const bool bias = has_bias(family);
    if (family.block_type == kBlockOnSite) {
        const auto* f = impl_->soap_family(family.lambda, family.sigma);
        return f ? static_cast<int>(f->n_properties) + bias : 0;
    }
    const auto* f = impl_->pair_family(family.lambda, family.sigma);
    if (!f) return 0;
    const int half = static_cast<int>(f->width);
    return (family.block_type == kBlockDifferentSpecies ? 2 * half : half) + bias;
}

StructureFeatures HamiltonianFeaturizer::compute(const System& system, const std::vector<FeatureFamilyKey>& wanted) const {
    const ExpansionSetup& setup = impl_->setup;
    const int n_atoms = static_cast<int>(system.size());
    const int N = setup.n_radial(), n_lm = setup.n_lm(), L = setup.max_angular();
    const double cutoff = settings_.hypers.cutoff;

    // Families to produce.
    std::vector<FeatureFamilyKey> families = wanted;
    if (families.empty()) {
        std::vector<int32_t> present(system.types.begin(), system.types.end());
        std::sort(present.begin(), present.end());
        present.erase(std::unique(present.begin(), present.end()), present.end());
        for (int lambda = 0; lambda <= settings_.max_lambda; ++lambda)
            for (int sigma : {-1, 1})
                for (size_t a = 0; a < present.size(); ++a)
                    for (size_t b = a; b < present.size(); ++b) {
                        if (a == b) {
                            families.push_back({kBlockOnSite, present[a], present[a], lambda, sigma});
                            families.push_back({kBlockSameSpeciesPlus, present[a], present[a], lambda, sigma});
                            families.push_back({kBlockSameSpeciesMinus, present[a], present[a], lambda, sigma});
                        } else {
                            families.push_back({kBlockDifferentSpecies, present[a], present[b], lambda, sigma});
                        }
                    }
    }

    // Per-centre expansions.
    const NeighborList list = build_neighbor_list(system, cutoff);
    std::vector<std::vector<double>> expansion(n_atoms);
    {
        CentreNeighbourhood nh;
        CentreExpansion e;
        for (int i = 0; i < n_atoms; ++i) {
            collect_neighbourhood(setup, system, list, i, nh);
            compute_expansion(setup, nh, false, e);
            expansion[i] = e.values;
        }
    }
    // Pair terms g_ij[lm][n] for every ordered pair within the cutoff (molecules: no images).
    struct PairTerm { int i, j; std::vector<double> g; };
    std::vector<int> pair_of(static_cast<size_t>(n_atoms) * n_atoms, -1);
    std::vector<PairTerm> pairs;
    {
        std::vector<double> R((L + 1) * N), Y(n_lm);
        for (int i = 0; i < n_atoms; ++i)
            for (int j = 0; j < n_atoms; ++j) {
                if (i == j) continue;
                double v[3];
                for (int d = 0; d < 3; ++d) v[d] = system.positions[3 * j + d] - system.positions[3 * i + d];
                const double r = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
                if (!(r < cutoff) || r <= 0) continue;
                double dfc;
                const double fc = cutoff_function(r, cutoff, settings_.hypers.cutoff_width, &dfc);
                setup.radial().compute(r, R.data(), nullptr);
                setup.harmonics().compute(v, Y.data(), nullptr);
                PairTerm term{i, j, std::vector<double>(static_cast<size_t>(n_lm) * N)};
                for (int l = 0; l <= L; ++l)
                    for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm)
                        for (int n = 0; n < N; ++n) term.g[lm * N + n] = fc * Y[lm] * R[l * N + n];
                pair_of[static_cast<size_t>(i) * n_atoms + j] = static_cast<int>(pairs.size());
                pairs.push_back(std::move(term));
            }
    }

    StructureFeatures result;
    for (const FeatureFamilyKey& key : families) {
        const int w = width(key);
        if (w == 0) continue;
        FeatureBlock block;
        block.components = 2 * key.lambda + 1;
        block.width = w;
        block.n_atoms = n_atoms;
        block.sample_index.assign(static_cast<size_t>(n_atoms) * n_atoms, -1);
        const bool bias = has_bias(key);
        if (key.block_type == kBlockOnSite) {
            for (int i = 0; i < n_atoms; ++i)
                if (system.types[i] == key.species_i) block.samples.push_back({i, i});
        } else {
            for (int i = 0; i < n_atoms; ++i)
                for (int j = 0; j < n_atoms; ++j) {
                    if (i == j || pair_of[static_cast<size_t>(i) * n_atoms + j] < 0) continue;
                    const int zi = system.types[i], zj = system.types[j];
                    if (key.block_type == kBlockDifferentSpecies) {
                        if (zi == key.species_i && zj == key.species_j) block.samples.push_back({i, j});
                    } else if (i < j && zi == key.species_i && zj == key.species_i) {
                        block.samples.push_back({i, j});
                    }
                }
        }
        if (block.samples.empty()) continue;
        const size_t stride = static_cast<size_t>(block.components) * w;
        block.values.assign(block.samples.size() * stride, 0.0);
        for (size_t s = 0; s < block.samples.size(); ++s) {
            const int i = block.samples[s][0], j = block.samples[s][1];
            block.sample_index[static_cast<size_t>(i) * n_atoms + j] = static_cast<int>(s);
            double* out = block.values.data() + s * stride;
            if (key.block_type == kBlockOnSite) {
                impl_->soap.couple(*impl_->soap_family(key.lambda, key.sigma), expansion[i].data(), expansion[i].data(), out);
                // Rows are n_properties wide; with a bias (lambda = 0: one component) it follows them.
            } else {
                const PairFamily& pf = *impl_->pair_family(key.lambda, key.sigma);
                const double* gij = pairs[pair_of[static_cast<size_t>(i) * n_atoms + j]].g.data();
                const double* gji = pairs[pair_of[static_cast<size_t>(j) * n_atoms + i]].g.data();
                if (key.block_type == kBlockDifferentSpecies) {
                    impl_->couple_pair(pf, expansion[i].data(), gij, 1.0, out, w);
                    impl_->couple_pair(pf, expansion[j].data(), gji, 1.0, out + pf.width, w);
                } else {
                    const double sign = key.block_type == kBlockSameSpeciesPlus ? 1.0 : -1.0;
                    impl_->couple_pair(pf, expansion[i].data(), gij, M_SQRT1_2, out, w);
                    impl_->couple_pair(pf, expansion[j].data(), gji, sign * M_SQRT1_2, out, w);
                }
            }
            if (bias) out[w - 1] = 1.0;  // lambda = 0: a single component
        }
        result.emplace(key, std::move(block));
    }
    return result;
}

}  // namespace hamd
