"""LAMMPS through the KIM API (clients/kim): `kim init hamd_EnergyModel metal` with Debian's `lmp`,
against hamd's own Predict for the same structures (the daemon's default model, ethanol).

(i) a molecule (boundary f f f): energy and forces; (ii) a periodic box of two ethanols, 8 A on
a side with the model's 5 A cutoff, so that LAMMPS hands over ~20 ghosts per atom: energy, forces
folded back by LAMMPS, and the pressure tensor LAMMPS computes from the forces on atoms and
ghosts (sum r (x) f), against minus the strain derivative of Predict's periodic energy (the
model is trained on the isolated molecule: condensed-phase values are extrapolation, used here for
agreement only); (iii) a
short NVE run of that box, with reneighbouring (new sessions) along the way, conserves energy.

Builds nothing: uses the KIM items the native CMake built (build/native/clients/kim, a KIM
collection directory), through an isolated collection (KIM_API_* variables, HOME in tmp_path)
so that nothing is installed or written into the user's KIM collections. Skips, saying why,
without `lmp`, its KIM package, or the built items.
"""
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import hamd
from conftest import ROOT
from test_c_client import ethanol_frames

KIM_DIR = ROOT / "build" / "native" / "clients" / "kim"
NKTV2P = 1.6021765e6  # LAMMPS metal units: eV/A^3 -> bar (force->nktv2p)
SYMBOLS = {1: "H", 6: "C", 8: "O"}
TYPES = {"C": 1, "H": 2, "O": 3}
MASSES = {"C": 12.011, "H": 1.008, "O": 15.999}


def lammps():
    lmp = shutil.which("lmp")
    if not lmp:
        pytest.skip("LAMMPS (`lmp`) is not installed: apt-get install lammps")
    if "KIM" not in subprocess.run([lmp, "-h"], capture_output=True, text=True).stdout:
        pytest.skip("this LAMMPS has no KIM package")
    for item in ("hamd_EnergyDriver/libkim-api-model-driver.so", "hamd_EnergyModel/libkim-api-portable-model.so"):
        if not (KIM_DIR / item).exists():
            pytest.skip(f"{KIM_DIR / item} not built (needs libkim-api-dev and the C client; `npm test -- native` builds it)")
    return lmp


def kim_environment(tmp_path, daemon_address):
    """An isolated KIM collection: the build tree's items, a configuration file and HOME in tmp."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return dict(os.environ, HOME=str(home), KIM_API_CONFIGURATION_FILE=str(home / "kim-api-config"),
                KIM_API_MODEL_DRIVERS_DIR=str(KIM_DIR), KIM_API_PORTABLE_MODELS_DIR=str(KIM_DIR),
                KIM_API_SIMULATOR_MODELS_DIR=str(home / "sm"), HAMD_ADDRESS=daemon_address, OMP_NUM_THREADS="1")


def write_data(path, numbers, positions, box, periodic):
    symbols = [SYMBOLS[z] for z in numbers]
    lo, hi = (0.0, box) if periodic else (-box, box)
    lines = ["hamd test structure", "", f"{len(numbers)} atoms", "3 atom types", "",
             f"{lo} {hi} xlo xhi", f"{lo} {hi} ylo yhi", f"{lo} {hi} zlo zhi", "", "Masses", ""]
    lines += [f"{TYPES[s]} {MASSES[s]}" for s in ("C", "H", "O")]
    lines += ["", "Atoms # atomic", ""]
    lines += [f"{i + 1} {TYPES[s]} {float(x)!r} {float(y)!r} {float(z)!r}" for i, (s, (x, y, z)) in enumerate(zip(symbols, positions))]
    path.write_text("\n".join(lines) + "\n")


def run_lammps(tmp_path, daemon_address, numbers, positions, box, periodic, extra=""):
    lmp = lammps()
    write_data(tmp_path / "structure.data", numbers, positions, box, periodic)
    (tmp_path / "in.lammps").write_text(f"""
