// Which predicted orbital levels stand for large-basis levels the model was trained to reproduce
// (docs/science.md#which-levels-a-prediction-vouches-for).
//
// A minimal basis has no diffuse functions. Where the large-basis LUMO is a diffuse,
// Rydberg-like level (saturated molecules: alkanes, alcohols, water, amines), the minimal basis
// has nothing like it: its lowest virtual is a sigma* several eV higher. Training therefore
// skips such LUMOs (LevelWeights::virtual_match_ev) and fits only valence (pi*) LUMOs; higher
// virtuals are not fitted at all. At prediction time the model cannot see the large-basis
// levels, so the rule is calibrated on the training structures instead: a predicted LUMO below
// `lumo_below_eh` was, in training, a fitted valence LUMO; one above it was a sigma* standing
// where the large basis has a Rydberg level. The rule is stored in the model's metadata.
//
// Models trained with valence-virtual pairing (LevelWeights::valence_virtuals) also fit higher
// virtual levels, each against the next large-basis virtual of valence character; each such slot
// gets a threshold of its own (virtual_below_eh), calibrated the same way on whether training
// gave the slot a partner. Two questions, two rules: valid_orbitals asks "was this level trained"
// (virtual_below_eh), Predict's lumo and gap ask "is the predicted LUMO the large-basis LUMO"
// (lumo_below_eh).
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/io/json.hpp"

namespace hamd {

struct OrbitalValidity {
    bool recorded = false;       // false: a model file written before the rule existed
    double lumo_below_eh = 0;    // a predicted LUMO below this (Hartree) stands for the large-basis LUMO
    // Per trained virtual slot (0 = LUMO, 1 = LUMO+1, ...): a predicted level below its threshold
    // was trained. Models without pairing: one slot, equal to lumo_below_eh.
    std::vector<double> virtual_below_eh;
    // Calibration on the training structures: LUMOs the training fitted (valid) and skipped
    // (invalid), and how many of each the rule classifies wrongly.
    int valid = 0, invalid = 0, valid_flagged = 0, invalid_passed = 0;
};

// Members "orbital_validity": {"lumo_below_ev", "calibration": {...}} of the model metadata;
// `recorded` false when absent. InvalidArgument when present but malformed.
OrbitalValidity orbital_validity_from_metadata(const JsonValue& metadata);
std::string orbital_validity_json(const OrbitalValidity& validity);

// Levels closer than this (Hartree, 27 meV) count as one degenerate manifold: far below the
// model's errors (~0.2 eV), far above the rounding that splits exact degeneracies (~1e-12).
constexpr double kDegenerateLevelsEh = 1e-3;

// One flag per level of `energies` (ascending, Hartree) with n_occupied doubly occupied levels:
// every occupied level is valid; virtual slot k when the rule is recorded, the model trained that
// slot and the level lies below its threshold; a virtual level within kDegenerateLevelsEh of a
// valid virtual one below it; no other virtual.
std::vector<bool> valid_orbital_flags(const OrbitalValidity& validity, const Eigen::VectorXd& energies, int n_occupied);

// Whether the predicted LUMO stands for the large-basis LUMO (lumo and gap may be served).
bool lumo_served(const OrbitalValidity& validity, const Eigen::VectorXd& energies, int n_occupied);

// The threshold that best separates the training structures' predicted LUMOs (Hartree) into
// fitted (trained[k] true) and skipped ones. Misclassifying a skipped LUMO as valid (a number
// the model was not trained for, passed as good) costs twice as much as flagging a fitted one.
// Candidates are midpoints between consecutive sorted LUMOs; ties go to the lower threshold.
// The threshold and its counts, for one slot.
struct SlotCalibration {
    double below_eh = 0;
    int valid = 0, invalid = 0, valid_flagged = 0, invalid_passed = 0;
};
SlotCalibration calibrate_slot(const std::vector<double>& predicted, const std::vector<bool>& trained);

// The whole rule: `lumo` and `lumo_is_large_lumo` give lumo_below_eh (and the calibration
// counts); slot k of `virtual_levels` / `virtual_trained` (one vector per training structure and
// slot) gives virtual_below_eh[k]. Without pairing pass one slot, the LUMO, with the same labels.
OrbitalValidity calibrate_orbital_validity(const std::vector<double>& predicted_lumo, const std::vector<bool>& lumo_is_large_lumo,
                                           const std::vector<std::vector<double>>& virtual_levels = {},
                                           const std::vector<std::vector<bool>>& virtual_trained = {});

}  // namespace hamd
