#include "core/qc/basis.hpp"

#include <set>
#include <utility>

#include "core/base/errors.hpp"

namespace hamd {

void Basis::add_element(int atomic_number, std::vector<Shell> shells) {
    const std::string where = "basis for element " + element_symbol(atomic_number);
    if (shells.empty()) throw InvalidArgument(where + ": no shells");
    std::set<std::pair<int, int>> seen;
    for (const Shell& shell : shells) {
        if (shell.l < 0 || shell.l > kMaxAngular)
            throw InvalidArgument(where + ": angular momentum " + std::to_string(shell.l) +
                                  " not supported (s, p, d only)");
        if (shell.exponents.empty() || shell.exponents.size() != shell.coefficients.size())
            throw InvalidArgument(where + ": exponents and coefficients must be non-empty and of equal length");
        for (double exponent : shell.exponents)
            if (!(exponent > 0)) throw InvalidArgument(where + ": exponents must be positive");
        if (!seen.insert({shell.n, shell.l}).second)
            throw InvalidArgument(where + ": shell (n=" + std::to_string(shell.n) + ", l=" +
                                  std::to_string(shell.l) + ") given twice");
    }
    shells_[atomic_number] = std::move(shells);
}

const std::vector<Shell>& Basis::shells(int atomic_number) const {
    auto found = shells_.find(atomic_number);
    if (found == shells_.end())
        throw InvalidArgument("element " + element_symbol(atomic_number) + " is not in basis '" + name + "'");
    return found->second;
}

int Basis::orbital_count(int atomic_number) const {
    int count = 0;
    for (const Shell& shell : shells(atomic_number)) count += shell.size();
    return count;
}

std::vector<int> Basis::elements() const {
    std::vector<int> result;
    for (const auto& entry : shells_) result.push_back(entry.first);
    return result;
}

Basis Basis::sto3g() {
    // Copied from PySCF 2.14: python3 -c "from pyscf import gto; print(gto.basis.load('sto-3g', 'C'))"
    // (and 'H', 'N', 'O'). The 2s and 2p shells of an element share their exponents.
    const std::vector<double> s1 = {0.15432897, 0.53532814, 0.44463454};
    const std::vector<double> s2 = {-0.09996723, 0.39951283, 0.70011547};
    const std::vector<double> p2 = {0.15591627, 0.60768372, 0.39195739};
    auto second_row = [&](std::vector<double> core, std::vector<double> valence) {
        return std::vector<Shell>{{1, 0, core, s1}, {2, 0, valence, s2}, {2, 1, valence, p2}};
    };
    Basis basis;
    basis.name = "sto-3g";
    basis.add_element(1, {{1, 0, {3.42525091, 0.62391373, 0.1688554}, s1}});
    basis.add_element(6, second_row({71.616837, 13.045096, 3.5305122}, {2.9412494, 0.6834831, 0.2222899}));
    basis.add_element(7, second_row({99.106169, 18.052312, 4.8856602}, {3.7804559, 0.8784966, 0.2857144}));
    basis.add_element(8, second_row({130.70932, 23.808861, 6.4436083}, {5.0331513, 1.1695961, 0.380389}));
    return basis;
}

OrbitalLayout::OrbitalLayout(const Basis& basis, const std::vector<int32_t>& atomic_numbers)
    : atomic_numbers_(atomic_numbers) {
    atom_offsets_.push_back(0);
    for (int atom = 0; atom < atom_count(); ++atom) {
        const std::vector<Shell>& element_shells = basis.shells(atomic_numbers[atom]);
        std::vector<ShellSlot> slots;
        for (int s = 0; s < static_cast<int>(element_shells.size()); ++s) {
            const Shell& shell = element_shells[s];
            slots.push_back({shell.n, shell.l, size_});
            for (int m = -shell.l; m <= shell.l; ++m) labels_.push_back({atom, s, shell.n, shell.l, m});
            size_ += shell.size();
        }
        shells_.push_back(std::move(slots));
        atom_offsets_.push_back(size_);
    }
}

}  // namespace hamd
