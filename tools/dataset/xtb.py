"""A minimal ASE calculator for the `xtb` program (GFN2-xTB by default; Debian package `xtb`).

Each call writes the structure as XYZ into a fresh temporary directory, runs
`xtb coord.xyz --gfn 2 --grad --chrg C --uhf U --acc A --etemp T --norestart` single-threaded,
and parses the Turbomole-format `gradient` file it leaves (energy in Hartree, gradient in
Hartree/Bohr). Starting every call from scratch (no xtbrestart) makes a result depend on the
positions alone, so an MD run resumed from a checkpoint continues exactly as an uninterrupted one.
ASE (>= 3.23) ships no xtb calculator of its own, hence this one.
"""
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from .energy_store import HARTREE_EV, HARTREE_PER_BOHR_EV_PER_ANGSTROM

def default_executable():
    """$HAMD_XTB, else `xtb` on the PATH."""
    return os.environ.get("HAMD_XTB", "xtb")


def find_xtb(executable=None):
    """Path of the xtb executable, or None."""
    return shutil.which(executable or default_executable())


def xtb_version(executable=None):
    """E.g. '6.5.1'; raises RuntimeError when xtb does not run."""
    path = find_xtb(executable)
    if path is None:
        raise RuntimeError(f"xtb executable {executable or default_executable()!r} not found")
    done = subprocess.run([path, "--version"], capture_output=True, text=True, env=_environment())
    match = re.search(r"xtb version (\S+)", done.stdout + done.stderr)
    if not match:
        raise RuntimeError(f"{path} --version: unexpected output\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return match.group(1)


def _environment():
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               OMP_STACKSIZE=env.get("OMP_STACKSIZE", "256M"))
    return env


def parse_gradient_file(text, n_atoms):
    """(energy Hartree, gradient (n, 3) Hartree/Bohr) from the last $grad cycle of a Turbomole
    `gradient` file as xtb writes it."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip().startswith("cycle =")]
    if not starts:
        raise ValueError("no 'cycle =' line in the gradient file")
    head = lines[starts[-1]]
    match = re.search(r"energy\s*=\s*(\S+)", head)
    if not match:
        raise ValueError(f"no energy in {head!r}")
    energy = float(match.group(1).replace("D", "E"))
    block = lines[starts[-1] + 1 + n_atoms: starts[-1] + 1 + 2 * n_atoms]
    gradient = np.array([[float(x.replace("D", "E")) for x in line.split()[:3]] for line in block])
    if gradient.shape != (n_atoms, 3):
        raise ValueError(f"gradient block has shape {gradient.shape}, expected ({n_atoms}, 3)")
    return energy, gradient


class XTB(Calculator):
    """ASE calculator: energy (eV) and forces (eV/Angstrom) from the xtb program."""

    implemented_properties = ["energy", "forces"]
    default_parameters = {"method": 2, "charge": 0, "uhf": 0, "accuracy": 1.0,
                          "electronic_temperature": 300.0}

    def __init__(self, executable=None, **kwargs):
        super().__init__(**kwargs)
        self.executable = find_xtb(executable)
        if self.executable is None:
            raise RuntimeError(f"xtb executable {executable or default_executable()!r} not found "
                               "(Debian: apt-get install xtb)")
        self.calls = 0

    def command(self):
        p = self.parameters
        return [self.executable, "coord.xyz", "--gfn", str(p["method"]), "--grad",
                "--chrg", str(p["charge"]), "--uhf", str(p["uhf"]), "--acc", repr(float(p["accuracy"])),
                "--etemp", repr(float(p["electronic_temperature"])), "--norestart"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        if self.atoms.pbc.any():
            raise NotImplementedError("this xtb calculator handles molecules only")
        symbols = self.atoms.get_chemical_symbols()
        with tempfile.TemporaryDirectory(prefix="hamd-xtb-") as work:
            with open(os.path.join(work, "coord.xyz"), "w") as f:
                f.write(f"{len(symbols)}\n\n")
                for s, (x, y, z) in zip(symbols, self.atoms.positions):
                    f.write(f"{s} {x:.14f} {y:.14f} {z:.14f}\n")
            done = subprocess.run(self.command(), cwd=work, capture_output=True, text=True,
                                  env=_environment())
            path = os.path.join(work, "gradient")
            if done.returncode != 0 or not os.path.exists(path):
                raise RuntimeError(f"xtb failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n"
                                   f"{done.stderr[-2000:]}")
            with open(path) as f:
                energy, gradient = parse_gradient_file(f.read(), len(symbols))
        self.calls += 1
        self.results = {"energy": energy * HARTREE_EV,
                        "forces": -gradient * HARTREE_PER_BOHR_EV_PER_ANGSTROM}
