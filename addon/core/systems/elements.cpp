#include "core/systems/elements.hpp"

#include <cctype>

namespace hamd {

namespace {

const char* const kSymbols[kMaxAtomicNumber] = {
    "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl", "Ar",
    "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
    "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe",
    "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf",
    "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
    "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs",
    "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

bool same_letters(const std::string& label, const char* symbol) {
    size_t k = 0;
    for (; symbol[k] != '\0'; ++k)
        if (k >= label.size() || std::tolower(static_cast<unsigned char>(label[k])) != std::tolower(static_cast<unsigned char>(symbol[k])))
            return false;
    return k == label.size();
}

}  // namespace

std::string element_symbol(int atomic_number) {
    if (atomic_number >= 1 && atomic_number <= kMaxAtomicNumber) return kSymbols[atomic_number - 1];
    return "Z" + std::to_string(atomic_number);
}

int atomic_number(const std::string& label) {
    if (!label.empty() && label.size() <= 3 && std::isdigit(static_cast<unsigned char>(label[0]))) {
        int z = 0;
        for (char c : label) {
            if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
            z = 10 * z + (c - '0');
        }
        return z >= 1 && z <= kMaxAtomicNumber ? z : 0;
    }
    for (int z = 1; z <= kMaxAtomicNumber; ++z)
        if (same_letters(label, kSymbols[z - 1])) return z;
    return 0;
}

}  // namespace hamd
