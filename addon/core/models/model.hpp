// What every model hamd serves says about itself (ListModels, LoadModel, `hamd info`): the
// same typed fields for every kind of model, so that no caller reads a JSON document by key
// path. Each kind (models/hamiltonian/, next energy/force models) fills it from its file.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hamd {

struct ModelMetadata {
    std::string kind;                  // "hamiltonian"
    std::string format;                // file format name, e.g. "hamd-hamiltonian-model"
    int format_version = 0;
    std::vector<int32_t> species;      // atomic numbers the model knows, ascending
    std::string basis;                 // minimal basis of predicted matrices ("sto-3g"); empty if none
    std::string energy_unit = "hartree";
    double cutoff = 0;                 // Angstrom: atoms farther apart do not interact directly
    std::vector<std::pair<int32_t, int>> orbital_counts;  // atomic number -> orbitals of its basis
    std::vector<std::string> outputs;  // what predict can return (proto PredictRequest.outputs)
    bool has_indirect = false;         // Hamiltonian models: eigenvalue-trained weights present
    std::vector<std::pair<std::string, double>> validation;  // metric name (unit in the name) -> value
    std::string checksum;              // as stored in the file, e.g. "crc32:1a2b3c4d"
    std::string extra_json;            // provenance, hyper-parameters, training report: a JSON object
};

}  // namespace hamd
