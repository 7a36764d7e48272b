#!/usr/bin/env python3
"""A tiny hamd energy model of water (H, O), trained in seconds, for tests, benchmarks and examples.

The reference is a Morse pair potential (no electronic structure): 60 distorted water molecules
are labelled with it, written as a "hamd-energy-dataset" (docs/dataset-format.md) and fitted with
`hamd train energy` (cutoff 3.5 A, max_radial 3, max_angular 3, one thread). The model is only
meant to be smooth and deterministic, not accurate.

    python3 tools/tiny_water_model.py DIR     # writes DIR/models/default-energy.npz, prints its path

Serve it with `HAMD_MODELS=DIR/models` (a daemon the client starts itself) or
`hamd serve --models DIR/models`: it becomes the daemon's default energy model.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASE = np.array([[0, 0, 0.117], [0, 0.757, -0.467], [0, -0.757, -0.467]])  # Angstrom: O, H, H
Z = np.array([8, 1, 1])
DEPTH, WIDTH = 4.0, 2.0  # eV, 1/Angstrom: the Morse pair potential of the training data


def pair(x):
    """Energy (eV) and forces (eV/A) of the Morse pair potential for the O, H, H positions x."""
    e, f = 0.0, np.zeros_like(x)
    for i in range(3):
        for j in range(i + 1, 3):
            d = x[j] - x[i]
            r = np.linalg.norm(d)
            r0 = 0.96 if Z[i] != Z[j] else 1.5
            m = 1 - np.exp(-WIDTH * (r - r0))
            e += DEPTH * (m * m - 1)
            g = DEPTH * 2 * m * WIDTH * np.exp(-WIDTH * (r - r0)) * d / r
            f[i] += g
            f[j] -= g
    return e, f


def write_dataset(path, n=60, seed=7):
    """The training set: n water molecules displaced uniformly by up to 0.12 A."""
    rng = np.random.default_rng(seed)
    positions, forces, energies = [], [], []
    for _ in range(n):
        x = BASE + rng.uniform(-0.12, 0.12, BASE.shape)
        e, f = pair(x)
        positions.append(x)
        forces.append(f)
        energies.append(e)
    np.savez(path, format=np.array("hamd-energy-dataset"), format_version=np.array(1, dtype=np.int64),
             provenance=np.array(json.dumps({"source": "test Morse pair potential"})),
             structure_molecule=np.zeros(n, dtype=np.int64), atom_offsets=np.arange(0, 3 * n + 1, 3, dtype=np.int64),
             species=np.tile(Z, n).astype(np.int64), positions=np.concatenate(positions),
             forces=np.concatenate(forces), energy=np.array(energies), cell=np.zeros((n, 3, 3)),
             pbc=np.zeros((n, 3), dtype=np.bool_))
    return path


def train(directory):
    """Writes directory/water.npz and directory/models/default-energy.npz; returns the model path.
    Raises RuntimeError with hamd's message when training fails."""
    directory = Path(directory)
    (directory / "models").mkdir(parents=True, exist_ok=True)
    data = write_dataset(directory / "water.npz")
    model = directory / "models" / "default-energy.npz"
    run = subprocess.run(["node", str(ROOT / "bin" / "hamd.js"), "train", "energy", "--data", str(data), "-o", str(model),
                          "--cutoff", "3.5", "--max-radial", "3", "--max-angular", "3", "--threads", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(f"hamd train energy failed ({run.returncode}):\n{run.stderr}")
    return model


def water_cluster(n_molecules, spacing=3.1, seed=0):
    """(numbers, positions) of n water molecules on a cubic grid `spacing` A apart, each slightly
    rotated, as one cluster (e.g. 7 molecules = 21 atoms)."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(n_molecules ** (1 / 3)))
    numbers, positions = [], []
    for k in range(n_molecules):
        corner = spacing * np.array([k % side, (k // side) % side, k // (side * side)], dtype=float)
        angle = rng.uniform(0, 2 * np.pi)
        c, s = np.cos(angle), np.sin(angle)
        rotation = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        positions.append(BASE @ rotation.T + corner)
        numbers.append(Z)
    return np.concatenate(numbers), np.concatenate(positions)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(train(sys.argv[1]))
