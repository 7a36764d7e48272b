// A linear energy model on atom-centred invariants, for molecular dynamics
// (docs/science.md#energy-and-force-model):
//
//   E = sum_i [ b_{Z_i} + w_{Z_i} . p_i ]
//
// p_i are the invariants of atom i (neighbour channels: the model's species): the power spectrum,
// then any further families (EnergyFeatureSet: power spectra, bispectrum); b and w per centre
// species. Forces are -dE/dr, the stress (periodic cells) dE/d(strain) / V. Everything is linear
// in the weights: for training a structure is a design row (energy), 3n rows (forces) and 9 rows
// (strain derivative, from the descriptors' cell gradients) of one matrix (design()); prediction
// (evaluate()) takes the adjoint route per family instead, with no descriptor gradients at all.
//
// Uncertainty (last-layer prediction rigidity, a Bayesian linear regression): the energy variance
// of a structure with design row f is alpha^2 f^T C f, C = (X + p I)^-1 with X the weighted normal
// matrix of the training rows (energy_covariance.hpp); alpha is calibrated on validation structures.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "core/base/tensor_map.hpp"
#include "core/base/thread_pool.hpp"
#include "core/descriptors/engine.hpp"
#include "core/descriptors/hypers.hpp"
#include "core/models/energy/energy_covariance.hpp"
#include "core/systems/neighbors.hpp"
#include "core/systems/system.hpp"

namespace hamd {

class EnergyFamilyEvaluator;  // energy_evaluators.hpp
class ExpansionSetup;

// One family of atom-centred invariants: the power spectrum (nu = 2) or the bispectrum (nu = 3,
// no cell gradients: no strain design rows, see has_strain_rows()) with its own expansion.
struct EnergyFeatureSet {
    DescriptorKind kind = DescriptorKind::PowerSpectrum;
    Hypers hypers;
};

struct EnergyFeatureSettings {
    Hypers hypers;                        // the power spectrum every model has
    std::vector<int32_t> species;         // centre and neighbour species, ascending (others: InvalidArgument)
    std::vector<EnergyFeatureSet> extra;  // further families, concatenated after it in each species block
};

// The linear rows of some structures: energies[s] . weights = E_s, forces rows give F (eV/A),
// strain rows give dE/d(strain) (eV), for the weights of EnergyModel.
struct EnergyDesign {
    Eigen::MatrixXd energy;         // structures x n_weights
    Eigen::MatrixXd forces;         // 3 * atoms (all structures, in order) x n_weights; empty if not asked
    Eigen::MatrixXd strain;         // 9 * structures x n_weights (row-major 3x3 per structure); empty if not asked
    std::vector<size_t> atom_offsets;  // structures + 1
};

struct EnergyPrediction {
    double energy = 0;                 // eV
    std::vector<double> energies;      // per atom, eV (sum = energy)
    std::vector<double> forces;        // 3 n, eV/A
    std::array<double, 9> stress{};    // eV/A^3, row-major; periodic structures only
    bool has_stress = false;
    double energy_uncertainty = 0;     // eV (one standard deviation); 0 without a covariance
};

// What one evaluation computes besides the energy. Stress needs a cell periodic in all three
// directions (ignored otherwise: has_stress stays false); energies are the per-atom terms.
struct EnergyRequest {
    bool forces = true;
    bool stress = false;
    bool energies = false;
    bool uncertainty = false;
    // Per atom, whether its energy e_i counts (empty: every atom). A host code that hands over its
    // atoms with their periodic images or ghosts as one cluster (the KIM API, LAMMPS) marks its
    // own atoms: the energy is the sum over contributing centres only, non-contributing atoms
    // have e_i = 0 (also in `energies`) and no share of the uncertainty's design row, yet they
    // are neighbours of contributing centres, so forces (-dE/dr) land on them too.
    std::vector<uint8_t> contributing;
};

class EnergyModel {
public:
    explicit EnergyModel(EnergyFeatureSettings settings);

    const EnergyFeatureSettings& settings() const { return settings_; }
    const std::vector<int32_t>& species() const { return settings_.species; }
    size_t n_features() const { return n_features_; }      // invariants per atom, all families
    // The families: the power spectrum of settings().hypers first, then settings().extra; family k
    // fills columns block_offset(a) + 1 + feature_offset(k) onwards.
    const std::vector<EnergyFeatureSet>& feature_sets() const { return sets_; }
    size_t feature_offset(size_t k) const { return offsets_[k]; }
    size_t feature_count(size_t k) const { return offsets_[k + 1] - offsets_[k]; }
    // Whether design() can build strain rows (training on stresses): every family has cell
    // gradients, which the bispectrum has not. evaluate() gives the stress of every model.
    bool has_strain_rows() const;
    size_t n_weights() const { return species().size() * (1 + n_features_); }
    // Column of species index a's baseline; its feature block follows.
    size_t block_offset(size_t a) const { return a * (1 + n_features_); }

