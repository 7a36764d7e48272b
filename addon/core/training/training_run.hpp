// One training run end to end, as `hamd train hamiltonian` performs it: read the dataset,
// fit the direct model, refine it indirectly, measure, write the model file (with metadata)
// and return a JSON report (metrics and parity-plot points).
#pragma once
#include <memory>
#include <string>

#include "core/training/hamiltonian_training.hpp"

namespace hamd {

struct TrainingConfig {
    std::string data_path;              // dataset .npz (docs/dataset-format.md)
    std::string output_path;            // model .npz; empty: do not write
    std::string command;                // recorded in the provenance
    HamiltonianFeatureSettings features;
    RidgeSettings ridge;
    IndirectSettings indirect;
    bool run_indirect = true;
};

// Defaults of the shipped model (docs/model-format.md).
TrainingConfig default_training_config();

// Returns the report JSON. Throws InvalidArgument for bad data or settings.
// `trained`, when given, receives the model (benchmarks evaluate it without a file round trip).
std::string run_hamiltonian_training(const TrainingConfig& config, ThreadPool& pool,
                                     const ProgressCallback& progress = nullptr,
                                     std::shared_ptr<HamiltonianModel>* trained = nullptr);

}  // namespace hamd
