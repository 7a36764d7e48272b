"""The i-PI driver hamd-ipi (clients/python/hamd/ipi.py) against ASE's SocketIOCalculator.

ASE is the i-PI-protocol server (a Unix socket in a temporary directory under /tmp/ipi_, ASE's
required prefix); the driver runs as a subprocess (`python3 -m hamd.ipi`) on the tiny water model
of conftest.py, and a daemon that also serves the repository's default Hamiltonian model (for
"gap" in the extras). Checks: 100 velocity-Verlet steps through the socket give the positions of
the same run with the direct calculator hamd.ase.HamdCalculator to 1e-8 A, for a molecule and for
a periodic box (stress too, and a changed cell); the JSON extras; a clean exit (status 0, one log
line) when the server closes or sends EXIT, over Unix and TCP sockets; clear errors for a bad
template, an unreachable server and a wrong atom count.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

import hamd
from conftest import ROOT, autostarted_daemon

pytest.importorskip("ase")
from ase import Atoms, units  # noqa: E402
from ase.calculators.socketio import SocketIOCalculator  # noqa: E402
from ase.md.velocitydistribution import Stationary, thermalize_momenta  # noqa: E402
from ase.md.verlet import VelocityVerlet  # noqa: E402

from hamd.ase import HamdCalculator  # noqa: E402
from hamd.ipi import CODATA  # noqa: E402
from tiny_water_model import BASE, Z  # noqa: E402

HARTREE = CODATA["2014"].hartree  # the driver runs with --codata 2014, ASE's units


@pytest.fixture(scope="module")
def daemon(model_file, tmp_path_factory):
    """(address, env for the driver): a daemon (started by the first client) serving the tiny
    energy model and the repository's default Hamiltonian model."""
    directory = tmp_path_factory.mktemp("ipi-daemon")
    models = directory / "models"
    models.mkdir()
    (models / "default-energy.npz").symlink_to(model_file)
    (models / "default-hamiltonian.npz").symlink_to(ROOT / "models" / "default-hamiltonian.npz")
    for address in autostarted_daemon(directory, models):
        env = dict(os.environ, PYTHONPATH=str(ROOT / "clients" / "python"))
        env.pop("HAMD_ADDRESS", None)
        yield address, env


@pytest.fixture
def socket_name():
    """NAME for --unix and ASE's unixsocket: /tmp/ipi_NAME is a socket in a fresh directory."""
    directory = tempfile.mkdtemp(prefix="ipi_hamd-test-", dir="/tmp")
    yield f"{Path(directory).name[len('ipi_'):]}/server"
    shutil.rmtree(directory, ignore_errors=True)


