#include "core/models/hamiltonian/hamiltonian_features.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/math/clebsch_gordan.hpp"
#include "core/descriptors/density/cutoff.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/pairs/pair_term.hpp"
#include "core/descriptors/pairs/product_coupling.hpp"
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

// One (lambda, sigma) of the pair features: CG(c_i, g_ij) over the product groups (l1, l2).
struct PairFamily {
    std::vector<ProductGroup> groups;
    size_t width = 0;     // one half (rho_ij), without message features: groups x S N N
    size_t mp_width = 0;  // CG(rho^MP_i, g_ij) features after them (message passing on): groups x S M N
    size_t o2_width = 0;  // order-2 features after those (pair_order2.hpp layout)
    size_t half() const { return width + mp_width + o2_width; }
    size_t o2_offset() const { return width + mp_width; }
};

// On-site message features of one (lambda, sigma): CG(rho_i, rho^MP_i), the same groups (l1, l2).
struct OnSiteMessageFamily {
    std::vector<ProductGroup> groups;
    size_t width = 0;     // groups x S N S M
};

Hypers message_hypers(const HamiltonianFeatureSettings& s) {
    Hypers h = s.hypers;
    h.max_radial = std::max(0, s.message_radial - 1);
    h.center_atom_weight = 0.0;
    return h;
}

}  // namespace

struct HamiltonianFeaturizer::Impl {
    ExpansionSetup setup;
    LambdaSoap soap;
    std::map<std::pair<int, int>, PairFamily> pair_families;  // (lambda, sigma)
    // Message passing (null / empty when off).
    std::unique_ptr<ExpansionSetup> message_setup;            // radial basis n < message_radial
    std::map<std::pair<int, int>, OnSiteMessageFamily> onsite_message;  // (lambda, sigma)
    int M = 0;                                                 // message radial functions
    std::unique_ptr<PairOrder2> order2;                        // null when off

    Impl(const HamiltonianFeatureSettings& s)
        : setup(s.hypers, s.species), soap(setup, s.max_lambda) {
        const int L = s.hypers.max_angular, S = setup.n_species(), N = setup.n_radial();
        M = s.message_radial;
        if (M > 0) message_setup = std::make_unique<ExpansionSetup>(message_hypers(s), s.species);
        if (s.pair_order2_components > 0)
            order2 = std::make_unique<PairOrder2>(setup, s.max_lambda, s.pair_order2_components,
                                                  s.pair_order2_density_components, s.pair_order2);
        for (int lambda = 0; lambda <= s.max_lambda; ++lambda)
            for (int sigma : {-1, 1}) {
                std::vector<ProductGroup> groups = product_groups(L, L, lambda, sigma);
                if (groups.empty()) continue;
                PairFamily family;
                family.groups = groups;
                family.width = groups.size() * S * N * N;
                family.mp_width = groups.size() * S * M * N;
                if (order2) family.o2_width = order2->width(lambda, sigma);
                pair_families[{lambda, sigma}] = std::move(family);
                if (M > 0) onsite_message[{lambda, sigma}] = {groups, groups.size() * S * N * S * M};
            }
    }

    const OnSiteMessageFamily* onsite_message_family(int lambda, int sigma) const {
        auto it = onsite_message.find({lambda, sigma});
        return it == onsite_message.end() ? nullptr : &it->second;
    }

    // out[mu][...] += CG(c, p): c in expansion layout, p in message layout (S M per lm).
    void couple_onsite_message(const OnSiteMessageFamily& family, const double* c, const double* p, double* out,
                               size_t out_width) const {
        const int row = setup.row_size(), mrow = setup.n_species() * M;
        couple_products_add(family.groups, c, row, p, mrow, 1.0, out,
                            {out_width, static_cast<size_t>(row) * mrow, static_cast<size_t>(mrow)});
    }

