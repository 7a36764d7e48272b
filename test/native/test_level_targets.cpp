// Which large-basis level each predicted level is trained against (core/training level_targets)
// and the validity rules calibrated from that (core/models/hamiltonian/orbital_validity):
// index pairing with the LUMO match test, pairing of virtual levels by minimal-basis character
// (diffuse levels skipped), the calibrated thresholds and the flags a prediction gets.
#include <cmath>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/models/hamiltonian/hamiltonian_model.hpp"
#include "core/models/hamiltonian/orbital_validity.hpp"
#include "core/training/hamiltonian_training.hpp"

using namespace hamd;

namespace {

double ev(double x) { return x / kHartreeEv; }

// Water-like: 5 occupied, 7 minimal-basis levels; large basis: a diffuse LUMO (character 0.3),
// then a valence level (0.8), a diffuse one (0.2), a valence one (0.7).
ReferenceStructure reference() {
    ReferenceStructure r;
    r.system.types = {8, 1, 1};
    r.system.positions = {0, 0, 0, 0, 0.76, 0.59, 0, -0.76, 0.59};
    r.n_electrons = 10;
    r.minimal_energies = {ev(-550), ev(-35), ev(-18), ev(-14), ev(-11), ev(9), ev(12)};
    r.large_energies = {ev(-520), ev(-25), ev(-13), ev(-9), ev(-7), ev(0.4), ev(3.0), ev(4.0), ev(6.5), ev(8.0)};
    r.large_character = {1, 1, 1, 1, 1, 0.3, 0.8, 0.2, 0.7, 0.1};
    return r;
}

}  // namespace

