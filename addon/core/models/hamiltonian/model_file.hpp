// The Hamiltonian model file: one uncompressed .npz, format "hamd-hamiltonian-model",
// format_version 1, CRC32 checksum over every array (docs/model-format.md).
#pragma once
#include <memory>
#include <string>

#include "core/io/npz.hpp"
#include "core/io/model_archive.hpp"
#include "core/models/hamiltonian/hamiltonian_model.hpp"

namespace hamd {

constexpr const char* kModelFormat = "hamd-hamiltonian-model";
constexpr int kModelFormatVersion = 1;

// Throws std::runtime_error when the file cannot be written.
void save_hamiltonian_model(const HamiltonianModel& model, const std::string& path);

// Throws InvalidArgument naming the file and the problem for a missing, foreign, corrupt
// (checksum), newer-version or inconsistent file.
std::shared_ptr<HamiltonianModel> load_hamiltonian_model(const std::string& path);

}  // namespace hamd