    // out[mu][family.width + ...] += scale * CG(p_i, g): p in message layout, g[lm][n].
    void couple_pair_message(const PairFamily& family, const double* p, const double* g, double scale, double* out,
                             size_t out_width) const {
        const int N = setup.n_radial(), mrow = setup.n_species() * M;
        couple_products_add(family.groups, p, mrow, g, N, scale, out + family.width,
                            {out_width, static_cast<size_t>(mrow) * N, static_cast<size_t>(N)});
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

    // out[mu][...] += scale * CG(c_i, g): c in expansion layout, g[lm][n] (pair_term.hpp).
    void couple_pair(const PairFamily& family, const double* c, const double* g, double scale, double* out,
                     size_t out_width) const {
        const int N = setup.n_radial(), row = setup.row_size();
        couple_products_add(family.groups, c, row, g, N, scale, out,
                            {out_width, static_cast<size_t>(row) * N, static_cast<size_t>(N)});
    }
};

HamiltonianFeaturizer::HamiltonianFeaturizer(const HamiltonianFeatureSettings& settings) : settings_(settings) {
    validate_hypers(settings_.hypers);
    if (settings_.species.empty()) throw InvalidArgument("Hamiltonian features need at least one species");
    std::sort(settings_.species.begin(), settings_.species.end());
    if (settings_.max_lambda < 0 || settings_.max_lambda > 2 * settings_.hypers.max_angular)
        throw InvalidArgument("max_lambda must be in 0..2 max_angular");
    if (settings_.message_radial < 0 || settings_.message_radial > 20)
        throw InvalidArgument("message_radial must be in 0..20 (0: no message passing)");
    if (settings_.message_radial > 0 && !(std::isfinite(settings_.message_scale) && settings_.message_scale > 0))
        throw InvalidArgument("message_scale must be positive and finite");
    if (settings_.pair_order2_components < 0 || settings_.pair_order2_components > 100000)
        throw InvalidArgument("pair_order2_components must be in 0..100000 (0: no order-2 pair features)");
    if (settings_.pair_order2_density_components < 0 ||
        (settings_.pair_order2_density_components > 0 && settings_.pair_order2_components == 0))
        throw InvalidArgument("pair_order2_density_components must be >= 0, and needs pair_order2_components > 0");
    impl_ = std::make_unique<Impl>(settings_);
}

HamiltonianFeaturizer::~HamiltonianFeaturizer() = default;

int HamiltonianFeaturizer::width(const FeatureFamilyKey& family) const {
    const bool bias = has_bias(family);
    if (family.block_type == kBlockOnSite) {
        const auto* f = impl_->soap_family(family.lambda, family.sigma);
        if (!f) return 0;
        const auto* m = impl_->onsite_message_family(family.lambda, family.sigma);
        return static_cast<int>(f->n_properties + (m ? m->width : 0)) + bias;
    }
    const auto* f = impl_->pair_family(family.lambda, family.sigma);
    if (!f) return 0;
    const int half = static_cast<int>(f->half());
    return (family.block_type == kBlockDifferentSpecies ? 2 * half : half) + bias;
}

std::vector<std::vector<double>> HamiltonianFeaturizer::message_density(const System& system,
                                                                        std::vector<double>* weights) const {
    if (!impl_->message_setup) return {};
    const ExpansionSetup& ms = *impl_->message_setup;
    const int n_atoms = static_cast<int>(system.size());
    const int M = impl_->M, S = ms.n_species(), L = ms.max_angular(), n_lm = ms.n_lm();
    const double cutoff = settings_.hypers.cutoff, width = settings_.hypers.cutoff_width;
    auto vector_of = [&](int i, int j, double v[3]) {
        for (int d = 0; d < 3; ++d) v[d] = system.positions[3 * j + d] - system.positions[3 * i + d];
        return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    };
    // s_j: message_scale times the smooth coordination number (neighbours in a species channel).
    std::vector<double> s(n_atoms, 0.0);
    for (int j = 0; j < n_atoms; ++j) {
        double cn = 0;
        for (int k = 0; k < n_atoms; ++k) {
            if (k == j || ms.channel(system.types[k]) < 0) continue;
            double v[3];
            const double r = vector_of(j, k, v);
            if (!(r < cutoff) || r <= 0) continue;
            double dfc;
            cn += cutoff_function(r, cutoff, width, &dfc);
        }
        s[j] = settings_.message_scale * cn;
    }
    std::vector<std::vector<double>> result(n_atoms, std::vector<double>(static_cast<size_t>(n_lm) * S * M, 0.0));
    std::vector<double> R((L + 1) * M), Y(n_lm);
    for (int i = 0; i < n_atoms; ++i)
        for (int j = 0; j < n_atoms; ++j) {
            const int a = ms.channel(system.types[j]);
            if (i == j || a < 0) continue;
            double v[3];
            const double r = vector_of(i, j, v);
            if (!(r < cutoff) || r <= 0) continue;
            double dfc;
            const double w = cutoff_function(r, cutoff, width, &dfc) * s[j];
            ms.radial().compute(r, R.data(), nullptr);
            ms.harmonics().compute(v, Y.data(), nullptr);
            double* out = result[i].data();
            for (int l = 0; l <= L; ++l)
                for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm)
                    for (int n = 0; n < M; ++n) out[(static_cast<size_t>(lm) * S + a) * M + n] += w * Y[lm] * R[l * M + n];
        }
    if (weights) *weights = std::move(s);
    return result;
}