int main() {
    const ReferenceStructure r = reference();
    LevelWeights index;  // defaults: no pairing; LUMO only where STO-3G matches within 5 eV
    LevelTargets t = level_targets(r, 7, index);
    check::ok(t.targets[5] == r.large_energies[5] && t.weights[5] == 0,
              "index pairing: the LUMO's partner is the large-basis LUMO, skipped (9 vs 0.4 eV: no match)");
    check::ok(!t.lumo_is_large_lumo && t.paired_virtuals == 0, "index pairing: no virtual trained");
    check::ok(t.weights[6] == 0, "index pairing: higher virtuals weigh 0 by default");

    LevelWeights pairing;
    pairing.valence_virtuals = 2;
    pairing.valence_character = 0.6;
    pairing.valence_virtual_weight = 0.5;
    t = level_targets(r, 7, pairing);
    check::ok(t.targets[5] == r.large_energies[6] && t.weights[5] == pairing.lumo,
              "pairing: the LUMO slot's partner is the first valence virtual (3.0 eV), weight lumo");
    check::ok(t.targets[6] == r.large_energies[8] && t.weights[6] == 0.5,
              "pairing: the next slot's partner is the next valence virtual (6.5 eV), skipping a diffuse one");
    check::ok(t.paired_virtuals == 2 && !t.lumo_is_large_lumo,
              "pairing: two slots paired; the LUMO slot's partner is not the large-basis LUMO");
    check::ok(t.targets[4] == r.large_energies[4] && t.weights[4] == pairing.occupied, "occupied levels stay index-paired");

    ReferenceStructure valence = r;
    valence.large_character[5] = 0.9;  // a valence (pi*-like) large-basis LUMO
    t = level_targets(valence, 7, pairing);
    check::ok(t.lumo_is_large_lumo && t.targets[5] == valence.large_energies[5], "pairing: a valence large-basis LUMO is the LUMO's partner");
    pairing.valence_virtuals = 1;
    t = level_targets(valence, 7, pairing);
    check::ok(t.weights[6] == 0 && t.paired_virtuals == 1, "pairing: slots beyond valence_virtuals weigh 0");
    ReferenceStructure no_character = r;
    no_character.large_character.clear();
    t = level_targets(no_character, 7, pairing);
    check::ok(t.paired_virtuals == 0 && t.weights[5] == 0, "pairing without characters in the data falls back to index pairing");

    // Calibration: LUMOs at 1..4 eV were large-basis LUMOs, 7..9 eV were not; slot 1 trained below 5 eV.
    const std::vector<double> lumo = {ev(1), ev(2), ev(4), ev(7), ev(9), ev(3)};
    const std::vector<bool> label = {true, true, true, false, false, true};
    const std::vector<std::vector<double>> slots = {{ev(1), ev(2), ev(4), ev(7), ev(9), ev(3)}, {ev(3), ev(6), ev(5), ev(11), ev(12), ev(4)}};
    const std::vector<std::vector<bool>> trained = {{true, true, true, true, true, true}, {true, false, true, false, false, true}};
    const OrbitalValidity v = calibrate_orbital_validity(lumo, label, slots, trained);
    check::close(v.lumo_below_eh * kHartreeEv, 5.5, 1e-12, "LUMO threshold: midway between the last fitted (4 eV) and first skipped (7 eV)");
    check::ok(v.valid == 4 && v.invalid == 2 && v.valid_flagged == 0 && v.invalid_passed == 0, "LUMO calibration counts");
    check::ok(v.virtual_below_eh.size() == 2, "one threshold per virtual slot");
    check::ok(v.virtual_below_eh[0] * kHartreeEv > 9, "slot 0 always trained: its threshold lies above every training level");
    check::close(v.virtual_below_eh[1] * kHartreeEv, 5.5, 1e-12, "slot 1 threshold: between 5 eV (trained) and 6 eV (not)");
    // A skipped level among the fitted ones costs twice as much as flagging a fitted one.
    const SlotCalibration mixed = calibrate_slot({ev(1), ev(2), ev(3), ev(4)}, {true, false, true, true});
    // Costs: below all 3, at 1.5 eV 2, at 2.5 eV 4, at 3.5 eV 3, above all 2: the tie goes to 1.5 eV.
    check::close(mixed.below_eh * kHartreeEv, 1.5, 1e-12, "a skipped level among fitted ones: the cheaper, lower threshold (1.5 eV)");
    check::ok(mixed.invalid_passed == 0 && mixed.valid_flagged == 2, "calibrate_slot: it flags two fitted levels rather than pass a skipped one");

    // Flags of a prediction under this rule: occupied valid, slot thresholds for valid_orbitals,
    // the LUMO threshold for lumo/gap.
    Eigen::VectorXd eps(8);
    eps << ev(-20), ev(-15), ev(-10), ev(-8), ev(6), ev(5.0), ev(10), ev(12);
    std::sort(eps.data(), eps.data() + eps.size());
    const std::vector<bool> flags = valid_orbital_flags(v, eps, 4);
    check::ok(flags[0] && flags[3], "occupied levels are valid");
    check::ok(flags[4] && !flags[5] && !flags[6] && !flags[7],
              "LUMO (5 eV) valid as a trained slot; LUMO+1 (6 eV) above its 5.5 eV threshold; nothing beyond the slots");
    check::ok(lumo_served(v, eps, 4), "a 5 eV LUMO is served (below 5.5 eV)");
    Eigen::VectorXd high = eps;
    high[4] = ev(5.8);
    std::sort(high.data(), high.data() + high.size());
    check::ok(!lumo_served(v, high, 4) && valid_orbital_flags(v, high, 4)[4], "a 5.8 eV LUMO: trained slot, but not served as the large-basis LUMO");

    // A level degenerate with a valid LUMO (benzene's pi* pair) is valid too; one 0.1 eV above is not.
    const OrbitalValidity one_slot = orbital_validity_from_metadata(parse_json("{\"orbital_validity\": {\"lumo_below_ev\": 2.5}}"));
    Eigen::VectorXd pair(7);
    pair << ev(-20), ev(-12), ev(-9), ev(-7), ev(-0.3), ev(-0.3) + 1e-13, ev(3);
    std::vector<bool> pair_flags = valid_orbital_flags(one_slot, pair, 4);
    check::ok(pair_flags[4] && pair_flags[5] && !pair_flags[6], "a virtual degenerate with the valid LUMO is valid; the next one is not");
    pair[5] = ev(-0.2);
    pair_flags = valid_orbital_flags(one_slot, pair, 4);
    check::ok(pair_flags[4] && !pair_flags[5], "a virtual 0.1 eV above the LUMO is not degenerate with it");

    // A model file without the virtual list reads as one slot equal to the LUMO rule.
    const OrbitalValidity old = orbital_validity_from_metadata(parse_json("{\"orbital_validity\": {\"lumo_below_ev\": 2.5}}"));
    check::ok(old.recorded && old.virtual_below_eh.size() == 1 && std::fabs(old.virtual_below_eh[0] * kHartreeEv - 2.5) < 1e-12,
              "older metadata: one slot, the LUMO threshold");
    const OrbitalValidity round = orbital_validity_from_metadata(parse_json("{\"orbital_validity\": " + orbital_validity_json(v) + "}"));
    check::ok(round.virtual_below_eh.size() == 2 && std::fabs(round.lumo_below_eh - v.lumo_below_eh) < 1e-12,
              "the rule survives its JSON round trip");
    return check::finish();
}
