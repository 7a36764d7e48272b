// What a caller can ask a Hamiltonian model for (the Predict RPC, `hamd predict`, the N-API
// predict()): F' and optionally F = S^1/2 F' S^1/2 with the analytic S, orbital energies
// (ascending), which of them the model vouches for, HOMO, LUMO, gap, orbital labels, and sTDA
// singlet excitations on the predicted orbitals; hamd or PySCF orbital order; Hartree or eV.
// Output names are those of the contract (proto PredictRequest.outputs).
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/models/hamiltonian/hamiltonian_model.hpp"
#include "core/models/model.hpp"

namespace hamd {

struct PredictionOptions {
    // Any of prediction_outputs(); repeats are answered once.
    std::vector<std::string> outputs = {"orbital_energies"};
    std::string units = "hartree";   // or "ev" (energies and Fock matrices; S is unitless)
    std::string order = "hamd";      // or "pyscf" (matrices and labels)
    ModelVariant variant = ModelVariant::Best;
    int charge = 0;                  // electrons = sum Z - charge (closed shell: must be even for HOMO/LUMO)
    int n_states = 0;                // excitation outputs: lowest singlets; 0 = kDefaultStates
};

// Excitations: the default and largest number of states a request may ask for.
constexpr int kDefaultStates = 5;
constexpr int kMaxStates = 50;

// Every output name a Hamiltonian model answers: fock_orthogonal, fock, overlap,
// orbital_energies, valid_orbitals, homo, lumo, gap, orbital_labels, excitation_energies,
// oscillator_strengths.
const std::vector<std::string>& prediction_outputs();

// InvalidArgument for an unknown output/units/order name.
void validate_prediction_options(const PredictionOptions& options);
ModelVariant parse_model_variant(const std::string& name);  // "best", "direct", "indirect"

struct Prediction {
    int n_orbitals = 0;
    int n_electrons = 0;                              // sum of atomic numbers - charge
    Eigen::MatrixXd fock_orthogonal, fock, overlap;   // filled when asked
    std::vector<double> orbital_energies;
    double homo = 0, lumo = 0, gap = 0;
    bool has_frontier = false;
    bool lumo_valid = false;                          // the LUMO stands for the large-basis LUMO; false: lumo and gap withheld (warnings)
    std::vector<bool> valid_orbitals;                 // "valid_orbitals": one per orbital, ascending energy
    // "excitation_energies" / "oscillator_strengths": lowest singlets (sTDA), `units` and
    // dimensionless; with either, excitation_valid_weight: per state, the share of its
    // configurations i -> a whose orbitals are both valid.
    std::vector<double> excitation_energies, oscillator_strengths, excitation_valid_weight;
    std::vector<std::string> warnings;                // what the caller must know about these numbers
    int n_states_requested = 0;
    std::vector<int32_t> orbitals;                    // "orbital_labels": n_orbitals x (atom, n, l, m)
    std::vector<std::string> orbital_names;           // "orbital_labels": "0 O 1s", "1 C 2px", ...
    bool wants(const std::string& output) const;
    std::vector<std::string> outputs;
};

// Validates the system (model.validate_input), predicts, converts units and order.
// `cancel` (optional) is polled between stages (features, blocks, overlap, eigenvalues): Cancelled.
Prediction predict(const HamiltonianModel& model, const System& system, const PredictionOptions& options,
                   size_t index_in_request = 0, const std::atomic<bool>* cancel = nullptr);

// Memory a request needs at its peak, in bytes, known before any work: `results`, the requested
// outputs of every structure; `working`, the storage besides them of the largest structure
// (n_orbitals^2 each: F', S or its inverse square root, the eigensolver's copy; with
// excitations also the sTDA window's A matrix and (ij|ab) intermediate, each its configuration
// count squared, and the three dipole matrices). The daemon refuses a request over its limit
// with these figures (ResourceExhausted) before queueing it. Structures must be valid input.
struct PredictionBytes {
    size_t results = 0;
    size_t working = 0;
    int largest_orbitals = 0;  // of the structure that sets `working`
};
PredictionBytes prediction_bytes(const HamiltonianModel& model, const std::vector<System>& systems,
                                 const PredictionOptions& options);

// The model's self-description (kind "hamiltonian"): species, basis, orbital counts, cutoff,
// outputs, and the validation metrics and provenance of its training (from its metadata).
ModelMetadata describe_model(const HamiltonianModel& model);

}  // namespace hamd
