#!/usr/bin/env python3
"""Compares a trajectory of examples/fortran/md.f90 with the Python session API.

    python3 examples/fortran/check.py TRAJECTORY [ADDRESS]

Every geometry of TRAJECTORY (written by md.f90) is evaluated again in one Python session
(hamd.connect(ADDRESS).session): energies and forces must agree to 1e-10 relative (forces relative
to the largest force component). Prints the largest deviations; exit status 0 only on agreement.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
import hamd  # noqa: E402

TOLERANCE = 1e-10


def read_trajectory(path):
    frames = []
    lines = Path(path).read_text().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        step, energy = lines[i].split()
        i += 1
        rows = []
        while i < len(lines) and len(lines[i].split()) == 7:
            rows.append([float(x) for x in lines[i].split()])
            i += 1
        rows = np.array(rows)
        frames.append((int(step), float(energy), rows[:, 0].astype(int), rows[:, 1:4], rows[:, 4:7]))
    return frames


def main():
    frames = read_trajectory(sys.argv[1])
    address = sys.argv[2] if len(sys.argv) > 2 else None
    worst_energy = worst_forces = 0.0
    with hamd.connect(address, autostart=True) as client:
        numbers = frames[0][2]
        with client.session((numbers, frames[0][3])) as session:
            for step, energy, _, positions, forces in frames:
                result = session.step(positions)
                worst_energy = max(worst_energy, abs(energy - result["energy"]) / abs(result["energy"]))
                worst_forces = max(worst_forces, np.abs(forces - result["forces"]).max() / np.abs(result["forces"]).max())
    ok = worst_energy <= TOLERANCE and worst_forces <= TOLERANCE
    print(f"{len(frames)} geometries; largest relative deviation from the Python session: energy {worst_energy:.2e}, "
          f"forces {worst_forces:.2e} (tolerance {TOLERANCE:g}): {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
