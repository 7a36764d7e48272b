#!/usr/bin/env python3
"""Per-step cost of LAMMPS through the KIM model (clients/kim) against the bare session step of
the C client, for the daemon's default model (ethanol).

Usage: PYTHONPATH=clients/python python3 bench/lammps_kim.py ADDRESS [STEPS]
ADDRESS: a daemon serving the default model (e.g. `node bin/hamd.js serve --listen unix:/tmp/b.sock`).
Needs build/native (hamd_c_client_test and the KIM items) and LAMMPS (`lmp`, KIM package).

Systems: 21 atoms (two ethanols and a water 8 A apart, a molecule: boundary f f f, no ghosts) and 999 atoms
(111 ethanols on a grid in a periodic 22 A box, liquid density: LAMMPS adds ~2.4 ghosts per atom).
LAMMPS runs STEPS NVE steps with the atoms held in place (fix setforce after the forces are
computed: the model is trained on single ethanols, and these are timing systems, not physics); its "Loop time" per
step is the whole MD step (KIM call, hamd session step, LAMMPS' own integration and
communication). The C client steps the same atoms as a molecule (no ghosts) STEPS times.
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "native"
SYMBOLS = {1: "H", 6: "C", 8: "O"}
TYPES = {"C": 1, "H": 2, "O": 3}
MASSES = {"C": 12.011, "H": 1.008, "O": 15.999}


def ethanol():
    data = np.load(ROOT / "data" / "ethanol-500K.npz")
    offsets = data["atom_offsets"]
    return data["species"][:9].astype(int), data["positions"][offsets[0]:offsets[1]]


def small_system():
    z, x = ethanol()
    water = (np.array([8, 1, 1]), np.array([[0, 0, 0.12], [0, 0.76, -0.47], [0, -0.76, -0.47]]) + [0, 0, 8.0])
    return np.concatenate([z, z, water[0]]), np.vstack([x, x + [8.0, 0, 0], water[1]]), None


def large_system():
    z, x = ethanol()
    x = x - x.mean(axis=0)
    box, grid = 22.0, 5
    sites = [(i, j, k) for i in range(grid) for j in range(grid) for k in range(grid)][:111]
    positions = np.vstack([x + (np.array(s) + 0.5) * box / grid for s in sites]) % box
    return np.tile(z, len(sites)), positions, box


def lammps_per_step(directory, numbers, positions, box, steps, env):
    periodic = box is not None
    lo, hi = (0.0, box) if periodic else (-30.0, 30.0)
    lines = ["bench", "", f"{len(numbers)} atoms", "3 atom types", ""] + [f"{lo} {hi} {a}lo {a}hi" for a in "xyz"]
    lines += ["", "Masses", ""] + [f"{TYPES[s]} {MASSES[s]}" for s in ("C", "H", "O")] + ["", "Atoms # atomic", ""]
    lines += [f"{i + 1} {TYPES[SYMBOLS[z]]} {p[0]!r} {p[1]!r} {p[2]!r}" for i, (z, p) in
              enumerate(zip(numbers.tolist(), positions.tolist()))]
    (directory / "bench.data").write_text("\n".join(lines) + "\n")
    (directory / "in.bench").write_text(f"""kim init hamd_EnergyModel metal
boundary {'p p p' if periodic else 'f f f'}
atom_style atomic
read_data bench.data
kim interactions C H O
neighbor 0.5 bin
neigh_modify every 1 delay 0 check yes
timestep 0.00001
fix nve all nve
fix hold all setforce 0.0 0.0 0.0
thermo {steps}
run 1
run {steps}
""")
    run = subprocess.run(["lmp", "-in", "in.bench", "-log", "none"], cwd=directory, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        sys.exit(run.stdout[-2000:] + run.stderr[-2000:])
    seconds = float(re.findall(r"Loop time of (\S+) on \d+ procs for (\d+) steps", run.stdout)[-1][0])
    ghosts = re.findall(r"Nghost:\s+(\S+)", run.stdout)[-1]
    builds = re.findall(r"Neighbor list builds = (\d+)", run.stdout)[-1]
    return 1e6 * seconds / steps, float(ghosts), int(builds)


def c_client_per_step(directory, address, numbers, positions, steps):
    frames = directory / "frames.txt"
    rows = [f"{len(numbers)} 1", " ".join(map(str, numbers.tolist()))] + [" ".join(repr(float(v)) for v in p) for p in positions]
    frames.write_text("\n".join(rows) + "\n")
    run = subprocess.run([str(BUILD / "clients" / "c" / "hamd_c_client_test"), "frames", address, str(frames), str(steps)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(run.stdout[-2000:] + run.stderr[-2000:])
    match = re.search(r"us_per_step (\S+) compute_us (\S+)", run.stdout)
    return float(match[1]), float(match[2])


def main():
    address = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "home").mkdir()
        kim = str(BUILD / "clients" / "kim")
        env = dict(os.environ, HOME=str(directory / "home"), KIM_API_MODEL_DRIVERS_DIR=kim, KIM_API_PORTABLE_MODELS_DIR=kim,
                   KIM_API_CONFIGURATION_FILE=str(directory / "home" / "kim-config"), HAMD_ADDRESS=address, OMP_NUM_THREADS="1")
        print(f"{'system':<34} {'LAMMPS/KIM us/step':>19} {'ghosts':>7} {'rebuilds':>8} {'C client us/step':>17} {'daemon compute us':>18}")
        for name, (numbers, positions, box) in (("21 atoms, molecule", small_system()), ("999 atoms, periodic 22 A box", large_system())):
            lammps_us, ghosts, builds = lammps_per_step(directory, numbers, positions, box, steps, env)
            client_us, compute_us = c_client_per_step(directory, address, numbers, positions, steps)
            print(f"{name:<34} {lammps_us:>19.1f} {ghosts:>7.0f} {builds:>8d} {client_us:>17.1f} {compute_us:>18.1f}")


if __name__ == "__main__":
    main()
