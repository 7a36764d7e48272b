// Reader of hamd's surrogate-Hamiltonian reference datasets (docs/dataset-format.md, version 1)
// into the core's types: matrices converted from PySCF's orbital order to hamd's.
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/qc/basis.hpp"
#include "core/systems/system.hpp"

namespace hamd {

struct ReferenceStructure {
    System system;
    int molecule = 0;                       // index into molecule_names
    int n_electrons = 0;
    Eigen::MatrixXd orthogonal_fock;        // STO-3G F' = S^-1/2 F S^-1/2, hamd order, Hartree
    std::vector<double> minimal_energies;   // STO-3G orbital energies, ascending
    std::vector<double> large_energies;     // def2-TZVP orbital energies, ascending (all of them)
    std::vector<double> large_charges;      // def2-TZVP Loewdin charges per atom; empty when the file has none
    std::vector<double> large_character;    // per large-basis MO: minimal-basis character 0..1; empty when absent
    double minimal_seconds = 0, large_seconds = 0;
    int occupied() const { return n_electrons / 2; }
};

struct ReferenceDataset {
    std::string path, provenance;
    std::vector<std::string> molecule_names;
    std::vector<ReferenceStructure> structures;
};

// Throws InvalidArgument (file name and reason) for a foreign or inconsistent file, or a
// structure whose elements the basis lacks.
ReferenceDataset load_reference_dataset(const std::string& path, const Basis& basis);

}  // namespace hamd