def start_driver(daemon, *args):
    address, env = daemon
    return subprocess.Popen([sys.executable, "-m", "hamd.ipi", "--daemon", address, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process, timeout=60):
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the driver did not exit: {err}")
    return process.returncode, err


def waters(n, spacing=2.9, amplitude=0.03, seed=1):
    rng = np.random.default_rng(seed)
    positions = np.concatenate([BASE + [spacing * k, 0.3 * k, 0] for k in range(n)])
    return Atoms(numbers=np.tile(Z, n), positions=positions + rng.uniform(-amplitude, amplitude, positions.shape))


def verlet(atoms, steps, on_step=None):
    """steps velocity-Verlet steps of 0.5 fs from 600 K velocities (seeded); positions after each."""
    thermalize_momenta(atoms, temperature_K=600, rng=np.random.default_rng(5))
    Stationary(atoms)
    dynamics = VelocityVerlet(atoms, timestep=0.5 * units.fs)
    trajectory = []
    for k in range(steps):
        dynamics.run(1)
        trajectory.append(atoms.positions.copy())
        if on_step:
            on_step(k, atoms)
    return np.array(trajectory)


def through_driver(daemon, socket_name, tmp_path, atoms, steps, extra_args=(), on_step=None):
    """(trajectory, final results, extras of the last step, driver status, driver log) of `steps`
    Verlet steps with ASE's SocketIOCalculator answered by hamd-ipi."""
    template = tmp_path / "template.xyz"
    atoms.write(template)
    with SocketIOCalculator(unixsocket=socket_name, timeout=60) as calc:
        driver = start_driver(daemon, "--unix", socket_name, "--template", str(template), "--codata", "2014", *extra_args)
        try:
            atoms.calc = calc
            trajectory = verlet(atoms, steps, on_step)
            results = dict(calc.results)
        except Exception as error:
            driver.kill()
            raise AssertionError(f"{error!r}; the driver's log:\n{driver.communicate()[1]}") from error
    status, log = finish(driver)
    extras = json.loads(results["morebytes"].tobytes().decode())
    return trajectory, results, extras, status, log


def direct(daemon, atoms, steps, on_step=None):
    atoms.calc = HamdCalculator(address=daemon[0])
    try:
        trajectory = verlet(atoms, steps, on_step)
        results = dict(atoms.calc.results)
    finally:
        atoms.calc.close()
    return trajectory, results


def test_molecule_trajectory_equals_the_direct_calculator(daemon, socket_name, tmp_path):
    # 6 A apart: beyond the toy model's 3.5 A cutoff, whose cross-molecule forces (it was trained on
    # single molecules) are meaningless and can pull atoms onto each other within 100 steps.
    start = waters(2, spacing=6.0)
    got, results, extras, status, log = through_driver(daemon, socket_name, tmp_path, start.copy(), 100,
                                                       ["--outputs", "gap,energies"])
    want, want_results = direct(daemon, start.copy(), 100)
    assert status == 0, log
    lines = log.strip().splitlines()
    assert len(lines) == 1 and re.fullmatch(
        r"hamd-ipi: the server closed the connection after 101 steps \(\d+ neighbour-list rebuilds\); done", lines[0]), log
    moved = np.abs(want[-1] - start.positions).max()
    assert moved > 0.01, "the atoms moved"
    print(f"molecule: 100 steps, max |x_ipi - x_direct| = {np.abs(got - want).max():.2e} A, moved {moved:.3f} A")
    assert np.abs(got - want).max() < 1e-8, f"max deviation {np.abs(got - want).max():.2e} A"
    assert np.allclose(results["forces"], want_results["forces"], rtol=1e-10, atol=1e-10)
    assert results["energy"] == pytest.approx(want_results["energy"], rel=1e-12, abs=1e-12)
    assert "stress" not in results, "a molecule has no stress"
    # Extras: atomic units (Hartree). Water's LUMO is a sigma* the model does not vouch for (the
    # large basis has a Rydberg-like LUMO there): the gap is null and the warning says why, as
    # Predict says for this very structure.
    assert set(extras) == {"energy_uncertainty", "gap", "energies", "warnings"}
    assert extras["energy_uncertainty"] * HARTREE == pytest.approx(want_results["energy_uncertainty"], rel=1e-9)
    assert np.allclose(np.array(extras["energies"]) * HARTREE, want_results["energies"], rtol=1e-9, atol=1e-12)
    final = start.copy()
    final.positions = got[-1]
    with hamd.connect(daemon[0], autostart=True) as client:
        prediction = client.predict(final, outputs=["gap"])
    assert extras["gap"] is None and "gap" not in prediction
    assert extras["warnings"] == prediction["warnings"] and "lumo and gap withheld" in extras["warnings"][0]


def test_periodic_trajectory_stress_and_a_new_cell(daemon, socket_name, tmp_path):
    start = waters(2, spacing=6.0)  # molecules and images beyond the toy model's cutoff (see above)
    start.set_cell([[12.0, 0, 0], [0.4, 11.7, 0], [-0.3, 0.2, 11.9]])
    start.pbc = True
    stresses = {}

    def record(name):
        def on_step(k, atoms):
            if k == 59:  # an NPT-like change of the cell between two steps
                atoms.set_cell(atoms.cell[:] * 1.01, scale_atoms=True)
            if k in (58, 60, 99):
                stresses.setdefault(name, []).append(atoms.get_stress(voigt=False))
        return on_step

    got, results, extras, status, log = through_driver(daemon, socket_name, tmp_path, start.copy(), 100,
                                                       on_step=record("ipi"))
    want, want_results = direct(daemon, start.copy(), 100, on_step=record("direct"))
    assert status == 0, log
    print(f"periodic: 100 steps, max |x_ipi - x_direct| = {np.abs(got - want).max():.2e} A, stress deviation "
          f"{max(np.abs(a - b).max() for a, b in zip(stresses['ipi'], stresses['direct'])):.2e} eV/A^3")
    assert np.abs(got - want).max() < 1e-8, f"max deviation {np.abs(got - want).max():.2e} A"
    assert np.abs(want[-1] - start.positions).max() > 0.01, "the atoms moved"
    for a, b in zip(stresses["ipi"], stresses["direct"]):
        assert np.abs(b).max() > 1e-4, "a stress to compare"
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12), (a, b)
    assert np.allclose(results["stress"], want_results["stress"], rtol=1e-9, atol=1e-12)
    assert set(extras) == {"energy_uncertainty"}