const ExpansionSetup& HamiltonianFeaturizer::expansion_setup() const { return impl_->setup; }

const PairOrder2* HamiltonianFeaturizer::pair_order2() const { return impl_->order2.get(); }

HamiltonianFeaturizer::Inputs HamiltonianFeaturizer::inputs(const System& system) const {
    const ExpansionSetup& setup = impl_->setup;
    const int n_atoms = static_cast<int>(system.size());
    const double cutoff = settings_.hypers.cutoff;
    Inputs in;
    // Per-centre expansions.
    const NeighborList list = build_neighbor_list(system, cutoff);
    in.expansion.resize(n_atoms);
    {
        CentreNeighbourhood nh;
        CentreExpansion e;
        for (int i = 0; i < n_atoms; ++i) {
            collect_neighbourhood(setup, system, list, i, nh);
            compute_expansion(setup, nh, false, e);
            in.expansion[i] = e.values;
        }
    }
    // Pair terms g_ij[lm][n] for every ordered pair within the cutoff (molecules: no images).
    in.pair_of.assign(static_cast<size_t>(n_atoms) * n_atoms, -1);
    PairTermEvaluator pair_term(setup);
    for (int i = 0; i < n_atoms; ++i)
        for (int j = 0; j < n_atoms; ++j) {
            if (i == j) continue;
            double v[3];
            for (int d = 0; d < 3; ++d) v[d] = system.positions[3 * j + d] - system.positions[3 * i + d];
            const double r = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            if (!(r < cutoff) || r <= 0) continue;
            std::vector<double> g(pair_term.size());
            pair_term.compute(v, r, g.data());
            in.pair_of[static_cast<size_t>(i) * n_atoms + j] = static_cast<int>(in.pair_terms.size());
            in.pair_terms.push_back(std::move(g));
        }
    return in;
}

