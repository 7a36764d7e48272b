// The project's one XYZ reader (core/io/xyz.hpp) and element table (core/systems/elements.hpp):
// extended-XYZ comment lines, Lattice/pbc/Properties, several frames, and malformed files
// refused with the file name and line.
#include <string>

#include "core/base/errors.hpp"
#include "core/io/xyz.hpp"
#include "core/systems/elements.hpp"
#include "native/check.hpp"

using namespace hamd;

namespace {

std::string error_of(const std::string& text, const std::string& source) {
    try {
        parse_extended_xyz(text, source);
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

// test/fixtures/<name>, located from this source file.
std::string fixture(const std::string& name) {
    const std::string source = __FILE__;
    return source.substr(0, source.rfind("native/")) + "fixtures/" + name;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

int main() {
    check::ok(element_symbol(1) == "H" && element_symbol(17) == "Cl" && element_symbol(118) == "Og" && element_symbol(119) == "Z119",
              "element symbols 1..118; Z<number> beyond");
    check::ok(atomic_number("C") == 6 && atomic_number("cl") == 17 && atomic_number("CL") == 17 && atomic_number("6") == 6 &&
                  atomic_number("Qq") == 0 && atomic_number("0") == 0 && atomic_number("119") == 0 && atomic_number("") == 0,
              "atomic numbers of symbols (any case) and of digits; 0 for anything else");
    bool round_trip = true;
    for (int z = 1; z <= kMaxAtomicNumber; ++z) round_trip = round_trip && atomic_number(element_symbol(z)) == z;
    check::ok(round_trip, "every symbol maps back to its atomic number");

    const auto info = parse_xyz_comment("Lattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T F T\" energy=-3.2 Properties=Z:I:1:pos:R:3 name=\"a b\" tag={x y}");
    auto value = [&](const std::string& key) {
        for (const auto& [k, v] : info)
            if (k == key) return v;
        return std::string("<absent>");
    };
    check::ok(value("lattice") == "1 0 0 0 1 0 0 0 1" && value("pbc") == "T F T" && value("energy") == "-3.2" &&
                  value("properties") == "Z:I:1:pos:R:3" && value("name") == "a b" && value("tag") == "x y",
              "comment line: quoted, braced and bare values; keys lower-cased");

    const auto frames = parse_extended_xyz("2\nLattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T F T\" Properties=Z:I:1:pos:R:3\n8 0 0 0\n1 1 0 0\n");
    check::ok(frames.size() == 1 && frames[0].types == std::vector<int32_t>{8, 1} && frames[0].pbc == std::array<bool, 3>{true, false, true} &&
                  frames[0].cell[0] == 5 && frames[0].positions[3] == 1,
              "atomic numbers as the species column, pbc T F T, Lattice rows");

    const auto water = read_extended_xyz(fixture("water-cell.xyz"));
    check::ok(water.size() == 2 && water[0].types == std::vector<int32_t>{8, 1, 1, 8, 1, 1} &&
                  water[0].cell == std::array<double, 9>{4, 0, 0, 0.3, 4.2, 0, 0.1, -0.2, 4.5} && water[0].periodic() &&
                  water[0].positions[3] == 0.9 && water[0].positions[4] == 0.3 && water[0].positions[5] == 0.25 &&
                  water[1].types == std::vector<int32_t>{8, 1, 1},
              "extended XYZ file: Lattice rows a, b, c, pbc, pos column read and forces ignored, two frames");
    const auto molecules = read_extended_xyz(fixture("molecules.xyz"));
    check::ok(molecules.size() == 2 && molecules[0].types == std::vector<int32_t>{6, 1, 1, 1, 1} && !molecules[0].periodic(),
              "plain XYZ: no cell, not periodic");

    struct Bad { std::string text, source, message; };
    for (const Bad& bad : {Bad{"2\ncomment\nC 0 0 0\n", "a.xyz", "a.xyz:4: frame of 2 atoms is truncated"},
                           Bad{"1\ncomment\nQq 0 0 0\n", "b.xyz", "b.xyz:3: \"Qq\" is not an element"},
                           Bad{"1\ncomment\nC 0 zero 0\n", "c.xyz", "c.xyz:3: \"zero\" is not a number"},
                           Bad{"x\n", "d.xyz", "d.xyz:1: expected the number of atoms"},
                           Bad{"1\nLattice=\"1 0 0 0 1 0\"\nC 0 0 0\n", "e.xyz", "Lattice has 6 numbers"},
                           Bad{"1\npbc=\"T T T\"\nC 0 0 0\n", "f.xyz", "pbc=\"T T T\" but no Lattice"},
                           Bad{"1\nProperties=species:S:1\nC 0 0 0\n", "g.xyz", "has no pos:R:3 column"},
                           Bad{"1\ncomment\nC 0 0\n", "h.xyz", "h.xyz:3: 3 columns, expected 4"},
                           Bad{"\n\n", "i.xyz", "i.xyz: no frames"}}) {
        const std::string message = error_of(bad.text, bad.source);
        check::ok(contains(message, bad.message), "bad XYZ names file and line: " + bad.message, message);
    }
    check::ok(contains([] {
                  try {
                      read_extended_xyz("/nonexistent/x.xyz");
                  } catch (const InvalidArgument& e) {
                      return std::string(e.what());
                  }
                  return std::string();
              }(), "/nonexistent/x.xyz: no such file"),
              "a missing file: InvalidArgument naming it");
    return check::finish();
}
