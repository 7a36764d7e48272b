#include "core/models/hamiltonian/prediction.hpp"

#include <algorithm>
#include <cstdio>

#include "core/base/errors.hpp"
#include "core/io/json.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/qc/orbital_order.hpp"
#include "core/qc/overlap.hpp"
#include "core/qc/stda.hpp"

namespace hamd {

namespace {
const std::vector<std::string> kOutputs = {"fock_orthogonal", "fock", "overlap", "orbital_energies", "valid_orbitals",
                                           "homo", "lumo", "gap", "orbital_labels", "excitation_energies",
                                           "oscillator_strengths"};

// The models are trained on B3LYP orbital energies: sTDA with B3LYP's Fock-exchange fraction.
constexpr double kReferenceExchangeFraction = 0.2;
// Grimme's default spectral range, and how far the search for n states may widen it.
constexpr double kStdaFirstThresholdEv = 7.0;
constexpr double kStdaThresholdGrowth = 1.5;
constexpr int kStdaThresholdRounds = 6;  // 7 eV .. 53 eV
// A state with less than this share on valid orbitals gets a warning.
constexpr double kExcitationWeightWarning = 0.5;

std::string fixed(double value, int digits) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
    return buffer;
}

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
    if (options.n_states < 0 || options.n_states > kMaxStates)
        throw InvalidArgument("n_states must be in 0.." + std::to_string(kMaxStates) + " (0: " +
                              std::to_string(kDefaultStates) + "), not " + std::to_string(options.n_states));
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

namespace {

// Doubly occupied orbitals; InvalidArgument unless the electron count is even and leaves a LUMO.
int occupied_orbitals(const Prediction& p, size_t index_in_request) {
    const int electrons = p.n_electrons;
    if (electrons <= 0 || electrons % 2 != 0 || electrons / 2 >= p.n_orbitals)
        throw InvalidArgument("system " + std::to_string(index_in_request) + " has " + std::to_string(electrons) +
                              " electrons: HOMO, LUMO, valid_orbitals and excitations need an even count below twice "
                              "the number of orbitals");
    return electrons / 2;
}

std::string lumo_warning(const OrbitalValidity& rule, double lumo_eh, size_t index_in_request) {
    const std::string where = "structure " + std::to_string(index_in_request) + ": ";
    if (!rule.recorded)
        return where + "lumo and gap withheld: this model file records no orbital-validity rule (it was trained "
                       "before hamd had one), so nothing says whether its LUMO stands for the large-basis LUMO; "
                       "retrain it with `hamd train hamiltonian`";
    return where + "lumo and gap withheld: the predicted LUMO (" + fixed(lumo_eh * kHartreeEv, 2) +
           " eV) lies above the model's validity threshold (" + fixed(rule.lumo_below_eh * kHartreeEv, 2) +
           " eV). In training, such LUMOs were minimal-basis sigma* levels of molecules whose large-basis LUMO "
           "is a diffuse, Rydberg-like level that a minimal basis cannot represent (saturated molecules), so the "
           "model was not trained on them. orbital_energies still lists the level; valid_orbitals marks it false";
}

// sTDA on the predicted orbitals (B3LYP's a_x), the lowest n states, with the threshold widened
// from 7 eV until the n-th root lies inside it.
void add_excitations(Prediction& p, const HamiltonianModel& model, const System& system, const SymmetricEigen& eigen,
                     int occ, double unit, size_t index_in_request) {
    const std::string where = "structure " + std::to_string(index_in_request) + ": ";
    const OrbitalLayout layout(model.basis(), system.types);
    const OverlapAndDipole integrals = overlap_and_dipole(model.basis(), system);
    StdaInput in;
    in.mo_coeff = loewdin(integrals.overlap).inverse_sqrt * eigen.vectors;  // C = S^-1/2 C'
    in.mo_energy = eigen.values;
    in.n_occ = occ;
    in.ao_overlap = integrals.overlap;
    for (const OrbitalLabel& label : layout.labels()) in.ao_atom.push_back(label.atom);
    in.atomic_numbers.assign(system.types.begin(), system.types.end());
    in.coords_bohr.resize(static_cast<Eigen::Index>(system.size()), 3);
    for (std::size_t a = 0; a < system.size(); ++a)
        for (int d = 0; d < 3; ++d) in.coords_bohr(static_cast<Eigen::Index>(a), d) = system.positions[3 * a + d] / kBohrAngstrom;
    in.ao_dipole.assign(integrals.dipole.begin(), integrals.dipole.end());
    in.a_x = kReferenceExchangeFraction;
    const int wanted = p.n_states_requested;
    in.n_states = wanted;

    StdaResult result;
    bool have = false;
    double e_thr = kStdaFirstThresholdEv;
    for (int round = 0; round < kStdaThresholdRounds; ++round, e_thr *= kStdaThresholdGrowth) {
        in.e_thr_ev = e_thr;
        try {
            result = stda(in);
            have = true;
        } catch (const InvalidArgument&) {
            continue;  // no configuration inside this threshold yet
        } catch (const ResourceExhausted& e) {
            throw ResourceExhausted(where + e.what());
        }
        const Eigen::Index n = result.energies_eh.size();
        if (n >= wanted && result.energies_eh[wanted - 1] * kStdaEvPerHartree <= e_thr) break;
    }
    if (!have)
        throw InvalidArgument(where + "sTDA found no singlet configuration below " + fixed(e_thr / kStdaThresholdGrowth, 0) + " eV");
    const Eigen::Index n = result.energies_eh.size();
    if (n < wanted)
        p.warnings.push_back(where + "only " + std::to_string(n) + " singlet states exist in the minimal basis' sTDA space, " +
                             std::to_string(wanted) + " were asked for");
    else if (result.energies_eh[n - 1] * kStdaEvPerHartree > in.e_thr_ev)
        p.warnings.push_back(where + "the highest state lies above the largest sTDA threshold tried (" + fixed(in.e_thr_ev, 1) +
                             " eV): it is less accurate than the others");
    std::vector<int> poorly_represented;
    for (Eigen::Index s = 0; s < n; ++s) {
        double weight = 0;
        for (std::size_t c = 0; c < result.configurations.size(); ++c) {
            const auto [i, a] = result.configurations[c];
            if (p.valid_orbitals[static_cast<size_t>(i)] && p.valid_orbitals[static_cast<size_t>(a)])
                weight += result.amplitudes(static_cast<Eigen::Index>(c), s) * result.amplitudes(static_cast<Eigen::Index>(c), s);
        }
        p.excitation_energies.push_back(result.energies_eh[s] * unit);
        p.oscillator_strengths.push_back(result.oscillator_strengths[s]);
        p.excitation_valid_weight.push_back(weight);
        if (weight < kExcitationWeightWarning) poorly_represented.push_back(static_cast<int>(s));
    }
    if (!poorly_represented.empty()) {
        std::string list;
        for (int s : poorly_represented) list += (list.empty() ? "" : ", ") + std::to_string(s);
        const bool one = poorly_represented.size() == 1;
        p.warnings.push_back(where + (one ? "the excitation at index " : "the excitations at indices ") + list +
                             " of excitation_energies " + (one ? "lies" : "lie") + " mostly (more than " +
                             fixed(100 * (1 - kExcitationWeightWarning), 0) +
                             " %) on orbitals the model was not trained to reproduce (excitation_valid_weight): " +
                             (one ? "its energy is a minimal-basis estimate" : "their energies are minimal-basis estimates") +
                             ", not a surrogate of the large-basis sTDA");
    }
}

}  // namespace

PredictionBytes prediction_bytes(const HamiltonianModel& model, const std::vector<System>& systems,
                                 const PredictionOptions& options) {
    // Working n x n matrices of predict() at its peak besides its outputs: F', S (or S^-1/2)
    // and the eigensolver's copy.
    constexpr size_t kWorkingMatrices = 3;
    const std::vector<std::string>& wanted = options.outputs;
    auto wants = [&](const char* name) { return std::find(wanted.begin(), wanted.end(), name) != wanted.end(); };
    size_t matrices = 0;
    for (const char* name : {"fock_orthogonal", "fock", "overlap"}) matrices += wants(name) ? 1 : 0;
    const bool excitations = wants("excitation_energies") || wants("oscillator_strengths");
    const size_t max_window = static_cast<size_t>(StdaInput{}.max_window_configurations);

    PredictionBytes bytes;
    for (const System& system : systems) {
        const size_t n = static_cast<size_t>(OrbitalLayout(model.basis(), system.types).size());
        long electrons = -options.charge;
        for (int32_t z : system.types) electrons += z;
        bytes.results += sizeof(double) * (matrices * n * n + n);
        size_t working = sizeof(double) * kWorkingMatrices * n * n;
        if (excitations) {
            const size_t occupied = electrons > 0 ? static_cast<size_t>(electrons / 2) : 0;
            const size_t window = std::min(max_window, occupied * (n > occupied ? n - occupied : 0));
            working += sizeof(double) * (2 * window * window + 3 * n * n);
        }
        if (working > bytes.working) {
            bytes.working = working;
            bytes.largest_orbitals = static_cast<int>(n);
        }
    }
    return bytes;
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
    p.n_states_requested = options.n_states > 0 ? options.n_states : kDefaultStates;
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
    const bool excitations = p.wants("excitation_energies") || p.wants("oscillator_strengths");
    const bool validity = p.wants("valid_orbitals") || frontier || excitations;
    if (p.wants("orbital_energies") || validity) {
        const SymmetricEigen eigen = symmetric_eigen(Fp, excitations);
        const Eigen::VectorXd& eps = eigen.values;
        if (p.wants("orbital_energies"))
            for (Eigen::Index k = 0; k < eps.size(); ++k) p.orbital_energies.push_back(eps[k] * unit);
        if (validity) {
            const int occ = occupied_orbitals(p, index_in_request);
            p.valid_orbitals = valid_orbital_flags(model.orbital_validity, eps, occ);
            p.lumo_valid = lumo_served(model.orbital_validity, eps, occ);
            if (!p.lumo_valid && (p.wants("lumo") || p.wants("gap")))
                p.warnings.push_back(lumo_warning(model.orbital_validity, eps[occ], index_in_request));
            if (frontier) {
                p.homo = eps[occ - 1] * unit;
                p.lumo = eps[occ] * unit;
                p.gap = p.lumo - p.homo;
                p.has_frontier = true;
            }
            if (excitations) {
                poll();
                add_excitations(p, model, system, eigen, occ, unit, index_in_request);
            }
        }
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
