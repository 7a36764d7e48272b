#include "core/models/hamiltonian/orbital_validity.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/base/errors.hpp"
#include "core/models/hamiltonian/hamiltonian_model.hpp"
#include "core/io/model_archive.hpp"

namespace hamd {

namespace {

int count_member(const JsonValue& calibration, const char* name) {
    const JsonValue* v = calibration.find(name);
    return v && v->type == JsonValue::Type::Number ? static_cast<int>(v->number) : 0;
}

}  // namespace

OrbitalValidity orbital_validity_from_metadata(const JsonValue& metadata) {
    OrbitalValidity v;
    const JsonValue* rule = metadata.find("orbital_validity");
    if (!rule) return v;
    const JsonValue* below = rule->find("lumo_below_ev");
    if (!below || below->type != JsonValue::Type::Number)
        throw InvalidArgument("model metadata: orbital_validity.lumo_below_ev must be a number");
    v.recorded = true;
    v.lumo_below_eh = below->number / kHartreeEv;
    if (const JsonValue* slots = rule->find("virtual_below_ev")) {
        if (slots->type != JsonValue::Type::Array)
            throw InvalidArgument("model metadata: orbital_validity.virtual_below_ev must be an array of numbers");
        for (const JsonValue& x : slots->array) {
            if (x.type != JsonValue::Type::Number)
                throw InvalidArgument("model metadata: orbital_validity.virtual_below_ev must be an array of numbers");
            v.virtual_below_eh.push_back(x.number / kHartreeEv);
        }
    } else {
        v.virtual_below_eh = {v.lumo_below_eh};  // files before pairing: the LUMO is the one trained virtual
    }
    if (const JsonValue* calibration = rule->find("calibration")) {
        v.valid = count_member(*calibration, "valid");
        v.invalid = count_member(*calibration, "invalid");
        v.valid_flagged = count_member(*calibration, "valid_flagged");
        v.invalid_passed = count_member(*calibration, "invalid_passed");
    }
    return v;
}

std::string orbital_validity_json(const OrbitalValidity& v) {
    std::string slots;
    for (double x : v.virtual_below_eh) slots += (slots.empty() ? "" : ", ") + json_number(x * kHartreeEv);
    return "{\"lumo_below_ev\": " + json_number(v.lumo_below_eh * kHartreeEv) + ", \"virtual_below_ev\": [" + slots + "]" +
           ", \"rule\": \"occupied levels are valid; virtual level k (0 = LUMO) is valid when below virtual_below_ev[k]; "
           "lumo and gap are served when the LUMO is below lumo_below_ev\""
           ", \"calibration\": {\"set\": \"training structures\", \"valid\": " + std::to_string(v.valid) +
           ", \"invalid\": " + std::to_string(v.invalid) + ", \"valid_flagged\": " + std::to_string(v.valid_flagged) +
           ", \"invalid_passed\": " + std::to_string(v.invalid_passed) + "}}";
}

std::vector<bool> valid_orbital_flags(const OrbitalValidity& validity, const Eigen::VectorXd& energies, int n_occupied) {
    const int n = static_cast<int>(energies.size());
    std::vector<bool> flags(static_cast<size_t>(n), false);
    for (int k = 0; k < std::min(n_occupied, n); ++k) flags[static_cast<size_t>(k)] = true;
    if (!validity.recorded || n_occupied < 0) return flags;
    for (size_t slot = 0; slot < validity.virtual_below_eh.size(); ++slot) {
        const int level = n_occupied + static_cast<int>(slot);
        if (level >= n) break;
        flags[static_cast<size_t>(level)] = energies[level] < validity.virtual_below_eh[slot];
    }
    // A level (near-)degenerate with a valid virtual one shares its partner's manifold (benzene's
    // e2u pi* pair): which member of the pair training called "the LUMO" is arbitrary.
    for (int level = n_occupied + 1; level < n; ++level)
        if (!flags[static_cast<size_t>(level)] && flags[static_cast<size_t>(level - 1)] &&
            energies[level] - energies[level - 1] < kDegenerateLevelsEh)
            flags[static_cast<size_t>(level)] = true;
    return flags;
}

bool lumo_served(const OrbitalValidity& validity, const Eigen::VectorXd& energies, int n_occupied) {
    return validity.recorded && n_occupied >= 0 && n_occupied < energies.size() && energies[n_occupied] < validity.lumo_below_eh;
}

SlotCalibration calibrate_slot(const std::vector<double>& lumo, const std::vector<bool>& trained) {
    if (lumo.size() != trained.size()) throw InvalidArgument("calibrate_orbital_validity: sizes differ");
    std::vector<size_t> order(lumo.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lumo[a] < lumo[b]; });
    SlotCalibration best;
    for (bool t : trained) (t ? best.valid : best.invalid)++;
    double best_cost = std::numeric_limits<double>::infinity();
    int valid_below = 0, invalid_below = 0;  // among the first k sorted
    for (size_t k = 0; k <= order.size(); ++k) {
        if (k > 0) (trained[order[k - 1]] ? valid_below : invalid_below)++;
        // Threshold between sorted k-1 and k (k = 0: below all; k = n: above all).
        if (k > 0 && k < order.size() && lumo[order[k]] == lumo[order[k - 1]]) continue;
        const double cost = 2.0 * invalid_below + (best.valid - valid_below);
        if (cost < best_cost) {
            best_cost = cost;
            best.invalid_passed = invalid_below;
            best.valid_flagged = best.valid - valid_below;
            if (order.empty()) best.below_eh = 0;
            else if (k == 0) best.below_eh = lumo[order[0]] - 1e-3;
            else if (k == order.size()) best.below_eh = lumo[order[k - 1]] + 1e-3;
            else best.below_eh = 0.5 * (lumo[order[k - 1]] + lumo[order[k]]);
        }
    }
    return best;
}

OrbitalValidity calibrate_orbital_validity(const std::vector<double>& lumo, const std::vector<bool>& lumo_is_large_lumo,
                                           const std::vector<std::vector<double>>& virtual_levels,
                                           const std::vector<std::vector<bool>>& virtual_trained) {
    if (virtual_levels.size() != virtual_trained.size()) throw InvalidArgument("calibrate_orbital_validity: sizes differ");
    const SlotCalibration frontier = calibrate_slot(lumo, lumo_is_large_lumo);
    OrbitalValidity v;
    v.recorded = true;
    v.lumo_below_eh = frontier.below_eh;
    v.valid = frontier.valid;
    v.invalid = frontier.invalid;
    v.valid_flagged = frontier.valid_flagged;
    v.invalid_passed = frontier.invalid_passed;
    if (virtual_levels.empty()) v.virtual_below_eh = {frontier.below_eh};
    for (size_t slot = 0; slot < virtual_levels.size(); ++slot)
        v.virtual_below_eh.push_back(calibrate_slot(virtual_levels[slot], virtual_trained[slot]).below_eh);
    return v;
}

}  // namespace hamd
