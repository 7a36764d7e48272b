// The energy model file: the common model-file layout (models/model_file.hpp) with format
// "hamd-energy-model", format_version 2 (version 1 files are refused with a message), and the arrays of docs/model-format.md#energy-models:
// species, the power-spectrum hyper-parameters, weights, the covariance of the weights (for the
// uncertainty) and its calibration.
#pragma once
#include <memory>
#include <string>

#include "core/models/energy/energy_model.hpp"
#include "core/models/model.hpp"

namespace hamd {

constexpr const char* kEnergyModelFormat = "hamd-energy-model";
constexpr int kEnergyModelFormatVersion = 2;

// `metadata_json`: a JSON object (provenance, validation metrics); "{}" when empty.
void save_energy_model(const EnergyModel& model, const std::string& metadata_json, const std::string& path);

struct LoadedEnergyModel {
    std::shared_ptr<EnergyModel> model;
    std::string metadata_json;
    std::string checksum;
};

// InvalidArgument naming the file and the problem for a foreign, corrupt, newer or inconsistent file.
LoadedEnergyModel load_energy_model(const std::string& path);

// Outputs an energy model answers: energy, forces, stress, energies, energy_uncertainty.
const std::vector<std::string>& energy_outputs();

// Kind "energy"; units eV and Angstrom.
ModelMetadata describe_energy_model(const LoadedEnergyModel& loaded);

}  // namespace hamd
