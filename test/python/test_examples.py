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
