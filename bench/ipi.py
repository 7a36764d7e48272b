#!/usr/bin/env python3
"""Per-step time of the i-PI route against the direct ASE calculator and ASE's own socket round trip.

    PYTHONPATH=clients/python nice python3 bench/ipi.py [--molecules 7] [--steps 200] [--repeats 5]

Routes, each timed as ASE's atoms.get_forces() after a small move of every atom (an MD step's
work for the host), on a cluster of water molecules (7 molecules = 21 atoms) with the tiny water
model of tools/tiny_water_model.py (trained here into a temporary directory, served by a daemon
the client starts on a temporary socket):

  session      hamd.Client.session().step() in process (the floor: gRPC + compute)
  direct       hamd.ase.HamdCalculator (one session, ASE calculator overhead)
  ipi-unix     ASE SocketIOCalculator -> Unix socket -> hamd-ipi -> session   (the i-PI route)
  ipi-tcp      the same over TCP on localhost (TCP_NODELAY on the driver's side)
  ase-unix     ASE SocketIOCalculator -> Unix socket -> ASE SocketClient with a zero-force
               calculator (ASE's own socket round trip, nothing computed)
  ase-tcp      the same over TCP

Each route runs --repeats x --steps steps after a warm-up, each step timed; the table gives the
median, the 10th percentile (the cost on a quiet machine: shared machines add scheduling delays to
every hop between processes) and the mean. The goal of issue 8: ipi-unix within 2x of ase-unix; the overhead
of the i-PI route is ipi - direct.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "clients" / "python"), str(ROOT / "tools")]

import hamd  # noqa: E402
import tiny_water_model  # noqa: E402
from ase import Atoms  # noqa: E402
from ase.calculators.socketio import SocketIOCalculator  # noqa: E402
from hamd.ase import HamdCalculator  # noqa: E402

ZERO_CLIENT = """
import sys, numpy as np, ase.io
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.socketio import SocketClient
class Zero(Calculator):
    implemented_properties = ["energy", "forces", "stress"]
    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.results = {"energy": 0.0, "forces": np.zeros((len(self.atoms), 3)), "stress": np.zeros(6)}
atoms = ase.io.read(sys.argv[1])
atoms.calc = Zero()
where = sys.argv[2]
client = SocketClient(unixsocket=where[5:]) if where.startswith("unix:") else SocketClient(port=int(where))
client.run(atoms)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(get_forces, atoms, steps, repeats, warmup=20):
    """Seconds of every step (steps x repeats of them): move every atom a little, then
    get_forces()."""
    rng = np.random.default_rng(0)
    start = atoms.positions.copy()
    moves = rng.uniform(-0.01, 0.01, (steps,) + start.shape)
    for k in range(warmup):
        atoms.positions = start + moves[k % steps]
        get_forces()
    times = []
    for _ in range(repeats):
        for k in range(steps):
            t0 = time.perf_counter()
            atoms.positions = start + moves[k]
            get_forces()
            times.append(time.perf_counter() - t0)
    atoms.positions = start
    return np.array(times)


def through_socket(atoms, template, command, where, steps, repeats, env):
    """Blocks of a SocketIOCalculator run answered by `command` (a list, given the address)."""
    unix = where.startswith("unix:")
    kwargs = {"unixsocket": where[5:]} if unix else {"port": int(where)}
    with SocketIOCalculator(timeout=60, **kwargs) as calc:
        client = subprocess.Popen(command, env=env)
        try:
            atoms.calc = calc
            return timed(atoms.get_forces, atoms, steps, repeats)
        finally:
            atoms.calc = None
            calc.close()
            client.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--molecules", type=int, default=7, help="water molecules (3 atoms each); default 7 = 21 atoms")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--routes", default="session,direct,ipi-unix,ase-unix,ipi-tcp,ase-tcp",
                        help="comma-separated routes to run (default: all)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ipi_hamd-bench-", dir="/tmp"))
    model = tiny_water_model.train(work)
    daemon = f"unix:{work}/hamd.sock"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "clients" / "python"), HAMD_COMMAND=f"node {ROOT / 'bin' / 'hamd.js'}",
               HAMD_MODELS=str(model.parent))
    os.environ.update(HAMD_COMMAND=env["HAMD_COMMAND"], HAMD_MODELS=env["HAMD_MODELS"])
    numbers, positions = tiny_water_model.water_cluster(args.molecules)
    atoms = Atoms(numbers=numbers, positions=positions)
    template = work / "template.xyz"
    atoms.write(template)
    routes = args.routes.split(",")
    results = {}
    try:
        client = hamd.connect(daemon, autostart=True)
        if "session" in routes:
            with client.session(atoms, outputs=("energy", "forces", "energy_uncertainty")) as session:
                results["session"] = timed(lambda: session.step(atoms.positions), atoms, args.steps, args.repeats)
        if "direct" in routes:
            calc = HamdCalculator(client=client)
            atoms.calc = calc
            results["direct"] = timed(atoms.get_forces, atoms, args.steps, args.repeats)
            calc.close()
            atoms.calc = None
        name = f"{work.name[len('ipi_'):]}/s"
        for transport, where in (("unix", f"unix:{name}"), ("tcp", str(free_port()))):
            driver_where = ["--unix", name] if transport == "unix" else ["--address", f"localhost:{where}"]
            if f"ipi-{transport}" in routes:
                results[f"ipi-{transport}"] = through_socket(
                    atoms, template, [sys.executable, "-m", "hamd.ipi", "--daemon", daemon, "--template", str(template),
                                      "--codata", "2014", *driver_where], where, args.steps, args.repeats, env)
            if f"ase-{transport}" in routes:
                results[f"ase-{transport}"] = through_socket(
                    atoms, template, [sys.executable, "-c", ZERO_CLIENT, str(template), where], where,
                    args.steps, args.repeats, env)
        client.close()
    finally:
        pid = work / "hamd.pid"
        if pid.exists():
            os.kill(int(pid.read_text()), 15)
        shutil.rmtree(work, ignore_errors=True)

    print(f"# i-PI route, {len(atoms)} atoms ({args.molecules} water molecules), tiny water model (cutoff 3.5 A); "
          f"{args.repeats} x {args.steps} steps; us per step")
    print(f"{'route':<10} {'median':>9} {'p10':>9} {'mean':>9}")
    for route, times in results.items():
        print(f"{route:<10} {np.median(times) * 1e6:9.1f} {np.percentile(times, 10) * 1e6:9.1f} {times.mean() * 1e6:9.1f}")
    for stat, f in (("median", np.median), ("p10", lambda t: np.percentile(t, 10))):
        value = {route: f(times) for route, times in results.items()}
        for transport in ("unix", "tcp"):
            if not {f"ipi-{transport}", f"ase-{transport}", "direct"} <= set(value):
                continue
            ipi, ase_ = value[f"ipi-{transport}"], value[f"ase-{transport}"]
            print(f"# {stat}, {transport}: i-PI route / ASE round trip = {ipi / ase_:.2f}x; overhead of the i-PI route "
                  f"over direct = {(ipi - value['direct']) * 1e6:.0f} us = {(ipi - value['direct']) / ase_:.2f}x "
                  f"ASE's round trip")


if __name__ == "__main__":
    main()
