// Training of HamiltonianModel (docs/science.md#direct-training, docs/science.md#indirect-training):
//  - direct: ridge regression per block key on the coupled STO-3G F', regularisation chosen
//    per key by k-fold cross-validation over molecules (all folds from Gram matrices);
//  - indirect: refinement of all weights on def2-TZVP orbital energies, L-BFGS (or Adam) with analytic
//    gradients (spectrum_loss -> decouple_adjoint -> X^T dL/dblock), validation-based early stopping.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/training/hamiltonian_dataset.hpp"
#include "core/models/hamiltonian/hamiltonian_model.hpp"
#include "core/base/thread_pool.hpp"

namespace hamd {

struct TrainingProgress {
    std::string stage;   // "features", "ridge", "indirect"
    size_t step = 0, total = 0;
    double train_loss = 0, validation_loss = 0;  // indirect: Hartree^2 (weighted MSE of levels)
};
using ProgressCallback = std::function<void(const TrainingProgress&)>;

struct RidgeSettings {
    // x mean Gram diagonal; the top end matters for keys with few samples (N, O on-site blocks).
    std::vector<double> alphas = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3};
    int folds = 5;
    uint64_t seed = 0;
    // Feature scaling: false = one scale per family (inverse RMS feature norm), true = one per
    // feature (inverse RMS of each). Per-feature scaling blows up rare, noisy features to the
    // same prior size as the dominant ones, which hurt transfer to larger molecules.
    bool per_feature_scale = false;
};

// Which orbital energies the indirect loss sees and how much (docs/science.md#reference-levels-and-their-weights).
struct LevelWeights {
    double core = 0.0;       // the n_heavy lowest levels (1s of C, N, O)
    double occupied = 1.0;   // occupied valence
    // Higher virtuals do not count by default: the def2-TZVP virtuals of small molecules are
    // diffuse (Rydberg-like) levels a minimal basis cannot represent, and fitting them spoiled the
    // larger test molecules (docs/accuracy.md, tuning notes). The LUMO counts fully where it is a
    // valence level (virtual_match_ev below).
    double lumo = 1.0;
    double virtuals = 0.0;   // the other N_min - N_occ - 1 levels
    // A virtual level counts only where the STO-3G calculation has a matching level (within this
    // many eV of the large-basis one): the def2-TZVP LUMO of a saturated molecule (methane, water)
    // is a diffuse Rydberg-like level ~10 eV below the STO-3G sigma*, and pulling sigma* down to it
    // spoils the pi* levels of the larger conjugated molecules. 0 disables the test.
    double virtual_match_ev = 5.0;
    // Virtual levels paired by minimal-basis character (datasets with large_minimal_character;
    // docs/science.md#reference-levels-and-their-weights). 0: off (level k against level k, the
    // LUMO only where virtual_match_ev says it matches). V > 0: the V lowest predicted virtual
    // levels are paired, in order, with the large-basis virtuals whose character is at least
    // valence_character (diffuse Rydberg-like levels in between are skipped), the first with
    // weight `lumo`, the others with valence_virtual_weight; slots without a partner count 0.
    int valence_virtuals = 0;
    double valence_character = 0.6;
    double valence_virtual_weight = 1.0;
    // Weight of the Loewdin-charge term (charge_loss.hpp): weight * mean over atoms of (q - q_ref)^2,
    // in e^2, added to the level loss (Hartree^2) of structures whose dataset has charges. 0: off.
    double charges = 0.0;
    // Weight of the density-matrix term (charge_loss.hpp density_matrix_loss): weight *
    // ||P' - P'_STO-3G||_F^2 / n_orbitals against the density of the dataset's minimal-basis F'.
    // 0: off.
    double density_matrix = 0.0;
};

enum class IndirectOptimizer { Adam, Lbfgs };

