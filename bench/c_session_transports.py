#!/usr/bin/env python3
"""Per-step cost of the C client's session over the daemon's framed session socket against the
gRPC Session stream (HAMD_SESSION_TRANSPORT=socket / grpc), for 21 atoms (two ethanols and a
water, bench/lammps_kim.py's small system) on the default energy model.

Usage: PYTHONPATH=clients/python python3 bench/c_session_transports.py ADDRESS [STEPS] [ROUNDS] [--lammps]
ADDRESS: a daemon on a Unix socket that offers its session socket (the default: `node bin/hamd.js
serve --listen unix:/tmp/b/hamd.sock`). Needs build/native (hamd_c_client_test; with --lammps the
KIM items and LAMMPS' `lmp`, and LAMMPS runs each transport through KIM as well).

Each round runs `hamd_c_client_test frames ADDRESS FILE STEPS` once per transport, in alternating
order (socket first in even rounds, gRPC first in odd ones): STEPS steps of the same positions in
one session, after one untimed step. Prints every run's mean us per step (the client's round trip)
and the daemon's mean queue + compute us per step, then the medians over the rounds.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lammps_kim import BUILD, lammps_per_step, small_system  # noqa: E402

TRANSPORTS = ("socket", "grpc")


def c_client(address, frames, steps, transport):
    env = dict(os.environ, HAMD_SESSION_TRANSPORT=transport)
    run = subprocess.run([str(BUILD / "clients" / "c" / "hamd_c_client_test"), "frames", address, str(frames), str(steps)],
                         capture_output=True, text=True, env=env)
    used = re.search(r"^transport (\S+)$", run.stdout, re.M)
    if run.returncode != 0 or not used or used[1] != transport:
        sys.exit(f"{transport}: " + run.stdout[-2000:] + run.stderr[-2000:])
    match = re.search(r"us_per_step (\S+) compute_us (\S+)", run.stdout)
    return float(match[1]), float(match[2])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    lammps = "--lammps" in sys.argv
    address = args[0]
    steps = int(args[1]) if len(args) > 1 else 2000
    rounds = int(args[2]) if len(args) > 2 else 5
    numbers, positions, _ = small_system()
    results = {t: [] for t in TRANSPORTS}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        frames = directory / "frames.txt"
        rows = [f"{len(numbers)} 1", " ".join(map(str, numbers.tolist()))]
        rows += [" ".join(repr(float(v)) for v in p) for p in positions]
        frames.write_text("\n".join(rows) + "\n")
        if lammps:
            (directory / "home").mkdir()
            kim = str(BUILD / "clients" / "kim")
            kim_env = dict(os.environ, HOME=str(directory / "home"), KIM_API_MODEL_DRIVERS_DIR=kim,
                           KIM_API_PORTABLE_MODELS_DIR=kim, KIM_API_CONFIGURATION_FILE=str(directory / "home" / "kim-config"),
                           HAMD_ADDRESS=address, OMP_NUM_THREADS="1")
        print(f"{'round':>5} {'transport':>9} {'us/step':>9} {'compute us':>10}" + (f" {'LAMMPS/KIM us/step':>19}" if lammps else ""))
        for r in range(rounds):
            for transport in (TRANSPORTS if r % 2 == 0 else TRANSPORTS[::-1]):
                per_step, compute = c_client(address, frames, steps, transport)
                row = [per_step, compute]
                if lammps:
                    row.append(lammps_per_step(directory, numbers, positions, None, steps,
                                               dict(kim_env, HAMD_SESSION_TRANSPORT=transport))[0])
                results[transport].append(row)
                print(f"{r:>5} {transport:>9} {per_step:>9.1f} {compute:>10.1f}" + (f" {row[2]:>19.1f}" if lammps else ""),
                      flush=True)
    print(f"median over {rounds} rounds of {steps} steps, 21 atoms:")
    for transport in TRANSPORTS:
        columns = list(zip(*results[transport]))
        medians = [statistics.median(c) for c in columns]
        text = f"  {transport:>6}: {medians[0]:.1f} us per step, {medians[1]:.1f} us in the daemon (queue + compute), " \
               f"{medians[0] - medians[1]:.1f} us transport and client"
        if lammps:
            text += f"; LAMMPS/KIM {medians[2]:.1f} us per MD step"
        print(text)


if __name__ == "__main__":
    main()
