#include "napi/energy_results.hpp"

#include <algorithm>

#include "core/models/energy/energy_model_file.hpp"
#include "napi/convert.hpp"

namespace hamd_napi {

namespace {
constexpr double kHartreeEv = 27.211386245988;     // CODATA 2018
constexpr double kBohrAngstrom = 0.529177210903;   // CODATA 2018
}  // namespace

bool EnergyOutputChoice::wants(const char* name) const {
    return std::find(outputs.begin(), outputs.end(), name) != outputs.end();
}

hamd::EnergyRequest EnergyOutputChoice::request() const {
    hamd::EnergyRequest request;
    request.forces = wants("forces");
    request.stress = wants("stress");
    request.energies = wants("energies");
    request.uncertainty = wants("energy_uncertainty");
    return request;
}

EnergyOutputChoice energy_output_choice_from_js(const Napi::Object& object) {
    Napi::Env env = object.Env();
    EnergyOutputChoice choice;
    const Napi::Value outputs = object.Get("outputs");
    if (!outputs.IsArray()) bad_request(env, "outputs must be an array of names");
    const Napi::Array list = outputs.As<Napi::Array>();
    const auto& known = hamd::energy_outputs();
    for (uint32_t k = 0; k < list.Length(); ++k) {
        const std::string name = list.Get(k).ToString().Utf8Value();
        if (std::find(known.begin(), known.end(), name) == known.end())
            bad_request(env, "output '" + name + "' is not one an energy model answers");
        choice.outputs.push_back(name);
    }
    const std::string units = string_field(object, "units", "ev");
    if (units != "ev" && units != "hartree") bad_request(env, "units must be 'ev' or 'hartree', not '" + units + "'");
    choice.hartree = units == "hartree";
    return choice;
}

Napi::Object energy_prediction_to_js(Napi::Env env, hamd::EnergyPrediction& p, size_t n_atoms,
                                     const EnergyOutputChoice& choice) {
    const double energy_unit = choice.hartree ? 1.0 / kHartreeEv : 1.0;
    const double length_unit = choice.hartree ? 1.0 / kBohrAngstrom : 1.0;  // per Angstrom -> per Bohr
    Napi::Object o = Napi::Object::New(env);
    o.Set("nAtoms", static_cast<double>(n_atoms));
    if (choice.wants("energy")) o.Set("energy", p.energy * energy_unit);
    if (choice.wants("energy_uncertainty")) o.Set("energyUncertainty", p.energy_uncertainty * energy_unit);
    if (choice.wants("energies")) {
        for (double& e : p.energies) e *= energy_unit;
        o.Set("energies", copy_to_js(env, p.energies.data(), p.energies.size()));
    }
    if (choice.wants("forces")) {
        for (double& f : p.forces) f *= energy_unit / length_unit;
        o.Set("forces", copy_to_js(env, p.forces.data(), p.forces.size()));
    }
    if (choice.wants("stress") && p.has_stress) {
        for (double& x : p.stress) x *= energy_unit / (length_unit * length_unit * length_unit);
        o.Set("stress", copy_to_js(env, p.stress.data(), 9));
    }
    return o;
}

}  // namespace hamd_napi