    // Distance beyond which atoms do not interact (Angstrom): neighbour lists for evaluate()
    // must be built with at least this cutoff.
    double cutoff() const { return cutoff_; }

    // InvalidArgument for bad structures or species the model does not know.
    void validate_input(const System& system, size_t index) const;

    // The design rows of `systems` (strain rows for those periodic in 3D; InvalidArgument if there
    // are any and !has_strain_rows()).
    EnergyDesign design(const std::vector<System>& systems, bool forces, bool strain, ThreadPool& pool,
                        const std::atomic<bool>* cancel = nullptr) const;

    // One structure, one pass per feature family by the adjoint route (linear_power_spectrum.hpp,
    // linear_bispectrum.hpp: forces and the strain derivative without the descriptors' gradients;
    // stress when asked and the system is periodic in 3D, for every family)
    // over `list`, which the caller built with build_neighbor_list(system, c) for any
    // c >= cutoff() (e.g. reused between MD steps with a Verlet skin; pairs beyond cutoff()
    // contribute nothing). Nothing is allocated that scales with the feature count per neighbour.
    // InvalidArgument for bad input (unknown species, a list that is not this system's);
    // Cancelled when *cancel is set. Concurrent calls only read the evaluators that set_weights
    // built: no locks, and bitwise the results of the same calls one at a time.
    EnergyPrediction evaluate(const System& system, const NeighborList& list, const EnergyRequest& request,
                              ThreadPool& pool, const std::atomic<bool>* cancel) const;

    // evaluate() with a fresh neighbour list; energies and uncertainty always.
    EnergyPrediction predict(const System& system, bool forces, bool stress, ThreadPool& pool,
                             const std::atomic<bool>* cancel = nullptr) const;

    // f^T C f for a design row f (energy units squared, before the calibration alpha); 0 when the
    // model has no covariance.
    double energy_variance(const Eigen::VectorXd& design_row) const;

    // n_weights, zero until set. set_weights also lays them out for evaluate() once (the
    // per-family evaluators, energy_evaluators.hpp), so that no call rebuilds them: weights
    // change only through it. InvalidArgument for a wrong count.
    const Eigen::VectorXd& weights() const { return weights_; }
    void set_weights(Eigen::VectorXd weights);

    EnergyCovariance covariance;    // C above, compact (energy_covariance.hpp); empty before training
    double uncertainty_scale = 1.0; // alpha

private:
    EnergyFeatureSettings settings_;
    std::vector<EnergyFeatureSet> sets_;
    std::vector<size_t> offsets_;  // sets + 1
    size_t n_features_ = 0;
    double cutoff_ = 0;
    Eigen::VectorXd weights_;
    // Per family, built in the constructor (the expansion setups) and by set_weights (the
    // evaluators), immutable afterwards: copies of the model share them.
    std::vector<std::shared_ptr<const ExpansionSetup>> setups_;
    std::shared_ptr<const std::vector<EnergyFamilyEvaluator>> evaluators_;
};

// How training weighs its rows: energies per atom and force components, each with an expected
// error (eV per atom, eV/A), and a ridge term relative to the mean diagonal of the normal matrix.
struct EnergyFitSettings {
    double energy_sigma = 1e-3;    // eV per atom
    double force_sigma = 5e-2;     // eV/A
    double ridge = 1e-8;           // x mean diagonal; baselines are not regularised
    // Mean diagonal of what: of all feature weights (false), or of each (species, family) block
    // separately (true), which evens out families of different scale (power spectrum A^3,
    // bispectrum A^4.5) and species with more or fewer atoms.
    bool block_ridge = false;
    // Uncertainty: C = (X + p I)^-1 with p = uncertainty_prior x mean diagonal (0: the ridge);
    // directions of X below covariance_band x p are not stored (energy_covariance.hpp).
    double uncertainty_prior = 0;
    double covariance_band = 1e-2;
};

struct EnergyTrainingSet {
    std::vector<System> systems;
    std::vector<double> energies;                // eV
    std::vector<std::vector<double>> forces;     // eV/A, 3 n each; empty vector: no forces for it
};

struct EnergyFitReport {
    double train_energy_mae = 0;   // eV per structure
    double train_force_mae = 0;    // eV/A per component
    size_t rows = 0;
};

// Weighted ridge on energies and forces; sets the model's weights and covariance.
EnergyFitReport fit_energy_model(EnergyModel& model, const EnergyTrainingSet& data, const EnergyFitSettings& settings,
                                 ThreadPool& pool);

// alpha^2 = mean over `data` of (E - E_pred)^2 / (f^T C f): the uncertainty is then calibrated
// in the mean on those (validation) structures. Returns alpha.
double calibrate_uncertainty(EnergyModel& model, const EnergyTrainingSet& data, ThreadPool& pool);

}  // namespace hamd
