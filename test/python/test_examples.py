"""The examples that users copy run as documented against a daemon with the shipped default
models: examples/ase (ethanol Langevin then NVE; md.py exits 1 if the NVE energy drifts beyond
its stated bound). The Fortran, i-PI, PySCF and LAMMPS examples are run by their own tests
(test_c_client.py, test_ipi.py, test_pyscf_guess.py, test_lammps_kim.py)."""
import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("ase", reason="ASE is not installed (pip install ase)")

ROOT = Path(__file__).resolve().parents[2]


def test_ase_example_runs_and_conserves_energy(daemon_address):
    env = dict(os.environ, HAMD_ADDRESS=daemon_address)
    run = subprocess.run(["bash", str(ROOT / "examples" / "ase" / "run.sh"), "--steps", "100"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert sum(line.startswith("NVT step") for line in lines) == 3 and sum(line.startswith("NVE step") for line in lines) == 3
    assert "drift" in lines[-1] and "agree: True" in run.stdout
    # the uncertainty is reported and finite, in meV
    sigmas = [float(line.split("sigma(E)")[1].split()[0]) for line in lines if "sigma(E)" in line]
    assert all(0.0 < s < 1000.0 for s in sigmas), sigmas


def test_excitations_example_runs(daemon_address):
    """examples/excitations: served frontier levels for conjugated molecules, withheld ones (with the
    reason) for saturated ones, and the requested number of states each."""
    env = dict(os.environ, HAMD_ADDRESS=daemon_address)
    run = subprocess.run(["bash", str(ROOT / "examples" / "excitations" / "run.sh"), "--states", "2",
                          "--address", daemon_address, "butadiene", "H2O", "C6H6"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("butadiene") and "gap" in lines[0] and "withheld" not in lines[0]
    water = next(line for line in lines if line.startswith("H2O"))
    assert "LUMO and gap withheld" in water
    assert any("lumo and gap withheld: the predicted LUMO" in line for line in lines)
    assert sum(line.strip().startswith("S") for line in lines) == 6, "two states per molecule"
    # benzene's degenerate pi* pair: both members count as trained, so its states rest on them
    benzene = lines[lines.index(next(line for line in lines if line.startswith("C6H6"))) + 1]
    assert benzene.strip().endswith("%") and int(benzene.split(":")[-1].strip(" %")) >= 90, benzene
