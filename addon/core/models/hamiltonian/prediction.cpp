#include "core/models/hamiltonian/prediction.hpp"

#include <algorithm>

#include "core/base/errors.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/qc/orbital_order.hpp"
#include "core/qc/overlap.hpp"

namespace hamd {

namespace {
const std::vector<std::string> kOutputs = {"orthogonal_fock", "fock", "overlap", "orbital_energies",
                                           "homo", "lumo", "gap", "orbital_labels"};
}

void validate_prediction_options(const PredictionOptions& options) {
    for (const auto& output : options.outputs)
        if (std::find(kOutputs.begin(), kOutputs.end(), output) == kOutputs.end())
            throw InvalidArgument("unknown output '" + output +
                                  "' (known: orthogonal_fock, fock, overlap, orbital_energies, homo, lumo, gap, orbital_labels)");
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
                   size_t index_in_request) {
    validate_prediction_options(options);
    model.validate_input(system, index_in_request);
    Prediction p;
    p.outputs = options.outputs;
    const double unit = options.units == "ev" ? kHartreeEv : 1.0;
    const bool pyscf = options.order == "pyscf";
    const OrbitalLayout layout(model.basis(), system.types);
    const OrbitalPermutation order = pyscf_order(layout);
    p.n_orbitals = layout.size();

    const Eigen::MatrixXd Fp = model.predict_orthogonal(system, options.variant);
    auto reorder = [&](const Eigen::MatrixXd& m) { return pyscf ? matrix_hamd_to_pyscf(m, order) : m; };
    if (p.wants("orthogonal_fock")) p.orthogonal_fock = reorder(Fp) * unit;
    if (p.wants("fock") || p.wants("overlap")) {
        const Eigen::MatrixXd S = overlap_matrix(model.basis(), system);
        if (p.wants("fock")) p.fock = reorder(deorthogonalise(Fp, loewdin(S))) * unit;
        if (p.wants("overlap")) p.overlap = reorder(S);
    }
    const bool frontier = p.wants("homo") || p.wants("lumo") || p.wants("gap");
    if (p.wants("orbital_energies") || frontier) {
        const Eigen::VectorXd eps = symmetric_eigen(Fp, false).values;
        for (Eigen::Index k = 0; k < eps.size(); ++k) p.orbital_energies.push_back(eps[k] * unit);
        if (frontier) {
            int electrons = -options.charge;
            for (int32_t z : system.types) electrons += z;
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
    if (p.wants("orbital_labels")) p.orbital_labels = orbital_label_strings(layout, pyscf);
    return p;
}

}  // namespace hamd
