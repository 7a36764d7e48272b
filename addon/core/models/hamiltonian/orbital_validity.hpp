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
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/io/json.hpp"

namespace hamd {

struct OrbitalValidity {
    bool recorded = false;       // false: a model file written before the rule existed
    double lumo_below_eh = 0;    // a predicted LUMO below this (Hartree) is a valid level
    // Calibration on the training structures: LUMOs the training fitted (valid) and skipped
    // (invalid), and how many of each the rule classifies wrongly.
    int valid = 0, invalid = 0, valid_flagged = 0, invalid_passed = 0;
};

// Members "orbital_validity": {"lumo_below_ev", "calibration": {...}} of the model metadata;
// `recorded` false when absent. InvalidArgument when present but malformed.
OrbitalValidity orbital_validity_from_metadata(const JsonValue& metadata);
std::string orbital_validity_json(const OrbitalValidity& validity);

// One flag per level of `energies` (ascending, Hartree) with n_occupied doubly occupied levels:
// every occupied level is valid; the LUMO when the rule is recorded and it lies below the
// threshold; no higher virtual (training never fits them).
std::vector<bool> valid_orbital_flags(const OrbitalValidity& validity, const Eigen::VectorXd& energies, int n_occupied);

// The threshold that best separates the training structures' predicted LUMOs (Hartree) into
// fitted (trained[k] true) and skipped ones. Misclassifying a skipped LUMO as valid (a number
// the model was not trained for, passed as good) costs twice as much as flagging a fitted one.
// Candidates are midpoints between consecutive sorted LUMOs; ties go to the lower threshold.
OrbitalValidity calibrate_orbital_validity(const std::vector<double>& predicted_lumo, const std::vector<bool>& trained);

}  // namespace hamd
