// validate_system and validate_hypers: each rule rejects its bad values with a message
// naming the structure / atom / parameter; good inputs and defaults pass.
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/descriptors/hypers.hpp"
#include "core/systems/system.hpp"

using namespace hamd;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// "" if f passes; the message if it throws InvalidArgument; "<other>" for anything else.
std::string outcome(const std::function<void()>& f) {
    try {
        f();
    } catch (const InvalidArgument& e) {
        return e.what();
    } catch (...) {
        return "<other exception>";
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void expect_system_error(const System& s, size_t index, const std::string& part, const std::string& name) {
    std::string message = outcome([&] { validate_system(s, index); });
    check::ok(!message.empty() && contains(message, part), name, "message: '" + message + "'");
}

void expect_hypers_error(const Hypers& h, const std::string& part, const std::string& name) {
    std::string message = outcome([&] { validate_hypers(h); });
    check::ok(!message.empty() && contains(message, part), name, "message: '" + message + "'");
}

System water() {
    System s;
    s.types = {8, 1, 1};
    s.positions = {0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0};
    return s;
}

}  // namespace

int main() {
    // --- systems that pass
    check::ok(outcome([] { validate_system(water(), 0); }).empty(), "finite water passes");
    {
        System s = water();
        s.cell = {10, 0, 0, 9.5, 1, 0, 0, 0.3, 10};
        s.pbc = {true, true, true};
        check::ok(outcome([&] { validate_system(s, 0); }).empty(), "skewed but regular periodic cell passes");
        s.cell = {10, 0, 0, 0, 10, 0, 0, 0, 0};
        s.pbc = {true, true, false};
        check::ok(outcome([&] { validate_system(s, 0); }).empty(), "slab with a zero open row passes");
        s.pbc = {false, false, false};
        s.cell = {};
        check::ok(outcome([&] { validate_system(s, 0); }).empty(), "zero cell without pbc passes");
        s.types = {1, 118, 50};
        check::ok(outcome([&] { validate_system(s, 0); }).empty(), "atomic numbers 1 and 118 pass");
    }

    // --- systems that fail
    expect_system_error(System{}, 4, "structure 4: no atoms", "a structure without atoms is refused (nothing to compute; Loewdin of a 0 x 0 overlap crashed)");
    {
        System s = water();
        s.positions[3 * 2 + 0] = kNan;
        expect_system_error(s, 2, "structure 2: atom 2 has a non-finite position (nan", "NaN position names structure and atom");
        s = water();
        s.positions[4] = kInf;
        expect_system_error(s, 0, "atom 1 has a non-finite position", "Inf position raises");
        s = water();
        s.positions.pop_back();
        expect_system_error(s, 0, "structure 0", "positions not a multiple of 3 raise");
        s = water();
        s.positions.resize(6);
        expect_system_error(s, 0, "structure 0: 3 atomic numbers but positions hold 2 atoms", "length mismatch raises");
        s = water();
        s.types[1] = 0;
        expect_system_error(s, 1, "structure 1: unknown element with atomic number 0 at atom 1 (expected 1..118)",
                            "atomic number 0 raises");
        s.types[1] = 119;
        expect_system_error(s, 1, "atomic number 119", "atomic number 119 raises");
        s.types[1] = -6;
        expect_system_error(s, 1, "atomic number -6", "negative atomic number raises");
    }
    {
        System s = water();
        s.pbc = {true, true, true};
        s.cell = {3, 0, 0, 0, 3, 0, 3, 3, 0};  // c = a + b
        expect_system_error(s, 0, "structure 0: the cell is singular (volume", "dependent rows: singular cell raises");
        s.cell = {3, 0, 0, 0, 3, 0, 0, 0, 1e-13};
        expect_system_error(s, 0, "along periodic directions", "flat cell raises");
        s.cell = {};
        expect_system_error(s, 0, "singular", "zero cell with pbc raises");
        s.cell = {3, 0, 0, 6, 0, 0, 0, 0, 5};
        s.pbc = {true, true, false};
        expect_system_error(s, 0, "singular (area", "parallel periodic rows of a slab raise");
        s.pbc = {true, false, false};
        check::ok(outcome([&] { validate_system(s, 0); }).empty(), "the same cell periodic along a only passes");
        s.cell = {0, 0, 0, 1, 0, 0, 0, 0, 1};
        expect_system_error(s, 0, "singular (length", "zero periodic row of a wire raises");
        s.cell = {3, 0, 0, 0, kNan, 0, 0, 0, 3};
        s.pbc = {true, true, true};
        expect_system_error(s, 0, "non-finite entry (row 1, column 1", "NaN in the cell raises");
        s.cell = {3, 0, 0, 0, 3, 0, 0, 0, -kInf};
        expect_system_error(s, 3, "structure 3: the cell has a non-finite entry", "-Inf in the cell raises");
    }

    // --- hyper-parameters
    check::ok(outcome([] { validate_hypers(Hypers{}); }).empty(), "default hypers pass");
    {
        Hypers h;
        h.cutoff = 20.0;
        h.cutoff_width = 20.0;
        h.max_radial = 15;
        h.max_angular = 20;
        h.density_width = 0.01;
        h.center_atom_weight = -3.0;
        check::ok(outcome([&] { validate_hypers(h); }).empty(), "values on the allowed bounds pass");
        h = Hypers{};
        h.cutoff_width = 0.0;
        h.max_radial = 0;
        h.max_angular = 0;
        h.center_atom_weight = 0.0;
        check::ok(outcome([&] { validate_hypers(h); }).empty(), "zero width, zero orders and zero centre weight pass");
    }
    {
        // resolve_hypers: the one place unset parameters get their defaults.
        const Hypers d = resolve_hypers(HyperSettings{});
        const Hypers plain;
        check::ok(d.cutoff == plain.cutoff && d.cutoff_width == plain.cutoff_width && d.max_radial == plain.max_radial &&
                      d.max_angular == plain.max_angular && d.density_width == plain.density_width &&
                      d.center_atom_weight == plain.center_atom_weight,
                  "resolve_hypers: nothing set gives the defaults");
        HyperSettings small;
        small.cutoff = 0.3;
        check::ok(resolve_hypers(small).cutoff_width == 0.3, "resolve_hypers: an unset cutoff_width is capped at a small cutoff");
        small.cutoff_width = 0.1;
        small.max_angular = 2;
        const Hypers set = resolve_hypers(small);
        check::ok(set.cutoff_width == 0.1 && set.max_angular == 2 && set.max_radial == plain.max_radial,
                  "resolve_hypers: set values kept, the others default");
        Hypers base;
        base.max_radial = 3;
        check::ok(resolve_hypers(HyperSettings{}, base).max_radial == 3, "resolve_hypers: a caller's own defaults (training)");
    }
    auto bad = [](std::function<void(Hypers&)> change, const std::string& part, const std::string& name) {
        Hypers h;
        change(h);
        expect_hypers_error(h, part, name);
    };
    bad([](Hypers& h) { h.cutoff = 0.0; }, "hypers.cutoff = 0 is outside (0, 20]", "cutoff 0 raises");
    bad([](Hypers& h) { h.cutoff = -1.0; }, "hypers.cutoff = -1 is outside (0, 20]", "negative cutoff raises");
    bad([](Hypers& h) { h.cutoff = 20.5; }, "hypers.cutoff = 20.5 is outside", "cutoff 20.5 raises");
    bad([](Hypers& h) { h.cutoff = kNan; }, "cutoff", "NaN cutoff raises");
    bad([](Hypers& h) { h.cutoff = kInf; }, "cutoff", "Inf cutoff raises");
    bad([](Hypers& h) { h.cutoff_width = -0.1; }, "hypers.cutoff_width = -0.1 is outside [0, cutoff", "negative cutoff_width raises");
    bad([](Hypers& h) { h.cutoff_width = 5.5; }, "cutoff_width", "cutoff_width above the cutoff raises");
    bad([](Hypers& h) { h.cutoff_width = kNan; }, "cutoff_width", "NaN cutoff_width raises");
    bad([](Hypers& h) { h.max_radial = -1; }, "hypers.max_radial = -1 is outside 0..15", "max_radial -1 raises");
    bad([](Hypers& h) { h.max_radial = 16; }, "hypers.max_radial = 16 is outside 0..15", "max_radial 16 raises");
    bad([](Hypers& h) { h.max_angular = -1; }, "hypers.max_angular = -1 is outside 0..20", "max_angular -1 raises");
    bad([](Hypers& h) { h.max_angular = 21; }, "hypers.max_angular = 21 is outside 0..20", "max_angular 21 raises");
    bad([](Hypers& h) { h.density_width = 0.005; }, "hypers.density_width = 0.005 is outside [0.01, cutoff", "density_width 0.005 raises");
    bad([](Hypers& h) { h.density_width = 0.0; }, "density_width", "density_width 0 raises");
    bad([](Hypers& h) { h.density_width = 6.0; }, "density_width", "density_width above the cutoff raises");
    bad([](Hypers& h) { h.density_width = kInf; }, "density_width", "Inf density_width raises");
    bad([](Hypers& h) { h.density_width = kNan; }, "density_width", "NaN density_width raises");
    bad([](Hypers& h) { h.center_atom_weight = kNan; }, "center_atom_weight", "NaN center_atom_weight raises");
    bad([](Hypers& h) { h.center_atom_weight = -kInf; }, "center_atom_weight", "-Inf center_atom_weight raises");
    return check::finish();
}
