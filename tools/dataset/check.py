"""Self-check of a hamd reference dataset using numpy alone (docs/dataset-format.md)."""
import json

import numpy as np

from . import energy_store

# Spherical basis functions per element; used to check that nothing was cut or padded.
BASIS_SIZES = {
    "sto-3g": {1: 1, 6: 5, 7: 5, 8: 5},
    "def2-tzvp": {1: 6, 6: 31, 7: 31, 8: 31},  # H 3s1p; C/N/O 5s3p2d1f
}


def generalized_eigenvalues(fock, overlap):
    """Eigenvalues of F C = S C e through Loewdin orthogonalisation, S^-1/2 F S^-1/2."""
    s_values, s_vectors = np.linalg.eigh(overlap)
    inv_sqrt = (s_vectors / np.sqrt(s_values)) @ s_vectors.T
    return np.linalg.eigvalsh(inv_sqrt @ fock @ inv_sqrt)


class Checker:
    def __init__(self):
        self.failures = []
        self.count = 0

    def expect(self, condition, message):
        self.count += 1
        if not condition:
            self.failures.append(message)


def check_offsets(c, a, name, length):
    off = a[name]
    c.expect(off[0] == 0 and np.all(np.diff(off) >= 0) and off[-1] == length,
             f"{name} inconsistent with array length {length}")