StructureFeatures HamiltonianFeaturizer::compute(const System& system, const std::vector<FeatureFamilyKey>& wanted) const {
    const int n_atoms = static_cast<int>(system.size());

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

    const Inputs in = inputs(system);
    const std::vector<std::vector<double>>& expansion = in.expansion;
    const std::vector<int>& pair_of = in.pair_of;
    const std::vector<std::vector<double>> message = message_density(system);

    // Order-2 inputs: every ordered pair's contracted rho_ij^{x1}, every atom's (contracted) density.
    // (Skipped when only on-site families are wanted: they have no order-2 columns.)
    const bool any_pair = std::any_of(families.begin(), families.end(),
                                      [](const FeatureFamilyKey& k) { return k.block_type != kBlockOnSite; });
    const PairOrder2* order2 = any_pair ? impl_->order2.get() : nullptr;
    std::vector<PairOrder2::PairInputs> order2_pairs;
    std::vector<std::vector<double>> order2_density;
    if (order2) {
        if (!order2->fitted())
            throw InvalidArgument("order-2 pair features (pair_order2_components > 0) need fitted projections "
                                  "(fit_pair_order2, or a model file that has them)");
        order2_pairs.resize(in.pair_terms.size());
        for (int i = 0; i < n_atoms; ++i)
            for (int j = 0; j < n_atoms; ++j) {
                const int p = pair_of[static_cast<size_t>(i) * n_atoms + j];
                if (p >= 0)
                    order2->contract_pair(system.types[i], system.types[j], expansion[i].data(), in.pair_terms[p].data(),
                                          order2_pairs[p]);
            }
        order2_density.resize(n_atoms);
        for (int i = 0; i < n_atoms; ++i) order2->contract_density(system.types[i], expansion[i].data(), order2_density[i]);
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
                const auto& sf = *impl_->soap_family(key.lambda, key.sigma);
                if (!message.empty()) {
                    // The lambda-SOAP rows are w wide here: couple into a buffer of its own width.
                    std::vector<double> soap_rows(static_cast<size_t>(block.components) * sf.n_properties, 0.0);
                    impl_->soap.couple(sf, expansion[i].data(), expansion[i].data(), soap_rows.data());
                    for (int mu = 0; mu < block.components; ++mu)
                        std::copy(soap_rows.begin() + mu * sf.n_properties, soap_rows.begin() + (mu + 1) * sf.n_properties,
                                  out + static_cast<size_t>(mu) * w);
                    if (const auto* mf = impl_->onsite_message_family(key.lambda, key.sigma))
                        impl_->couple_onsite_message(*mf, expansion[i].data(), message[i].data(), out + sf.n_properties, w);
                } else {
                    impl_->soap.couple(sf, expansion[i].data(), expansion[i].data(), out);
                }
                // Rows are n_properties wide; with a bias (lambda = 0: one component) it follows them.
            } else {
                const PairFamily& pf = *impl_->pair_family(key.lambda, key.sigma);
                const int pij = pair_of[static_cast<size_t>(i) * n_atoms + j], pji = pair_of[static_cast<size_t>(j) * n_atoms + i];
                const double* gij = in.pair_terms[pij].data();
                const double* gji = in.pair_terms[pji].data();
                if (key.block_type == kBlockDifferentSpecies) {
                    impl_->couple_pair(pf, expansion[i].data(), gij, 1.0, out, w);
                    impl_->couple_pair(pf, expansion[j].data(), gji, 1.0, out + pf.half(), w);
                    if (!message.empty()) {
                        impl_->couple_pair_message(pf, message[i].data(), gij, 1.0, out, w);
                        impl_->couple_pair_message(pf, message[j].data(), gji, 1.0, out + pf.half(), w);
                    }
                    if (order2) {
                        order2->add(key.lambda, key.sigma, order2_pairs[pij], order2_density[j], 1.0, out + pf.o2_offset(), w);
                        order2->add(key.lambda, key.sigma, order2_pairs[pji], order2_density[i], 1.0,
                                    out + pf.half() + pf.o2_offset(), w);
                    }
                } else {
                    const double sign = key.block_type == kBlockSameSpeciesPlus ? 1.0 : -1.0;
                    impl_->couple_pair(pf, expansion[i].data(), gij, M_SQRT1_2, out, w);
                    impl_->couple_pair(pf, expansion[j].data(), gji, sign * M_SQRT1_2, out, w);
                    if (!message.empty()) {
                        impl_->couple_pair_message(pf, message[i].data(), gij, M_SQRT1_2, out, w);
                        impl_->couple_pair_message(pf, message[j].data(), gji, sign * M_SQRT1_2, out, w);
                    }
                    if (order2) {
                        order2->add(key.lambda, key.sigma, order2_pairs[pij], order2_density[j], M_SQRT1_2, out + pf.o2_offset(), w);
                        order2->add(key.lambda, key.sigma, order2_pairs[pji], order2_density[i], sign * M_SQRT1_2,
                                    out + pf.o2_offset(), w);
                    }
                }
            }
            if (bias) out[w - 1] = 1.0;  // lambda = 0: a single component
        }
        result.emplace(key, std::move(block));
    }
    return result;
}

}  // namespace hamd
