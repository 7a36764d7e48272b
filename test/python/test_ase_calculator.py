"""The ASE calculator over an energy model, and the client starting its own daemon.

A tiny energy model is trained (tools/tiny_water_model.py: `hamd train energy` on a numpy-written
water dataset from a Morse pair potential; fixtures in conftest.py); the client's autostart starts
a daemon on a fresh socket; ASE's VelocityVerlet then runs NVE molecular dynamics through the calculator. Checks: forces are
minus the derivative of the energy through the calculator, the total energy is conserved within
the bound of the integrator, stress is present for periodic cells only, the uncertainty is
reported, and a second client reuses the daemon instead of starting another.
"""
import numpy as np
import pytest

import hamd

ase = pytest.importorskip("ase")
from ase import Atoms, units  # noqa: E402
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary, ZeroRotation  # noqa: E402
from ase.md.verlet import VelocityVerlet  # noqa: E402

from hamd.ase import HamdCalculator  # noqa: E402

from tiny_water_model import BASE, DEPTH, WIDTH, Z  # noqa: E402  (tools/; conftest.py puts it on the path)

# model_file and calculator_address: conftest.py


def settled_sessions(client, timeout=10.0):
    """The daemon's open sessions once those of the calculators that earlier tests dropped are
    gone: they are freed when the garbage collector closes their channels (at a moment that
    depends on allocations), so collect now and wait for the daemon to see the clients go."""
    import gc
    import time
    gc.collect()
    deadline = time.monotonic() + timeout
    count = client.info()["open_sessions"]
    while count > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        count = client.info()["open_sessions"]
    return count


def water(rng, amplitude=0.05):
    return Atoms(numbers=Z, positions=BASE + rng.uniform(-amplitude, amplitude, BASE.shape))


def test_autostart_then_reuse(calculator_address):
    address, directory = calculator_address
    with hamd.connect(address, autostart=True) as client:
        models = {m["name"]: m for m in client.models()}
        assert models["default-energy"]["kind"] == "energy" and models["default-energy"]["state"] == "ready"
    assert (directory / "hamd.pid").exists(), "the client started a daemon (pid file beside the socket)"
    pid = (directory / "hamd.pid").read_text()
    with hamd.connect(address, autostart=True) as again:
        assert again.info()["api_version"] == "hamd.v1"
    assert (directory / "hamd.pid").read_text() == pid, "a second client reuses the running daemon"


def test_calculator_forces_are_minus_the_energy_gradient(calculator_address):
    address, _ = calculator_address
    rng = np.random.default_rng(3)
    atoms = water(rng)
    atoms.calc = HamdCalculator(address=address)
    forces = atoms.get_forces()
    assert forces.shape == (3, 3)
    assert np.abs(forces.sum(axis=0)).max() < 1e-9, "no net force"
    h = 1e-4
    for atom, axis in [(0, 2), (1, 1), (2, 0)]:
        shifted = []
        for sign in (1, -1):
            probe = atoms.copy()
            probe.positions[atom, axis] += sign * h
            probe.calc = HamdCalculator(address=address)
            shifted.append(probe.get_potential_energy())
        numeric = -(shifted[0] - shifted[1]) / (2 * h)
        # truncation h^2/6 |E'''| (Morse: ~ DEPTH * WIDTH^3 = 32 eV/A^3 -> 5e-8) plus rounding
        assert abs(forces[atom, axis] - numeric) < 1e-6 * (1 + abs(numeric)) + 1e-7
    assert atoms.calc.results["energy_uncertainty"] > 0
    with pytest.raises(Exception):
        atoms.get_stress()  # a molecule has no stress


def test_periodic_stress_in_voigt_order(calculator_address):
    address, _ = calculator_address
    atoms = water(np.random.default_rng(5))
    atoms.set_cell([[3.4, 0, 0], [0.4, 3.3, 0], [-0.3, 0.2, 3.5]])
    atoms.pbc = True
    atoms.calc = HamdCalculator(address=address)
    stress = atoms.get_stress()
    assert stress.shape == (6,) and np.all(np.isfinite(stress))
    full = atoms.get_stress(voigt=False)
    assert np.allclose(full, full.T, atol=1e-9 * (1 + np.abs(full).max())), "the stress is symmetric"


