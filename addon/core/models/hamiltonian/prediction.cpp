#include "core/models/hamiltonian/prediction.hpp"

#include <algorithm>

#include "core/base/errors.hpp"
#include "core/io/json.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/qc/orbital_order.hpp"
#include "core/qc/overlap.hpp"

namespace hamd {

namespace {
const std::vector<std::string> kOutputs = {"fock_orthogonal", "fock", "overlap", "orbital_energies",
                                           "homo", "lumo", "gap", "orbital_labels"};

std::string output_list() {
    std::string list;
    for (const auto& name : kOutputs) list += (list.empty() ? "" : ", ") + name;
    return list;
}
}  // namespace

const std::vector<std::string>& prediction_outputs() { return kOutputs; }

void validate_prediction_options(const PredictionOptions& options) {
    for (const auto& output : options.outputs)
        if (std::find(kOutputs.begin(), kOutputs.end(), output) == kOutputs.end())
            throw InvalidArgument("unknown output '" + output + "' (known: " + output_list() + ")");
    if (options.units != "hartree" && options.units != "ev")
        throw InvalidArgument("units must be 'hartree' or 'ev', not '" + options.units + "'");
    if (options.order != "hamd" && options.order != "pyscf")
        throw InvalidArgument("order must be 'hamd' or 'pyscf', not '" + options.order + "'");
}

ModelVariant parse_model_variant(const std::string& name) {
    if (name.empty() || name == "best") return ModelVariant::Best;
    if (name == "direct") return ModelVariant::Direct;
    if (name == "indirect") return ModelVariant::Indirect;
    throw InvalidArgument("variant must be 'best', 'direct' or 'indirect', not '" + name + "'");
}

bool Prediction::wants(const std::string& output) const {
    return std::find(outputs.begin(), outputs.end(), output) != outputs.end();
}

Prediction predict(const HamiltonianModel& model, const System& system, const PredictionOptions& options,
                   size_t index_in_request, const std::atomic<bool>* cancel) {
    auto poll = [&] {
        if (cancel && cancel->load()) throw Cancelled();
    };
    validate_prediction_options(options);
    model.validate_input(system, index_in_request);
    Prediction p;
    p.outputs = options.outputs;
    const double unit = options.units == "ev" ? kHartreeEv : 1.0;
    const bool pyscf = options.order == "pyscf";
    const OrbitalLayout layout(model.basis(), system.types);
    const OrbitalPermutation order = pyscf_order(layout);
    p.n_orbitals = layout.size();
    p.n_electrons = -options.charge;
    for (int32_t z : system.types) p.n_electrons += z;

    const Eigen::MatrixXd Fp = model.predict_orthogonal(system, options.variant, cancel);
    poll();
    auto reorder = [&](const Eigen::MatrixXd& m) { return pyscf ? matrix_hamd_to_pyscf(m, order) : m; };
    if (p.wants("fock_orthogonal")) p.fock_orthogonal = reorder(Fp) * unit;
    if (p.wants("fock") || p.wants("overlap")) {
        const Eigen::MatrixXd S = overlap_matrix(model.basis(), system);
        poll();
        if (p.wants("fock")) p.fock = reorder(deorthogonalise(Fp, loewdin(S))) * unit;
        poll();
        if (p.wants("overlap")) p.overlap = reorder(S);
    }
    const bool frontier = p.wants("homo") || p.wants("lumo") || p.wants("gap");
    if (p.wants("orbital_energies") || frontier) {
        const Eigen::VectorXd eps = symmetric_eigen(Fp, false).values;
        for (Eigen::Index k = 0; k < eps.size(); ++k) p.orbital_energies.push_back(eps[k] * unit);
        if (frontier) {
            const int electrons = p.n_electrons;
            if (electrons <= 0 || electrons % 2 != 0 || electrons / 2 >= p.n_orbitals)
                throw InvalidArgument("system " + std::to_string(index_in_request) + " has " + std::to_string(electrons) +
                                      " electrons: HOMO/LUMO need an even count below twice the number of orbitals");
            const int occ = electrons / 2;
            p.homo = p.orbital_energies[occ - 1];
            p.lumo = p.orbital_energies[occ];
            p.gap = p.lumo - p.homo;
            p.has_frontier = true;
        }
        if (!p.wants("orbital_energies")) p.orbital_energies.clear();
    }
    if (p.wants("orbital_labels")) {
        p.orbital_names = orbital_label_strings(layout, pyscf);
        for (int k = 0; k < p.n_orbitals; ++k) {
            const OrbitalLabel& label = layout.labels()[pyscf ? order.hamd_index[k] : k];
            p.orbitals.insert(p.orbitals.end(), {label.atom, label.n, label.l, label.m});
        }
    }
    return p;
}

ModelMetadata describe_model(const HamiltonianModel& model) {
    ModelMetadata m;
    m.kind = "hamiltonian";
    m.format = kModelFormat;
    m.format_version = kModelFormatVersion;
    m.species = model.species();
    m.basis = model.basis().name;
    m.cutoff = model.pair_cutoff();
    for (int32_t z : m.species) m.orbital_counts.emplace_back(z, model.basis().orbital_count(z));
    m.outputs = kOutputs;
    m.has_indirect = model.has_indirect();
    m.checksum = model.checksum;
    m.extra_json = model.metadata_json.empty() ? "{}" : model.metadata_json;
    const JsonValue extra = parse_json(m.extra_json, "model metadata");
    if (const JsonValue* units = extra.find("units"))
        if (const JsonValue* energy = units->find("energy"))
            if (energy->type == JsonValue::Type::String) m.energy_unit = energy->string;
    if (const JsonValue* validation = extra.find("validation")) m.validation = json_numbers(*validation);
    return m;
}

}  // namespace hamd