struct IndirectSettings {
    // L-BFGS (full batch, Armijo backtracking, 10 curvature pairs): no learning rate to tune;
    // Adam (learning_rate, batch_size) is kept for comparison.
    IndirectOptimizer optimizer = IndirectOptimizer::Lbfgs;
    double first_step = 1e-3;        // L-BFGS: largest weight change of the first (gradient) step
    // Adam steps every weight by ~learning_rate; a block value sums ~1000 scaled features, so
    // the rate must be small (2e-3 diverged, 1e-5 is stable; docs/accuracy.md).
    int epochs = 300;                // L-BFGS iterations or Adam epochs
    double learning_rate = 1e-5;     // Adam only
    double penalty = 1e-2;           // penalty * sum over weights of (w - w_direct)^2, Hartree^2 (scaled space)
    double validation_fraction = 0.2;  // of the molecules, held out for early stopping
    // Which molecules: false = a seeded random draw; true = the largest (most atoms), which
    // mimics the transfer to molecules larger than the training ones that the model is for.
    bool validate_on_largest = false;
    int patience = 40;               // epochs without validation improvement
    int batch_size = 0;              // structures per Adam step; 0 = all
    LevelWeights levels;
    uint64_t seed = 0;
};

// One training structure with its features and targets.
struct TrainingExample {
    const ReferenceStructure* reference = nullptr;
    StructureFeatures features;
    CoupledHamiltonian targets;          // coupled STO-3G F' (structure index 0)
    std::vector<double> levels;          // lowest N_min def2-TZVP orbital energies
    std::vector<double> level_weights;   // per level (LevelWeights)
    double charge_weight = 0;            // LevelWeights::charges when the reference has charges, else 0
    int paired_virtuals = 0;             // LevelTargets::paired_virtuals
    bool lumo_is_large_lumo = false;     // LevelTargets::lumo_is_large_lumo
    std::vector<int> orbital_atom;       // atom of each minimal-basis orbital (hamd order)
    double density_weight = 0;           // LevelWeights::density_matrix
    Eigen::MatrixXd reference_density;   // P' of the STO-3G F' (when density_weight > 0)
};

std::vector<double> level_weights(const ReferenceStructure& reference, int n_levels, const LevelWeights& weights);

// Targets and weights of the n_levels lowest predicted levels: large-basis level k for level k,
// weighted by level_weights(); with valence-virtual pairing (LevelWeights::valence_virtuals > 0
// and characters in the dataset) the virtual slots are paired by character instead.
struct LevelTargets {
    std::vector<double> targets, weights;
    int paired_virtuals = 0;          // virtual slots with a partner (pairing on)
    bool lumo_is_large_lumo = false;  // the LUMO slot's partner is the large-basis LUMO itself
};
LevelTargets level_targets(const ReferenceStructure& reference, int n_levels, const LevelWeights& weights);

std::vector<TrainingExample> prepare_examples(const HamiltonianModel& model, const std::vector<const ReferenceStructure*>& structures,
                                              const LevelWeights& levels, ThreadPool& pool,
                                              const ProgressCallback& progress = nullptr);

struct DirectReport {
    double train_fock_mae = 0;       // Hartree, over every F' entry of the training structures
    double train_fock_max = 0;
    double cv_rmse = 0;              // Hartree, pooled CV error of the block values at the chosen alphas
    size_t n_keys = 0, n_weights = 0;
};

// Fills model.families (scale, keys, direct weights, alpha). Folds are drawn over molecules.
DirectReport train_direct(HamiltonianModel& model, const std::vector<TrainingExample>& examples,
                          const RidgeSettings& settings, ThreadPool& pool, const ProgressCallback& progress = nullptr);

// The indirect loss over examples for given weights (scaled space), and its gradient.
struct IndirectLoss {
    double loss = 0;       // mean over structures of the weighted level MSE (+ penalty if asked)
    std::map<FeatureFamilyKey, Eigen::MatrixXd> gradient;  // same shapes as the weights
};
IndirectLoss indirect_loss(const HamiltonianModel& model, const std::vector<const TrainingExample*>& examples,
                           const std::map<FeatureFamilyKey, Eigen::MatrixXd>& weights,
                           const std::map<FeatureFamilyKey, Eigen::MatrixXd>* anchor, double penalty,
                           bool with_gradient, ThreadPool& pool);

struct IndirectReport {
    std::vector<int> validation_molecules;   // held out for early stopping
    int epochs = 0, best_epoch = 0;
    double initial_train = 0, initial_validation = 0, best_train = 0, best_validation = 0;
};

// Starts from the direct weights; stores the best (validation) weights in families[..].indirect.
IndirectReport train_indirect(HamiltonianModel& model, const std::vector<TrainingExample>& examples,
                              const IndirectSettings& settings, ThreadPool& pool,
                              const ProgressCallback& progress = nullptr);

}  // namespace hamd
