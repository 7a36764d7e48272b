"""Energy and force errors of an energy model on an energy dataset (docs/dataset-format.md), per
molecule, through a daemon that serves only that model: for held-out sets that no training run
saw (e.g. a fresh trajectory of a training molecule, or new molecules).

    python3 bench/energy_accuracy.py MODEL.npz DATA.npz [--threads N]

Prints, per molecule and in all: structures, energy MAE and RMSE (meV), force MAE and RMSE
(meV/A, over all force components), and the mean predicted energy uncertainty (meV).
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import serve_models  # noqa: E402


def structures(data):
    """(molecule index, numbers, positions, energy eV, forces eV/A) per structure."""
    offsets = data["atom_offsets"]
    for s in range(len(data["energy"])):
        a, b = offsets[s], offsets[s + 1]
        yield int(data["structure_molecule"][s]), data["species"][a:b], data["positions"][a:b], float(data["energy"][s]), data["forces"][a:b]


def row(name, energy_errors, force_errors, sigmas):
    e, f = np.array(energy_errors) * 1e3, np.concatenate(force_errors).ravel() * 1e3
    return (f"| {name} | {len(e)} | {np.abs(e).mean():.2f} | {np.sqrt((e ** 2).mean()):.2f} | "
            f"{np.abs(f).mean():.1f} | {np.sqrt((f ** 2).mean()):.1f} | {1e3 * np.mean(sigmas):.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    data = np.load(args.data, allow_pickle=False)
    names = [str(n) for n in data["molecule_names"]]
    by_molecule = {}
    with serve_models({"model": args.model}, args.threads) as client:
        for molecule, numbers, positions, energy, forces in structures(data):
            out = client.predict((numbers, positions), outputs=("energy", "forces", "energy_uncertainty"), model="model")
            errors = by_molecule.setdefault(molecule, ([], [], []))
            errors[0].append(out["energy"] - energy)
            errors[1].append(out["forces"] - forces)
            errors[2].append(out["energy_uncertainty"])
    print(f"model {args.model}, data {args.data}")
    print("| molecule | structures | energy MAE (meV) | energy RMSE (meV) | force MAE (meV/A) | force RMSE (meV/A) | mean predicted sigma (meV) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for molecule in sorted(by_molecule):
        print(row(names[molecule], *by_molecule[molecule]))
    if len(by_molecule) > 1:
        print(row("all", *[sum((by_molecule[m][k] for m in by_molecule), []) for k in range(3)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
