// Training an energy model end to end, as `hamd train energy` runs it: read an energy/force
// dataset (docs/dataset-format.md#energyforce-datasets), hold out validation structures,
// choose the force weight on them, fit, calibrate the uncertainty, write the model file with
// its metadata, and return a JSON report (metrics and parity points).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/thread_pool.hpp"
#include "core/models/energy/energy_model.hpp"

namespace hamd {

// The arrays of a "hamd-energy-dataset" file (InvalidArgument naming the file and the entry
// when something is missing or inconsistent).
struct EnergyDataset {
    EnergyTrainingSet structures;       // energies eV, forces eV/A
    std::vector<int64_t> molecule;      // per structure
    std::vector<std::string> molecule_names;
    std::string provenance;             // JSON text as stored
};
EnergyDataset load_energy_dataset(const std::string& path);

struct EnergyTrainingConfig {
    std::string data_path;
    std::string output_path;           // empty: do not write
    std::string command;               // recorded in the provenance
    Hypers hypers;                     // power spectrum of the model (defaults: below)
    std::vector<EnergyFeatureSet> extra_features;  // further families (e.g. a bispectrum), in this order
    // Structures drawn with `seed`: first test_fraction of all (never used for training or any
    // choice, only reported), then validation_fraction of all (force weight, ridge, uncertainty
    // calibration); the rest trains.
    double test_fraction = 0.0;
    double validation_fraction = 0.2;
    uint64_t seed = 0;
    // Every (force sigma, ridge) pair is fitted from the same normal matrices and scored on the
    // validation structures by force MAE (eV/A) + energy MAE per atom (eV).
    std::vector<double> force_sigmas = {0.01, 0.03, 0.1, 0.3};  // eV/A
    std::vector<double> ridges = {1e-12, 1e-11, 1e-10, 1e-9, 1e-8};  // x mean diagonal
    double energy_sigma = 1e-3;        // eV per atom
    bool block_ridge = false;          // EnergyFitSettings::block_ridge
    // The uncertainty's prior precision (x mean diagonal, energy_covariance.hpp), chosen by the
    // Gaussian negative log-likelihood of the validation energies (alpha calibrated for each)
    // among the values whose covariance fits in covariance_max_bytes of float32 vectors.
    std::vector<double> uncertainty_priors = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
    double covariance_band = 1e-2;
    size_t covariance_max_bytes = size_t{8} << 20;
};

EnergyTrainingConfig default_energy_training_config();

struct EnergyTrainingProgress {
    std::string stage;  // "features" (structures), "fit" (candidates), "uncertainty", "metrics" (structures)
    size_t step = 0, total = 0;
};

// Returns the report JSON; `trained`, when given, receives the model.
std::string run_energy_training(const EnergyTrainingConfig& config, ThreadPool& pool,
                                const std::function<void(const EnergyTrainingProgress&)>& progress = nullptr,
                                std::shared_ptr<EnergyModel>* trained = nullptr);

}  // namespace hamd
