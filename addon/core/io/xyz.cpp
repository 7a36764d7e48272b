#include "core/io/xyz.hpp"

#include <fstream>
#include <sstream>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

const char* const kElements[] = {
    "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl", "Ar",
    "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
    "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe",
    "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf",
    "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
    "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs",
    "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

// Value of key="..." or key=value in the comment line, empty if absent.
std::string comment_value(const std::string& line, const std::string& key) {
    size_t at = 0;
    while ((at = line.find(key + "=", at)) != std::string::npos) {
        if (at == 0 || line[at - 1] == ' ' || line[at - 1] == '\t') break;
        at += key.size();
    }
    if (at == std::string::npos) return "";
    at += key.size() + 1;
    if (at < line.size() && line[at] == '"') {
        size_t end = line.find('"', at + 1);
        return line.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    }
    size_t end = line.find_first_of(" \t", at);
    return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

int atomic_number(const std::string& symbol) {
    for (int z = 1; z <= 118; ++z)
        if (symbol == kElements[z - 1]) return z;
    return 0;
}

std::vector<System> read_extended_xyz(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw InvalidArgument("cannot open " + path);
    std::vector<System> frames;
    std::string line;
    size_t line_number = 0;
    auto fail = [&](const std::string& what) {
        throw InvalidArgument(path + ":" + std::to_string(line_number) + ": " + what);
    };
    while (std::getline(file, line)) {
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        size_t n_atoms = 0;
        try {
            n_atoms = std::stoul(line);
        } catch (...) {
            fail("expected an atom count");
        }
        std::string comment;
        if (!std::getline(file, comment)) fail("missing comment line");
        ++line_number;
        System system;
        const std::string lattice = comment_value(comment, "Lattice");
        if (!lattice.empty()) {
            std::istringstream in(lattice);
            for (double& x : system.cell)
                if (!(in >> x)) fail("Lattice needs 9 numbers");
            system.pbc = {true, true, true};
        }
        const std::string pbc = comment_value(comment, "pbc");
        if (!pbc.empty()) {
            std::istringstream in(pbc);
            for (auto&& flag : system.pbc) {
                std::string word;
                if (!(in >> word)) fail("pbc needs 3 flags");
                flag = (word == "T" || word == "True" || word == "true" || word == "1");
            }
        }
        // Column of species and of pos from Properties=name:type:count:...
        int species_column = 0, pos_column = 1;
        const std::string properties = comment_value(comment, "Properties");
        if (!properties.empty()) {
            std::vector<std::string> fields;
            std::istringstream in(properties);
            for (std::string field; std::getline(in, field, ':');) fields.push_back(field);
            int column = 0;
            species_column = pos_column = -1;
            for (size_t k = 0; k + 2 < fields.size(); k += 3) {
                if (fields[k] == "species") species_column = column;
                if (fields[k] == "pos") pos_column = column;
                column += std::stoi(fields[k + 2]);
            }
            if (species_column < 0 || pos_column < 0) fail("Properties lacks species or pos");
        }
        for (size_t i = 0; i < n_atoms; ++i) {
            if (!std::getline(file, line)) fail("file ends inside a frame");
            ++line_number;
            std::istringstream in(line);
            std::vector<std::string> words;
            for (std::string word; in >> word;) words.push_back(word);
            if (static_cast<int>(words.size()) <= std::max(species_column, pos_column + 2)) fail("too few columns");
            const int z = atomic_number(words[species_column]);
            if (z == 0) fail("unknown element '" + words[species_column] + "'");
            system.types.push_back(z);
            for (int d = 0; d < 3; ++d) system.positions.push_back(std::stod(words[pos_column + d]));
        }
        frames.push_back(std::move(system));
    }
    return frames;
}

}  // namespace hamd
