#!/usr/bin/env python3
"""Split a hamd Hamiltonian dataset (docs/dataset-format.md) by whole molecules, for choosing
hyper-parameters on training data only (docs/accuracy.md, "Honest validation").

    bench/hamiltonian_split.py data/train.npz pyridine,furan,acrolein OUT_TRAIN.npz OUT_VAL.npz
"""
import sys

import numpy as np

# Offset arrays (one entry per structure + 1) and the flat arrays they index.
GROUPS = {'atom_offsets': ['species', 'positions'],
          'minimal_ao_offsets': ['minimal_mo_energies', 'minimal_ao_labels', 'minimal_ao_atom',
                                 'minimal_ao_shell', 'minimal_ao_l', 'minimal_ao_m'],
          'minimal_matrix_offsets': ['minimal_fock', 'minimal_overlap'],
          'large_mo_offsets': ['large_mo_energies']}
FLAT = {m for members in GROUPS.values() for m in members}


def subset(data, keep, path):
    n_structures = len(data['structure_molecule'])
    idx = np.where(keep)[0]
    out = {}
    for key, value in data.items():
        if key in GROUPS or key in FLAT:
            continue
        per_structure = value.ndim >= 1 and value.shape[0] == n_structures
        out[key] = value[idx] if per_structure else value  # molecule tables stay whole
    for offsets_key, members in GROUPS.items():
        offsets = data[offsets_key]
        sizes = offsets[idx + 1] - offsets[idx]
        out[offsets_key] = np.concatenate([[0], np.cumsum(sizes)]).astype(offsets.dtype)
        for m in members:
            out[m] = np.concatenate([data[m][offsets[s]:offsets[s + 1]] for s in idx])
    np.savez(path, **out)
    print(f'{path}: {len(idx)} structures')


def main():
    source, names, train_path, val_path = sys.argv[1:5]
    data = dict(np.load(source, allow_pickle=False))
    molecules = list(data['molecule_names'])
    missing = [n for n in names.split(',') if n not in molecules]
    if missing:
        sys.exit(f'unknown molecules: {missing}')
    held_out = np.isin(data['structure_molecule'], [molecules.index(n) for n in names.split(',')])
    subset(data, ~held_out, train_path)
    subset(data, held_out, val_path)


if __name__ == '__main__':
    main()