def check(path, tolerance=1e-6, larger_than=None):
    """Returns (summary dict, list of failure messages)."""
    c = Checker()
    with np.load(path, allow_pickle=False) as f:
        if "format" in f.files and str(f["format"]) == energy_store.FORMAT_NAME:
            return energy_store.check(path)  # energies and forces: a format of its own
        a = {k: f[k] for k in f.files}
    c.expect(str(a.get("format")) == "hamd-hamiltonian-dataset", "format field missing or foreign")
    c.expect(int(a.get("format_version", -1)) == 1, "unsupported format_version")
    if c.failures:
        return {}, c.failures
    prov = json.loads(str(a["provenance"]))
    scf = prov["scf"]
    n = len(a["structure_molecule"])
    for name in ["structure_index", "structure_conformer", "structure_displaced", "n_electrons",
                 "minimal_energy", "large_energy", "minimal_seconds", "large_seconds"]:
        c.expect(len(a[name]) == n, f"{name} has length {len(a[name])}, expected {n}")
    check_offsets(c, a, "atom_offsets", len(a["species"]))
    check_offsets(c, a, "minimal_ao_offsets", len(a["minimal_mo_energies"]))
    check_offsets(c, a, "minimal_matrix_offsets", len(a["minimal_fock"]))
    check_offsets(c, a, "large_mo_offsets", len(a["large_mo_energies"]))
    c.expect(len(a["positions"]) == len(a["species"]) and a["positions"].shape[1:] == (3,),
             "positions shape")
    c.expect(set(np.unique(a["species"]).tolist()) <= {1, 6, 7, 8}, "species outside H, C, N, O")
    for name in ["minimal_ao_labels", "minimal_ao_atom", "minimal_ao_shell", "minimal_ao_l", "minimal_ao_m"]:
        c.expect(len(a[name]) == len(a["minimal_mo_energies"]), f"{name} length")
    for name in ["positions", "minimal_fock", "minimal_overlap", "minimal_mo_energies",
                 "large_mo_energies", "minimal_energy", "large_energy"]:
        c.expect(np.all(np.isfinite(a[name])), f"{name} has non-finite values")
    charges = a.get("large_loewdin_charges")  # optional
    if charges is not None:
        c.expect(charges.dtype == np.float64 and charges.shape == a["species"].shape,
                 f"large_loewdin_charges has shape {charges.shape} ({charges.dtype}), "
                 f"expected ({len(a['species'])},) float64")
        c.expect(np.all(np.isfinite(charges)), "large_loewdin_charges has non-finite values")
    character = a.get("large_minimal_character")  # optional
    if character is not None:
        c.expect(character.dtype == np.float64 and character.shape == a["large_mo_energies"].shape,
                 f"large_minimal_character has shape {character.shape} ({character.dtype}), "
                 f"expected {a['large_mo_energies'].shape} float64")
        # A squared projection norm: within [0, 1] up to the rounding of S_mm^-1 (~1e-10 here).
        c.expect(np.all((character > -1e-8) & (character < 1 + 1e-8)), "large_minimal_character outside [0, 1]")
    if c.failures:
        return {}, c.failures

    worst_eig = 0.0
    minimal_sizes = BASIS_SIZES.get(scf["minimal_basis"].lower())
    large_sizes = BASIS_SIZES.get(scf["large_basis"].lower())
    for i in range(n):
        tag = f"structure {i} ({a['molecule_names'][a['structure_molecule'][i]]})"
        species = a["species"][a["atom_offsets"][i]:a["atom_offsets"][i + 1]]
        lo, hi = a["minimal_ao_offsets"][i], a["minimal_ao_offsets"][i + 1]
        nao = hi - lo
        m0, m1 = a["minimal_matrix_offsets"][i], a["minimal_matrix_offsets"][i + 1]
        c.expect(m1 - m0 == nao * nao, f"{tag}: matrix block size")
        fock = a["minimal_fock"][m0:m1].reshape(nao, nao)
        overlap = a["minimal_overlap"][m0:m1].reshape(nao, nao)
        c.expect(np.abs(overlap - overlap.T).max() < 1e-12, f"{tag}: S not symmetric")
        c.expect(np.abs(fock - fock.T).max() < 1e-12, f"{tag}: F not symmetric")
        c.expect(np.allclose(np.diag(overlap), 1.0, atol=1e-8), f"{tag}: S diagonal not 1")
        s_min = np.linalg.eigvalsh(overlap).min()
        c.expect(s_min > 1e-6, f"{tag}: S not positive definite (min eigenvalue {s_min:.2e})")
        stored = a["minimal_mo_energies"][lo:hi]
        err = np.abs(generalized_eigenvalues(fock, overlap) - stored).max()
        worst_eig = max(worst_eig, err)
        c.expect(err < tolerance, f"{tag}: eigenvalues of (F, S) differ from stored by {err:.2e} Ha")
        atoms = a["minimal_ao_atom"][lo:hi]
        c.expect(np.all(np.diff(atoms) >= 0) and atoms.max() == len(species) - 1,
                 f"{tag}: AO atom indices")
        n_el = int(a["n_electrons"][i])
        c.expect(n_el == int(species.sum()) and n_el % 2 == 0, f"{tag}: electron count")
        n_occ = n_el // 2
        large = a["large_mo_energies"][a["large_mo_offsets"][i]:a["large_mo_offsets"][i + 1]]
        c.expect(np.all(np.diff(large) >= -1e-10), f"{tag}: large-basis energies not ascending")
        c.expect(len(large) >= nao, f"{tag}: fewer large-basis orbitals than minimal")
        if minimal_sizes:
            c.expect(nao == sum(minimal_sizes[int(z)] for z in species), f"{tag}: minimal basis size")
        if large_sizes:
            c.expect(len(large) == sum(large_sizes[int(z)] for z in species),
                     f"{tag}: large-basis orbital count {len(large)}")
        c.expect(stored[n_occ - 1] < stored[n_occ] and large[n_occ - 1] < large[n_occ],
                 f"{tag}: HOMO not below LUMO")
        c.expect(a["large_energy"][i] < a["minimal_energy"][i], f"{tag}: def2-TZVP energy not lower")
        if charges is not None:  # they sum to the molecular charge, sum(Z) - n_electrons
            total = charges[a["atom_offsets"][i]:a["atom_offsets"][i + 1]].sum()
            molecular = int(species.sum()) - n_el
            c.expect(abs(total - molecular) < 1e-6,
                     f"{tag}: Loewdin charges sum to {total:.3e}, molecular charge {molecular}")

    n_atoms = np.diff(a["atom_offsets"])
    per_molecule = np.bincount(a["structure_molecule"], minlength=len(a["molecule_names"]))
    c.expect(per_molecule.min() > 0, "a listed molecule has no structures")
    summary = {"structures": n, "molecules": len(a["molecule_names"]),
               "structures_per_molecule": [int(per_molecule.min()), int(per_molecule.max())],
               "atoms": [int(n_atoms.min()), int(n_atoms.max())],
               "max_eigenvalue_error_hartree": worst_eig, "checks": 0}
    if larger_than is not None:
        with np.load(larger_than, allow_pickle=False) as f:
            biggest_train = int(np.diff(f["atom_offsets"]).max())
            train_smiles = set(f["molecule_smiles"].tolist())
        c.expect(n_atoms.min() > biggest_train,
                 f"smallest structure has {n_atoms.min()} atoms, training has up to {biggest_train}")
        c.expect(not (set(a["molecule_smiles"].tolist()) & train_smiles), "molecules shared with training set")
    summary["checks"] = c.count
    return summary, c.failures