kim init hamd_EnergyModel metal
boundary {'p p p' if periodic else 'f f f'}
atom_style atomic
read_data structure.data
kim interactions C H O
compute p all pressure NULL virial
thermo_style custom step pe c_p[1] c_p[2] c_p[3] c_p[4] c_p[5] c_p[6]
dump f all custom 1 forces.dump id x y z fx fy fz
dump_modify f format float %.17g sort id
run 0
print "HAMD pe $(pe:%.17g) p $(c_p[1]:%.17g) $(c_p[2]:%.17g) $(c_p[3]:%.17g) $(c_p[4]:%.17g) $(c_p[5]:%.17g) $(c_p[6]:%.17g)"
undump f
{extra}
""")
    run = subprocess.run([lmp, "-in", "in.lammps", "-log", "log.lammps"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600, env=kim_environment(tmp_path, daemon_address))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:] + (
        (tmp_path / "kim.log").read_text()[-3000:] if (tmp_path / "kim.log").exists() else "")
    values = [float(v) for v in re.search(r"^HAMD pe (\S+) p (.*)$", run.stdout, re.M).group(1, 2)[1].split()]
    energy = float(re.search(r"^HAMD pe (\S+)", run.stdout, re.M)[1])
    rows = (tmp_path / "forces.dump").read_text().split("ITEM: ATOMS id x y z fx fy fz\n")[1].strip().split("\n")
    table = np.array([[float(x) for x in row.split()] for row in rows])
    # pxx pyy pzz pxy pxz pyz (LAMMPS' order) as a symmetric matrix
    p = np.array(values)
    pressure = np.array([[p[0], p[3], p[4]], [p[3], p[1], p[5]], [p[4], p[5], p[2]]])
    return energy, table[:, 1:4], table[:, 4:7], pressure, run.stdout


def test_molecule_energy_and_forces_equal_predict(daemon_address, client, tmp_path):
    numbers, frames = ethanol_frames(1)
    energy, positions, forces, _, _ = run_lammps(tmp_path, daemon_address, numbers, frames[0], 20.0, False)
    want = client.predict((numbers, positions), outputs=("energy", "forces"))
    # No ghosts: the session and Predict sum the same terms over the same pairs; pair vectors
    # may differ in the last bit (Verlet list refresh), so ~1e3 eps relative of the scale.
    scale_e, scale_f = abs(want["energy"]), np.abs(want["forces"]).max()
    assert abs(energy - want["energy"]) <= 1e-12 * scale_e, (energy, want["energy"])
    assert np.abs(forces - want["forces"]).max() <= 1e-11 * scale_f
    print(f"LAMMPS/KIM ethanol: E = {energy:.10f} eV, Predict {want['energy']:.10f} eV, "
          f"max |dF| = {np.abs(forces - want['forces']).max():.2e} eV/A")


def two_ethanols_in_a_box(box=8.0):
    numbers, frames = ethanol_frames(2)
    a = frames[0] - frames[0].mean(axis=0) + box / 4
    b = frames[1] - frames[1].mean(axis=0) + 3 * box / 4
    return np.concatenate([numbers, numbers]), np.vstack([a, b]) % box, box


def test_periodic_box_energy_forces_and_pressure_equal_predict(daemon_address, client, tmp_path):
    numbers, positions, box = two_ethanols_in_a_box()
    energy, positions, forces, pressure, _ = run_lammps(tmp_path, daemon_address, numbers, positions, box, True)
    cell = np.eye(3) * box
    atoms = (numbers, positions, cell, [True] * 3)
    want = client.predict(atoms, outputs=("energy", "forces"))
    # Cluster of atoms + ghosts vs the periodic sum: the same pair terms in another order, image
    # positions rounded once (x + L): a few hundred eps of the scale (native test: ~1e-17 eV).
    scale_e, scale_f = abs(want["energy"]), np.abs(want["forces"]).max()
    assert abs(energy - want["energy"]) <= 1e-12 * scale_e, (energy, want["energy"])
    assert np.abs(forces - want["forces"]).max() <= 1e-10 * scale_f, np.abs(forces - want["forces"]).max()

    # Pressure: LAMMPS' virial is sum over atoms and ghosts of r (x) f = -dE/d(strain). The
    # reference is the derivative of Predict's periodic energy under the strain r -> r + e r_b
    # along a (the cell alike), by the five-point stencil with step h = 1e-3: truncation
    # h^4 |E^(5)| / 30 (~1e-12 |E''| here), rounding ~ 1.5 x 1e-13 |E| / h ~ 1e-6 eV. The
    # tolerance, 1e-5 eV + 1e-8 |virial|, covers both.
    volume, h = box ** 3, 1e-3
    numeric = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            def strained(e):
                x, c = positions.copy(), cell.copy()
                x[:, a] += e * positions[:, b]
                c[:, a] += e * cell[:, b]
                return client.predict((numbers, x, c, [True] * 3), outputs=("energy",))["energy"]
            numeric[a, b] = (8 * (strained(h) - strained(-h)) - (strained(2 * h) - strained(-2 * h))) / (12 * h)
    want_pressure = -numeric / volume * NKTV2P
    tolerance = (1e-5 + 1e-8 * np.abs(numeric).max()) / volume * NKTV2P
    difference = np.abs(pressure - want_pressure).max()
    print(f"LAMMPS/KIM periodic box (18 atoms, L = {box} A): E = {energy:.10f} eV vs {want['energy']:.10f}; "
          f"pressure (bar) diagonal {np.diag(pressure).round(3)} vs {np.diag(want_pressure).round(3)}, "
          f"max difference {difference:.3g} bar (tolerance {tolerance:.3g})")
    assert np.abs(want_pressure).max() > 100 * tolerance  # the comparison means something
    assert difference <= tolerance


def test_periodic_water_energy_forces_and_pressure_equal_predict(daemon_address, client, tmp_path):
    """Periodic water (27 molecules, 1 g/cm3, a 9.3 A cell shorter than twice the cutoff):
    energy, forces and pressure from LAMMPS through KIM against Predict's energy, forces and
    stress for the same periodic structure (the default model knows H and O; water is outside
    its training data, which does not matter for agreement)."""
    rng = np.random.default_rng(11)
    box = (27 * 18.015 / 0.6022) ** (1 / 3)  # 27 molecules at 1 g/cm3: 9.32 A
    grid = (np.stack(np.meshgrid(*[np.arange(3)] * 3, indexing="ij"), -1).reshape(-1, 3) + 0.5) * box / 3
    numbers, positions = [], []
    for centre in grid + rng.normal(0, 0.1, grid.shape):
        q, _ = np.linalg.qr(rng.normal(size=(3, 3)))  # a random orientation
        for z, x in ((8, [0, 0, 0.117]), (1, [0, 0.757, -0.467]), (1, [0, -0.757, -0.467])):
            numbers.append(z)
            positions.append(centre + q @ np.array(x))
    numbers, positions = np.array(numbers), np.array(positions) % box
    energy, positions, forces, pressure, _ = run_lammps(tmp_path, daemon_address, numbers, positions, box, True)
    want = client.predict((numbers, positions, np.eye(3) * box, [True] * 3), outputs=("energy", "forces", "stress"))
    scale_e, scale_f = abs(want["energy"]), np.abs(want["forces"]).max()
    assert abs(energy - want["energy"]) <= 1e-12 * scale_e, (energy, want["energy"])
    assert np.abs(forces - want["forces"]).max() <= 1e-10 * scale_f, np.abs(forces - want["forces"]).max()
    # Pressure (virial part) = -stress, in bar. Both are sums of the same pair terms, LAMMPS' over
    # atoms and ghosts (r (x) f), hamd's over pairs (r_ij (x) dE/dr_ij): ~1e3 eps relative of the
    # largest term, taken as 1e-10 of the largest stress component.
    want_pressure = -np.asarray(want["stress"]).reshape(3, 3) * NKTV2P
    difference = np.abs(pressure - want_pressure).max()
    print(f"LAMMPS/KIM periodic water (81 atoms, L = {box:.2f} A): E = {energy:.8f} vs {want['energy']:.8f} eV; "
          f"max |dF| {np.abs(forces - want['forces']).max():.2e} eV/A; pressure max difference {difference:.3g} bar")
    assert difference <= 1e-10 * np.abs(want_pressure).max() + 1e-6, difference


def test_nve_run_conserves_energy(daemon_address, tmp_path):
    """One ethanol centred on a corner of a 12 A periodic box, so that LAMMPS wraps it: each atom
    sees most of the molecule as ghosts, and without correct ghost forces nothing would hold
    together. Velocity Verlet at 0.25 fs, 300 K, 200 steps, neighbour lists rebuilt when atoms
    move 0.15 A (each rebuild changes the ghosts and opens a new hamd session). The total energy
    fluctuates by ~ (omega dt)^2 / 8 of the kinetic energy for the fastest (C-H, ~11 fs) mode,
    (2 pi 0.25 / 11)^2 / 8 ~ 2.5e-3, i.e. ~2e-3 eV here; a missing or wrong ghost force would
    drift by far more. Bound: 1 % of the kinetic energy."""
    numbers, frames = ethanol_frames(1)
    box = 12.0
    positions = (frames[0] - frames[0].mean(axis=0)) % box
    extra = """
velocity all create 300 4928459 mom yes rot yes dist gaussian
neighbor 0.3 bin
neigh_modify every 1 delay 0 check yes
timestep 0.00025
fix nve all nve
thermo_style custom step pe ke etotal
thermo_modify format float %.12g
thermo 10
run 200
"""
    _, _, _, _, out = run_lammps(tmp_path, daemon_address, numbers, positions, box, True, extra)
    rows = re.findall(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$", out, re.M)
    table = np.array([[float(v) for v in row] for row in rows])
    assert len(table) == 21, out[-2000:]
    total, kinetic = table[:, 3], table[:, 2]
    drift = np.abs(total - total[0]).max()
    builds = int(re.findall(r"Neighbor list builds = (\d+)", out)[-1])
    print(f"LAMMPS/KIM NVE, 200 steps of 0.25 fs: max |E - E0| = {drift:.3g} eV, kinetic energy "
          f"{kinetic.mean():.3f} eV, {builds} neighbour-list builds (new hamd sessions)")
    assert builds >= 1  # the reopen path was exercised
    assert drift <= 0.01 * kinetic.mean()