def test_nve_molecular_dynamics_conserves_energy(calculator_address):
    """2000 velocity-Verlet steps of 0.25 fs. The integrator's energy error for a vibration of
    frequency w is bounded by ~ (w dt)^2 / 8 times its energy; the stiffest mode here is the O-H
    stretch of the Morse potential, w = sqrt(2 DEPTH WIDTH^2 / mu) with mu the O-H reduced mass."""
    address, _ = calculator_address
    rng = np.random.default_rng(11)
    atoms = water(rng, 0.02)
    atoms.calc = HamdCalculator(address=address)
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=rng)
    Stationary(atoms)
    ZeroRotation(atoms)
    dt = 0.25 * units.fs
    dynamics = VelocityVerlet(atoms, timestep=dt)
    start = atoms.get_total_energy()
    kinetic0 = atoms.get_kinetic_energy()
    drift = []
    for _ in range(200):
        dynamics.run(10)
        drift.append(atoms.get_total_energy() - start)
    mu = 16.0 * 1.008 / (16.0 + 1.008)  # amu
    omega = np.sqrt(2 * DEPTH * WIDTH ** 2 / mu * units._e / units._amu) * 1e10  # rad/s (eV/A^2/amu -> 1/s^2)
    omega_dt = omega * 0.25e-15
    vibrational = 2 * kinetic0 + 0.1  # eV: kinetic + potential of the excited modes, with margin
    bound = 4 * omega_dt ** 2 / 8 * vibrational
    print(f"NVE: max |drift| {np.max(np.abs(drift)):.2e} eV, bound {bound:.2e} eV, kinetic0 {kinetic0:.3f} eV")
    assert np.max(np.abs(drift)) < bound, f"energy drift {np.max(np.abs(drift)):.2e} eV vs bound {bound:.2e} eV"
    assert atoms.get_kinetic_energy() > 0


def test_session_steps_match_predict(calculator_address):
    """A session's steps equal Predict on the same structures (the session reuses neighbour lists
    with a skin: pair vectors refreshed in another order of operations, so equal to rounding)."""
    address, _ = calculator_address
    rng = np.random.default_rng(21)
    outputs = ("energy", "forces", "energies", "energy_uncertainty")
    with hamd.connect(address) as client:
        already = settled_sessions(client)
        with client.session((Z, BASE), outputs=outputs) as session:
            assert session.info["model"] == "default-energy" and session.info["outputs"] == list(outputs)
            assert client.info()["open_sessions"] == already + 1
            rebuilt = []
            for k in range(20):
                x = BASE + rng.uniform(-0.03, 0.03, BASE.shape)
                got = session.step(x)
                want = client.predict((Z, x), outputs=outputs)
                assert got["step"] == k
                for name in outputs:
                    assert np.allclose(got[name], want[name], rtol=1e-10, atol=1e-10), name
                rebuilt.append(got["neighbors_rebuilt"])
            assert rebuilt[0] and sum(rebuilt) < 10, "the first step builds the list; small moves reuse it"
        assert session.close() == {}, "closing twice is harmless"
        assert client.info()["open_sessions"] == already


def test_session_bad_step_keeps_the_session(calculator_address):
    address, _ = calculator_address
    with hamd.connect(address) as client, client.session((Z, BASE)) as session:
        good = session.step(BASE)["energy"]
        bad = BASE.copy()
        bad[1, 1] = np.nan
        with pytest.raises(hamd.InvalidArgument, match=r"positions\[1\]\[1\] is NaN"):
            session.step(bad)
        with pytest.raises(ValueError, match="shape"):
            session.step(BASE[:2])
        assert session.step(BASE)["energy"] == good, "the session goes on after a refused step"


def test_session_of_a_vanished_client_is_freed(calculator_address):
    address, _ = calculator_address
    with hamd.connect(address) as client:
        already = settled_sessions(client)
        sessions = [client.session((Z, BASE)) for _ in range(5)]
        for s in sessions:
            s.step(BASE)
        assert client.info()["open_sessions"] == already + 5
        for s in sessions:
            s.abort()
        import time
        deadline = time.monotonic() + 10
        while client.info()["open_sessions"] > already and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.info()["open_sessions"] == already


def test_calculator_reopens_its_session_when_the_atoms_change(calculator_address):
    address, _ = calculator_address
    calc = HamdCalculator(address=address)
    one = water(np.random.default_rng(4))
    one.calc = calc
    e1 = one.get_potential_energy()
    first = calc._session.info["session_id"]
    two = one + water(np.random.default_rng(5))
    two.positions[3:] += [0, 0, 4.0]
    two.calc = calc
    e2 = two.get_potential_energy()
    assert calc._session.info["session_id"] != first, "6 atoms: a new session"
    assert two.get_forces().shape == (6, 3)
    with hamd.connect(address) as client:
        assert np.isclose(e2, client.predict(two, outputs=["energy"])["energy"], rtol=1e-10, atol=1e-10)
        assert np.isclose(e1, client.predict(one, outputs=["energy"])["energy"], rtol=1e-10, atol=1e-10)
    calc.close()
