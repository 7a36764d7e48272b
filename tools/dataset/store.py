"""Writing and reading the hamd reference-dataset format (docs/dataset-format.md).

Everything is a plain numpy array in an uncompressed .npz (no pickled objects), so numpy alone,
or any zip + .npy reader, can load it."""
import json
import sys

import numpy as np

from .npz_files import load_checked, write_atomic

FORMAT_NAME = "hamd-hamiltonian-dataset"
FORMAT_VERSION = 1


def offsets(sizes):
    return np.concatenate([[0], np.cumsum(np.asarray(sizes, dtype=np.int64))]).astype(np.int64)


def assemble(molecules, records, provenance):
    """records: per-structure dicts (plan entry + 'minimal' + 'large' results), in output order."""
    mins = [r["minimal"] for r in records]
    larges = [r["large"] for r in records]
    n_atoms = [len(r["symbols"]) for r in records]
    n_ao = [m["fock"].shape[0] for m in mins]
    z = {"H": 1, "C": 6, "N": 7, "O": 8}
    arrays = {
        "format": np.array(FORMAT_NAME),
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "provenance": np.array(json.dumps(provenance, indent=1, sort_keys=True)),
        "molecule_names": np.array([m["name"] for m in molecules], dtype="<U64"),
        "molecule_smiles": np.array([m["smiles"] for m in molecules], dtype="<U128"),
        "structure_molecule": np.array([r["molecule"] for r in records], dtype=np.int64),
        "structure_index": np.array([r["structure"] for r in records], dtype=np.int64),
        "structure_conformer": np.array([r["conformer"] for r in records], dtype=np.int64),
        "structure_displaced": np.array([r["displaced"] for r in records], dtype=np.bool_),
        "atom_offsets": offsets(n_atoms),
        "species": np.array([z[s] for r in records for s in r["symbols"]], dtype=np.int64),
        "positions": np.concatenate([r["positions"] for r in records]).astype(np.float64),
        "n_electrons": np.array([m["n_electrons"] for m in mins], dtype=np.int64),
        "minimal_ao_offsets": offsets(n_ao),
        "minimal_matrix_offsets": offsets([n * n for n in n_ao]),
        "minimal_fock": np.concatenate([m["fock"].ravel() for m in mins]),
        "minimal_overlap": np.concatenate([m["overlap"].ravel() for m in mins]),
        "minimal_mo_energies": np.concatenate([m["mo_energies"] for m in mins]),
        "minimal_energy": np.array([m["energy"] for m in mins], dtype=np.float64),
        "minimal_ao_labels": np.concatenate([m["ao_labels"] for m in mins]).astype("<U24"),
        "minimal_ao_atom": np.concatenate([m["ao_atom"] for m in mins]).astype(np.int64),
        "minimal_ao_shell": np.concatenate([m["ao_shell"] for m in mins]).astype("<U4"),
        "minimal_ao_l": np.concatenate([m["ao_l"] for m in mins]).astype(np.int64),
        "minimal_ao_m": np.concatenate([m["ao_m"] for m in mins]).astype("<U8"),
        "minimal_seconds": np.array([m["seconds"] for m in mins], dtype=np.float64),
        "large_mo_offsets": offsets([len(l["mo_energies"]) for l in larges]),
        "large_mo_energies": np.concatenate([l["mo_energies"] for l in larges]),
        "large_energy": np.array([l["energy"] for l in larges], dtype=np.float64),
        "large_seconds": np.array([l["seconds"] for l in larges], dtype=np.float64),
    }
    # Optional: results cached before the charges were stored lack them. Those are not recomputed;
    # the array is left out unless every structure has it.
    with_charges = sum("loewdin_charges" in l for l in larges)
    if with_charges == len(larges):
        for l, n in zip(larges, n_atoms):
            if np.shape(l["loewdin_charges"]) != (n,):
                raise ValueError(f"loewdin_charges of shape {np.shape(l['loewdin_charges'])}, expected ({n},)")
        arrays["large_loewdin_charges"] = np.concatenate(
            [np.asarray(l["loewdin_charges"], dtype=np.float64) for l in larges])
    else:
        print(f"warning: {len(larges) - with_charges} of {len(larges)} cached structures have no "
              "def2-TZVP Loewdin charges (cached by an older tools/make-dataset); "
              "large_loewdin_charges is left out of the file", file=sys.stderr)
    # Optional likewise: each large-basis MO's minimal-basis character (quantum.minimal_basis_character).
    with_character = sum("minimal_character" in l for l in larges)
    if with_character == len(larges):
        for l in larges:
            if np.shape(l["minimal_character"]) != np.shape(l["mo_energies"]):
                raise ValueError("minimal_character must have one value per large-basis MO")
        arrays["large_minimal_character"] = np.concatenate(
            [np.asarray(l["minimal_character"], dtype=np.float64) for l in larges])
    else:
        print(f"warning: {len(larges) - with_character} of {len(larges)} cached structures have no "
              "minimal-basis character of their large-basis MOs; large_minimal_character is left out",
              file=sys.stderr)
    return arrays


def write(path, arrays):
    write_atomic(path, arrays)


class Dataset:
    """Numpy-only reader: per-structure views into the concatenated arrays."""

    def __init__(self, path):
        self.arrays, self.provenance = load_checked(path, FORMAT_NAME, FORMAT_VERSION)

    def __len__(self):
        return len(self.arrays["structure_molecule"])

    def structure(self, i):
        a = self.arrays
        at = slice(a["atom_offsets"][i], a["atom_offsets"][i + 1])
        ao = slice(a["minimal_ao_offsets"][i], a["minimal_ao_offsets"][i + 1])
        mat = slice(a["minimal_matrix_offsets"][i], a["minimal_matrix_offsets"][i + 1])
        mo = slice(a["large_mo_offsets"][i], a["large_mo_offsets"][i + 1])
        n = ao.stop - ao.start
        return {
            "name": str(a["molecule_names"][a["structure_molecule"][i]]),
            "species": a["species"][at], "positions": a["positions"][at],
            "n_electrons": int(a["n_electrons"][i]),
            "fock": a["minimal_fock"][mat].reshape(n, n),
            "overlap": a["minimal_overlap"][mat].reshape(n, n),
            "minimal_mo_energies": a["minimal_mo_energies"][ao],
            "ao_labels": a["minimal_ao_labels"][ao],
            "minimal_energy": float(a["minimal_energy"][i]),
            "large_mo_energies": a["large_mo_energies"][mo],
            "large_energy": float(a["large_energy"][i]),
            # optional array (docs/dataset-format.md); None when the file has none
            "large_loewdin_charges": a["large_loewdin_charges"][at] if "large_loewdin_charges" in a else None,
        }
