#include "parameters.hpp"

#include <fstream>
#include <sstream>

namespace hamd_kim {

int atomic_number(const std::string& symbol) {
    static const char* const symbols[] = {
        "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl", "Ar",
        "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe",
        "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf",
        "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
        "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs",
        "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};
    for (int z = 1; z <= 118; ++z)
        if (symbol == symbols[z - 1]) return z;
    return 0;
}

bool read_parameters(const std::string& path, Parameters& parameters, std::string& error) {
    std::ifstream file(path);
    if (!file) {
        error = "cannot read the parameter file " + path;
        return false;
    }
    std::string line;
    for (int number = 1; std::getline(file, line); ++number) {
        const size_t hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        std::istringstream words(line);
        std::string key, value;
        if (!(words >> key)) continue;
        std::vector<std::string> values;
        while (words >> value) values.push_back(value);
        const std::string where = path + ":" + std::to_string(number) + ": ";
        if (key == "model") {
            parameters.model = values.empty() || values[0] == "-" ? "" : values[0];
        } else if (key == "address") {
            parameters.address = values.empty() ? "" : values[0];
        } else if (key == "autostart") {
            if (values.size() != 1 || (values[0] != "yes" && values[0] != "no")) {
                error = where + "autostart takes yes or no";
                return false;
            }
            parameters.autostart = values[0] == "yes";
        } else if (key == "species") {
            for (const std::string& symbol : values) {
                const int z = atomic_number(symbol);
                if (z == 0) {
                    error = where + "\"" + symbol + "\" is not an element symbol";
                    return false;
                }
                parameters.species.push_back(symbol);
                parameters.atomic_numbers.push_back(z);
            }
        } else {
            error = where + "unknown key \"" + key + "\" (model, species, address, autostart)";
            return false;
        }
    }
    if (parameters.species.empty()) {
        error = path + ": no species (a line such as `species H C O`)";
        return false;
    }
    return true;
}

}  // namespace hamd_kim
