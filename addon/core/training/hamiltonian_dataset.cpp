#include "core/training/hamiltonian_dataset.hpp"

#include "core/base/errors.hpp"
#include "core/qc/orbital_order.hpp"
#include "core/qc/overlap.hpp"
#include "core/io/npz.hpp"

namespace hamd {

namespace {

void check_offsets(const std::vector<int64_t>& offsets, size_t structures, size_t total, const std::string& what,
                   const std::string& path) {
    if (offsets.size() != structures + 1 || offsets.front() != 0 || static_cast<size_t>(offsets.back()) != total)
        throw InvalidArgument(path + ": '" + what + "' does not match the arrays it slices");
    for (size_t k = 0; k + 1 < offsets.size(); ++k)
        if (offsets[k + 1] < offsets[k]) throw InvalidArgument(path + ": '" + what + "' is not monotone");
}

}  // namespace

ReferenceDataset load_reference_dataset(const std::string& path, const Basis& basis) {
    const NpzArchive npz = read_npz(path);
    if (!npz.count("format") || npz_string(npz, "format", path) != "hamd-hamiltonian-dataset")
        throw InvalidArgument(path + ": not a hamd Hamiltonian dataset (format must be 'hamd-hamiltonian-dataset')");
    const int64_t version = npz_int(npz, "format_version", path);
    if (version != 1) throw InvalidArgument(path + ": unsupported dataset format_version " + std::to_string(version));

    ReferenceDataset data;
    data.path = path;
    data.provenance = npz_string(npz, "provenance", path);
    data.molecule_names = npz_get(npz, "molecule_names", NpyType::Unicode, path).strings;
    const auto& molecule = npz_get(npz, "structure_molecule", NpyType::Int64, path).i64;
    const auto& atom_offsets = npz_get(npz, "atom_offsets", NpyType::Int64, path).i64;
    const auto& species = npz_get(npz, "species", NpyType::Int64, path).i64;
    const auto& positions = npz_get(npz, "positions", NpyType::Float64, path).f64;
    const auto& electrons = npz_get(npz, "n_electrons", NpyType::Int64, path).i64;
    const auto& ao_offsets = npz_get(npz, "minimal_ao_offsets", NpyType::Int64, path).i64;
    const auto& matrix_offsets = npz_get(npz, "minimal_matrix_offsets", NpyType::Int64, path).i64;
    const auto& fock = npz_get(npz, "minimal_fock", NpyType::Float64, path).f64;
    const auto& overlap = npz_get(npz, "minimal_overlap", NpyType::Float64, path).f64;
    const auto& minimal_energies = npz_get(npz, "minimal_mo_energies", NpyType::Float64, path).f64;
    const auto& minimal_seconds = npz_get(npz, "minimal_seconds", NpyType::Float64, path).f64;
    const auto& large_offsets = npz_get(npz, "large_mo_offsets", NpyType::Int64, path).i64;
    const auto& large_energies = npz_get(npz, "large_mo_energies", NpyType::Float64, path).f64;
    const auto& large_seconds = npz_get(npz, "large_seconds", NpyType::Float64, path).f64;

    // Optional (docs/dataset-format.md): absent from files made before it existed.
    const std::vector<double>* charges = nullptr;
    if (npz.count("large_loewdin_charges")) {
        charges = &npz_get(npz, "large_loewdin_charges", NpyType::Float64, path).f64;
        if (charges->size() != species.size())
            throw InvalidArgument(path + ": 'large_loewdin_charges' must have one entry per atom");
    }

    const std::vector<double>* character = nullptr;
    if (npz.count("large_minimal_character")) {
        character = &npz_get(npz, "large_minimal_character", NpyType::Float64, path).f64;
        if (character->size() != large_energies.size())
            throw InvalidArgument(path + ": 'large_minimal_character' must have one entry per large-basis MO");
    }

    const size_t S = molecule.size();
    check_offsets(atom_offsets, S, species.size(), "atom_offsets", path);
    if (positions.size() != 3 * species.size()) throw InvalidArgument(path + ": 'positions' must be atoms x 3");
    check_offsets(ao_offsets, S, minimal_energies.size(), "minimal_ao_offsets", path);
    check_offsets(matrix_offsets, S, fock.size(), "minimal_matrix_offsets", path);
    check_offsets(large_offsets, S, large_energies.size(), "large_mo_offsets", path);
    if (overlap.size() != fock.size() || electrons.size() != S || minimal_seconds.size() != S || large_seconds.size() != S)
        throw InvalidArgument(path + ": per-structure arrays have inconsistent lengths");

    data.structures.resize(S);
    for (size_t s = 0; s < S; ++s) {
        ReferenceStructure& out = data.structures[s];
        if (molecule[s] < 0 || static_cast<size_t>(molecule[s]) >= data.molecule_names.size())
            throw InvalidArgument(path + ": structure_molecule out of range");
        out.molecule = static_cast<int>(molecule[s]);
        out.n_electrons = static_cast<int>(electrons[s]);
        for (int64_t a = atom_offsets[s]; a < atom_offsets[s + 1]; ++a) {
            out.system.types.push_back(static_cast<int32_t>(species[a]));
            for (int d = 0; d < 3; ++d) out.system.positions.push_back(positions[3 * a + d]);
        }
        validate_system(out.system, s);
        const OrbitalLayout layout(basis, out.system.types);
        const int n = layout.size();
        if (ao_offsets[s + 1] - ao_offsets[s] != n || matrix_offsets[s + 1] - matrix_offsets[s] != int64_t(n) * n)
            throw InvalidArgument(path + ": structure " + std::to_string(s) + " has " +
                                  std::to_string(ao_offsets[s + 1] - ao_offsets[s]) + " minimal-basis functions, the " +
                                  basis.name + " basis gives " + std::to_string(n));
        Eigen::MatrixXd F(n, n), Smat(n, n);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                F(i, j) = fock[matrix_offsets[s] + i * n + j];
                Smat(i, j) = overlap[matrix_offsets[s] + i * n + j];
            }
        const OrbitalPermutation order = pyscf_order(layout);
        const LoewdinTransform loewdin_transform = loewdin(matrix_pyscf_to_hamd(Smat, order));
        out.orthogonal_fock = orthogonalise(matrix_pyscf_to_hamd(F, order), loewdin_transform);
        out.orthogonal_fock = (out.orthogonal_fock + out.orthogonal_fock.transpose()) / 2;
        out.minimal_energies.assign(minimal_energies.begin() + ao_offsets[s], minimal_energies.begin() + ao_offsets[s + 1]);
        out.large_energies.assign(large_energies.begin() + large_offsets[s], large_energies.begin() + large_offsets[s + 1]);
        if (static_cast<int>(out.large_energies.size()) < n)
            throw InvalidArgument(path + ": structure " + std::to_string(s) + " has fewer large-basis orbitals than minimal");
        if (character)
            out.large_character.assign(character->begin() + large_offsets[s], character->begin() + large_offsets[s + 1]);
        if (charges) out.large_charges.assign(charges->begin() + atom_offsets[s], charges->begin() + atom_offsets[s + 1]);
        out.minimal_seconds = minimal_seconds[s];
        out.large_seconds = large_seconds[s];
    }
    return data;
}

}  // namespace hamd