class FakeServer:
    """An i-PI-protocol server written from the protocol description, on a Unix or TCP socket."""

    def __init__(self, path=None):
        if path:
            self.listener = socket.socket(socket.AF_UNIX)
            self.listener.bind(str(path))
        else:
            self.listener = socket.socket(socket.AF_INET)
            self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(60)
        self.connection = None

    @property
    def address(self):
        host, port = self.listener.getsockname()
        return f"{host}:{port}"

    def accept(self):
        self.connection, _ = self.listener.accept()
        self.connection.settimeout(60)

    def send(self, header, *arrays):
        self.connection.sendall(header.encode().ljust(12) + b"".join(np.asarray(a).tobytes() for a in arrays))

    def receive(self, n):
        data = b""
        while len(data) < n:
            chunk = self.connection.recv(n - len(data))
            assert chunk, "the driver closed the connection"
            data += chunk
        return data

    def status(self):
        self.send("STATUS")
        return self.receive(12).decode().strip()

    def step(self, positions_bohr, h=np.zeros((3, 3))):
        """STATUS (initialising if asked), POSDATA, GETFORCE: (energy, forces, virial, extras)."""
        if self.status() == "NEEDINIT":
            self.send("INIT", np.int32(0), np.int32(3), np.frombuffer(b"abc", np.uint8))
        assert self.status() == "READY"
        ih = np.linalg.pinv(h)
        self.send("POSDATA", np.float64(h), np.float64(ih), np.int32(len(positions_bohr)), np.float64(positions_bohr))
        assert self.status() == "HAVEDATA"
        self.send("GETFORCE")
        assert self.receive(12).decode().strip() == "FORCEREADY"
        energy = np.frombuffer(self.receive(8), "<f8")[0]
        n = np.frombuffer(self.receive(4), "<i4")[0]
        forces = np.frombuffer(self.receive(24 * n), "<f8").reshape(n, 3)
        virial = np.frombuffer(self.receive(72), "<f8").reshape(3, 3)
        length = np.frombuffer(self.receive(4), "<i4")[0]
        return energy, forces, virial, json.loads(self.receive(length))

    def close(self):
        if self.connection:
            self.connection.close()
        self.listener.close()


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_exit_message_and_atomic_units(daemon, tmp_path, transport):
    """EXIT ends the driver with status 0 and one line; the numbers are in Hartree and Bohr
    (CODATA 2018 by default) and equal a session step on the same structure."""
    atoms = waters(1)
    atoms.write(tmp_path / "water.xyz")
    server = FakeServer(tmp_path / "s" if transport == "unix" else None)
    where = ["--unix", str(tmp_path / "s")] if transport == "unix" else ["--address", server.address]
    driver = start_driver(daemon, *where, "--template", str(tmp_path / "water.xyz"))
    try:
        server.accept()
        bohr, hartree = CODATA["2018"]
        energy, forces, virial, extras = server.step(atoms.positions / bohr)
        server.send("EXIT")
        status, log = finish(driver)
    finally:
        server.close()
        driver.kill()
    assert status == 0, log
    assert log.strip().splitlines() == ["hamd-ipi: EXIT received after 1 steps (1 neighbour-list rebuilds); done"]
    with hamd.connect(daemon[0], autostart=True) as client, client.session(atoms, outputs=("energy", "forces"), units="hartree") as s:
        want = s.step(atoms.positions)
    assert energy == pytest.approx(want["energy"], rel=1e-12)
    assert np.allclose(forces, want["forces"], rtol=1e-10, atol=1e-14)
    assert not virial.any(), "a molecule: virial 0"
    assert extras["energy_uncertainty"] > 0


