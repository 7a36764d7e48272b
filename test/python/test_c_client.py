"""The C client (clients/c, hamd.h) and the Fortran module (clients/fortran) against a daemon.

Builds nothing: runs the programs the native suite's CMake built (build/native, or build/c-client)
when gRPC C++ and gfortran were found, and skips, saying so, otherwise. Checks: the C client's
energies and forces for ethanol frames equal the Python session's to 1e-10 relative; an unknown
element is 3 INVALID_ARGUMENT with a message; no daemon is 14 UNAVAILABLE (also with autostart and
a `hamd` command that fails); autostart starts a daemon on a fresh socket; the Fortran example
(examples/fortran/md.f90) runs and its energies and forces equal the Python session's.
"""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import hamd
from conftest import ROOT, require_addon

TOLERANCE = 1e-10


def built(name):
    for build in ("native", "c-client"):
        path = ROOT / "build" / build / "clients" / "c" / name
        if path.exists():
            return path
    pytest.skip(f"{name} not built (the C client needs libgrpc++-dev and protobuf-compiler-grpc, the Fortran "
                f"module gfortran; `npm test -- native` builds them in build/native)")


def ethanol_frames(count=5):
    data = np.load(ROOT / "data" / "ethanol-500K.npz")
    offsets = data["atom_offsets"]
    frames = [data["positions"][offsets[i]:offsets[i + 1]] for i in range(0, 100, 100 // count)]
    return data["species"][:9].astype(int), frames


def parse(output):
    return dict(re.findall(r"^(code|message) (.*)$", output, re.M))


def test_c_client_matches_python_session(daemon_address, tmp_path):
    program = built("hamd_c_client_test")
    numbers, frames = ethanol_frames()
    lines = [f"{len(numbers)} {len(frames)}", " ".join(map(str, numbers))]
    lines += [" ".join(repr(float(x)) for x in row) for frame in frames for row in frame]
    (tmp_path / "frames.txt").write_text("\n".join(lines) + "\n")
    run = subprocess.run([str(program), "frames", daemon_address, str(tmp_path / "frames.txt"), "200"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    blocks = run.stdout.split("energy ")[1:]
    assert len(blocks) == len(frames)
    with hamd.connect(daemon_address) as client, client.session((numbers, frames[0])) as session:
        for block, positions in zip(blocks, frames):
            rows = block.strip().split("\n")
            energy = float(rows[0])
            forces = np.array([[float(x) for x in row.split()] for row in rows[1:1 + len(numbers)]])
            expected = session.step(positions)
            assert abs(energy - expected["energy"]) <= TOLERANCE * abs(expected["energy"])
            assert np.abs(forces - expected["forces"]).max() <= TOLERANCE * np.abs(expected["forces"]).max()
    timing = re.search(r"us_per_step (\S+) compute_us (\S+)", run.stdout)
    print(f"C client, ethanol (9 atoms): {float(timing[1]):.1f} us per step round trip, "
          f"{float(timing[2]):.1f} us in the daemon's compute")


def test_c_client_unknown_element_is_invalid_argument(daemon_address):
    program = built("hamd_c_client_test")
    run = subprocess.run([str(program), "error", daemon_address, "6", "79"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    result = parse(run.stdout)
    assert result["code"] == "3"
    assert "79" in result["message"] or "Au" in result["message"], result["message"]


def test_c_client_no_daemon_is_unavailable(tmp_path):
    program = built("hamd_c_client_test")
    address = f"unix:{tmp_path}/nobody/hamd.sock"
    run = subprocess.run([str(program), "connect", address], capture_output=True, text=True, timeout=60)
    result = parse(run.stdout)
    assert result["code"] == "14" and "no hamd daemon answers" in result["message"], run.stdout
    env = dict(os.environ, HAMD_COMMAND="/bin/false")
    run = subprocess.run([str(program), "connect", address, "autostart"], capture_output=True, text=True,
                         timeout=60, env=env)
    result = parse(run.stdout)
    assert result["code"] == "14" and "exited before serving" in result["message"], run.stdout
    assert not (tmp_path / "nobody" / "hamd.sock.lock").exists()  # the start lock was released


def test_c_client_autostart_starts_a_daemon(tmp_path):
    require_addon()
    program = built("hamd_c_client_test")
    address = f"unix:{tmp_path}/hamd.sock"
    env = dict(os.environ, HAMD_COMMAND=f"node {ROOT / 'bin' / 'hamd.js'}", HAMD_IDLE_EXIT="60")
    env.pop("HAMD_ADDRESS", None)
    try:
        run = subprocess.run([str(program), "connect", address, "autostart"], capture_output=True, text=True,
                             timeout=120, env=env)
        assert parse(run.stdout)["code"] == "0", run.stdout + (tmp_path / "hamd.log").read_text()[-2000:]
        assert (tmp_path / "hamd.pid").exists() and not (tmp_path / "hamd.sock.lock").exists()
    finally:
        if (tmp_path / "hamd.pid").exists():
            os.kill(int((tmp_path / "hamd.pid").read_text().strip()), signal.SIGTERM)


def test_fortran_example_matches_python_session(daemon_address, tmp_path):
    program = built("hamd_fortran_md")
    trajectory = tmp_path / "trajectory.txt"
    env = dict(os.environ, HAMD_ADDRESS=daemon_address)
    run = subprocess.run([str(program), str(ROOT / "examples" / "fortran" / "ethanol.xyz"), "20", "0.5", str(trajectory)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(run.stdout.strip().split("\n")) == 21
    check = subprocess.run([sys.executable, str(ROOT / "examples" / "fortran" / "check.py"), str(trajectory),
                            daemon_address], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "21 geometries" in check.stdout
    print(check.stdout.strip())
