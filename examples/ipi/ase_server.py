#!/usr/bin/env python3
"""ASE as the i-PI server, hamd-ipi as its driver: 50 velocity-Verlet steps of init.xyz through the
socket, then the same 50 steps with the Python API (hamd.ase.HamdCalculator); exits 0 only when
the positions agree to 1e-8 Angstrom and the energies, forces and uncertainty to 1e-9 relative.
The daemon: $HAMD_ADDRESS (run.sh starts one serving a tiny water model)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from ase import units
from ase.calculators.socketio import SocketIOCalculator
from ase.io import read
from ase.md.velocitydistribution import thermalize_momenta
from ase.md.verlet import VelocityVerlet

from hamd.ase import HamdCalculator

HERE = Path(__file__).resolve().parent
DRIVER = ["hamd-ipi"] if shutil.which("hamd-ipi") else [sys.executable, "-m", "hamd.ipi"]
BOHR_HARTREE = (0.5291772105638411, 27.211386024367243)  # ase.units (CODATA 2014): hamd-ipi --codata 2014


def md(atoms, steps=50):
    thermalize_momenta(atoms, temperature_K=300, rng=np.random.default_rng(1))
    VelocityVerlet(atoms, timestep=0.5 * units.fs).run(steps)
    return atoms.positions.copy(), atoms.get_potential_energy(), atoms.get_forces()


socket_name = f"hamd-example-{os.getpid()}"
atoms = read(HERE / "init.xyz")
# --- the lines that differ from a usual ASE run: ASE serves, hamd-ipi answers ---
with SocketIOCalculator(unixsocket=socket_name, timeout=60) as calc:
    driver = subprocess.Popen(DRIVER + ["--unix", socket_name, "--template", str(HERE / "init.xyz"), "--codata", "2014"])
    atoms.calc = calc
    x_ipi, e_ipi, f_ipi = md(atoms)
    extras = json.loads(calc.results["morebytes"].tobytes())
# ---
status = driver.wait(timeout=60)

direct = read(HERE / "init.xyz")
direct.calc = HamdCalculator()
x_api, e_api, f_api = md(direct)
u_api = direct.calc.results["energy_uncertainty"]

dx = np.abs(x_ipi - x_api).max()
print(f"i-PI route vs Python API after 50 steps: max |dx| {dx:.1e} A, energy {e_ipi:.10f} vs {e_api:.10f} eV, "
      f"uncertainty {extras['energy_uncertainty'] * BOHR_HARTREE[1]:.3e} vs {u_api:.3e} eV; driver exit {status}")
ok = (status == 0 and dx < 1e-8 and np.isclose(e_ipi, e_api, rtol=1e-9, atol=0)
      and np.allclose(f_ipi, f_api, rtol=1e-9, atol=1e-12)
      and np.isclose(extras["energy_uncertainty"] * BOHR_HARTREE[1], u_api, rtol=1e-9))
direct.calc.close()
print("agree" if ok else "DISAGREE")
sys.exit(0 if ok else 1)
