"""Molecule lists and the deterministic structure plan (conformers plus thermal displacements)."""
import json
import re
import subprocess
import zlib
from pathlib import Path

import numpy as np

ALLOWED_ELEMENTS = {"H", "C", "N", "O"}


def read_molecule_list(path):
    """Lines 'name SMILES'; a '#' at the start of a line or after whitespace starts a comment
    (a '#' inside SMILES is a triple bond). Names must be unique."""
    molecules = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ValueError(f"{path}:{number}: expected 'name SMILES', got {line!r}")
        molecules.append({"name": fields[0], "smiles": fields[1]})
    names = [m["name"] for m in molecules]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: duplicate molecule names")
    return molecules


def molecule_seed(base_seed, smiles):
    """Seed depending on the molecule itself, not on its position in the list."""
    return (base_seed * 1_000_003 + zlib.crc32(smiles.encode())) % (2**31 - 1)


def generate_conformers(molecules, n_embed, base_seed, rdkit_python, prune_rms, energy_window):
    request = {
        "molecules": [{"name": m["name"], "smiles": m["smiles"], "n_embed": n_embed,
                       "seed": molecule_seed(base_seed, m["smiles"])} for m in molecules],
        "prune_rms": prune_rms,
        "energy_window": energy_window,
    }
    helper = Path(__file__).with_name("conformers.py")
    done = subprocess.run([rdkit_python, str(helper)], input=json.dumps(request),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"conformer generation with {rdkit_python} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def validate(molecule, symbols, min_atoms, max_atoms):
    foreign = set(symbols) - ALLOWED_ELEMENTS
    if foreign:
        raise ValueError(f"{molecule['name']}: elements {sorted(foreign)} not in {sorted(ALLOWED_ELEMENTS)}")
    if not min_atoms <= len(symbols) <= max_atoms:
        raise ValueError(f"{molecule['name']}: {len(symbols)} atoms, allowed {min_atoms}..{max_atoms}")


def plan_structures(molecule_index, conformer_set, n_structures, base_seed, smiles, sigma):
    """Structure k uses MMFF minimum k while distinct minima remain; later ones are Gaussian
    displacements (sigma Angstrom per Cartesian component) of the minima taken in turn."""
    minima = [np.asarray(c, dtype=np.float64) for c in conformer_set["conformers"]]
    plan = []
    for k in range(n_structures):
        base = k % len(minima)
        positions = minima[base].copy()
        displaced = k >= len(minima)
        if displaced:
            rng = np.random.default_rng([base_seed, zlib.crc32(smiles.encode()), k])
            positions += rng.normal(0.0, sigma, size=positions.shape)
        plan.append({"molecule": molecule_index, "structure": k, "conformer": base,
                     "displaced": displaced, "symbols": conformer_set["symbols"],
                     "positions": positions})
    return plan


def minimum_distance(positions):
    d = np.linalg.norm(positions[:, None, :] - positions[None, :, :], axis=-1)
    d[np.diag_indices_from(d)] = np.inf
    return float(d.min())