def test_wrong_atom_count_is_a_clear_error(daemon, tmp_path):
    waters(1).write(tmp_path / "water.xyz")
    server = FakeServer(tmp_path / "s")
    driver = start_driver(daemon, "--unix", str(tmp_path / "s"), "--template", str(tmp_path / "water.xyz"))
    try:
        server.accept()
        assert server.status() == "NEEDINIT"
        server.send("POSDATA", np.zeros(18), np.int32(4), np.zeros(12))
        status, log = finish(driver)
    finally:
        server.close()
        driver.kill()
    assert status == 1
    assert "protocol error" in log and "the server sent 4 atoms; the template has 3" in log, log


def test_bad_template_and_unreachable_server(daemon, tmp_path):
    (tmp_path / "garbage.xyz").write_text("this is not\na structure\n")
    waters(1).write(tmp_path / "water.xyz")
    cases = [
        (["--unix", "x", "--template", str(tmp_path / "missing.xyz")], 2, "template"),
        (["--unix", "x", "--template", str(tmp_path / "garbage.xyz")], 2, "ase.io cannot read it"),
        (["--unix", f"hamd-test-nobody-{os.getpid()}", "--wait", "0", "--template", str(tmp_path / "water.xyz")], 1,
         f"no i-PI server at unix:/tmp/ipi_hamd-test-nobody-{os.getpid()}"),
        (["--address", "127.0.0.1:1", "--wait", "0", "--template", str(tmp_path / "water.xyz")], 1,
         "no i-PI server at 127.0.0.1:1"),
        (["--address", "nocolon", "--template", str(tmp_path / "water.xyz")], 2, "--address wants HOST:PORT"),
    ]
    for args, code, message in cases:
        started = time.monotonic()
        status, log = finish(start_driver(daemon, *args))
        assert status == code and message in log and "Traceback" not in log, (args, status, log)
        assert log.count("\n") == 1, f"one line: {log}"
        assert time.monotonic() - started < 30
    missing = finish(start_driver(daemon, "--unix", "x", "--template", str(tmp_path / "missing.xyz")))[1]
    assert "missing.xyz: no such file" in missing


def test_example_run_sh(model_file):
    """examples/ipi/run.sh: ASE's server (and i-PI itself when `i-pi` is installed) against the
    Python API, on a daemon of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("HAMD_ADDRESS", "HAMD_MODELS", "HAMD_COMMAND")}
    run = subprocess.run(["bash", str(ROOT / "examples" / "ipi" / "run.sh")], capture_output=True, text=True,
                         timeout=600, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "agree" in run.stdout and "DISAGREE" not in run.stdout, run.stdout


def test_a_lost_session_is_reopened_once(daemon, tmp_path):
    """A session the daemon ended (idle timeout, restart) is reopened for the next step; a step the
    model refuses is an error, not retried."""
    from hamd.ipi import Driver
    atoms = waters(1)
    bohr = CODATA["2018"].bohr
    with hamd.connect(daemon[0], autostart=True) as client:
        driver = Driver(client, atoms)
        first = driver.compute(np.zeros((3, 3)), atoms.positions / bohr)
        session = driver.session.info["session_id"]
        driver.session.abort()  # as if the daemon had ended it
        assert driver.compute(np.zeros((3, 3)), atoms.positions / bohr) == first
        assert driver.session.info["session_id"] != session and driver.steps == 2
        overlapping = atoms.positions.copy()
        overlapping[1] = overlapping[0] + 0.1
        with pytest.raises(hamd.InvalidArgument, match="closer than"):
            driver.compute(np.zeros((3, 3)), overlapping / bohr)
        driver.close()
