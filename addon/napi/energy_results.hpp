// An energy model's outputs as JS objects (NativeEnergyPrediction of server/native/model-addon.ts),
// in the caller's units; shared by Predict (energy_model.cpp) and sessions (energy_session.cpp).
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "core/models/energy/energy_model.hpp"

namespace hamd_napi {

// Which outputs and in which units: "ev" (eV, Angstrom) or "hartree" (Hartree, Bohr).
struct EnergyOutputChoice {
    std::vector<std::string> outputs;   // names of hamd::energy_outputs()
    bool hartree = false;
    bool wants(const char* name) const;
    hamd::EnergyRequest request() const;  // what the core must compute for these outputs
};

// Reads request.outputs and request.units (INVALID_ARGUMENT naming a bad one).
EnergyOutputChoice energy_output_choice_from_js(const Napi::Object& request);

// The requested outputs of one structure (units converted in place).
Napi::Object energy_prediction_to_js(Napi::Env env, hamd::EnergyPrediction& prediction, size_t n_atoms,
                                     const EnergyOutputChoice& choice);

}  // namespace hamd_napi
