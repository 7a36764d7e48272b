"""The C client (clients/c, hamd.h) and the Fortran module (clients/fortran) against a daemon.

Builds nothing: runs the programs the native suite's CMake built (build/native, or build/c-client)
when gRPC C++ and gfortran were found, and skips, saying so, otherwise. Checks: the C client's
energies and forces for ethanol frames equal the Python session's to 1e-10 relative, and are
bitwise the same over the daemon's session socket and over gRPC (HAMD_SESSION_TRANSPORT); an
unknown element is 3 INVALID_ARGUMENT with a message, and a refused step keeps its code, on both
transports; a step timeout is 4 DEADLINE_EXCEEDED on both; no daemon is 14 UNAVAILABLE (also with autostart and
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


def with_transport(transport):
    """The environment with HAMD_SESSION_TRANSPORT=transport (None: unset, "auto")."""
    env = dict(os.environ)
    env.pop("HAMD_SESSION_TRANSPORT", None)
    if transport is not None:
        env["HAMD_SESSION_TRANSPORT"] = transport
    return env


def write_frames(path, numbers, frames, flags=None):
    lines = [f"{len(numbers)} {len(frames)}", " ".join(map(str, numbers))]
    if flags is not None:
        lines.append(" ".join(map(str, flags)))
    lines += [" ".join(repr(float(x)) for x in row) for frame in frames for row in frame]
    path.write_text("\n".join(lines) + "\n")


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


def test_c_client_contributing_mask_matches_python_session(daemon_address, tmp_path):
    """hamd_session_open_contributing: two ethanols 3 A apart, the second as ghosts; energy,
    per-atom energies and forces (ghosts included) equal the Python session with the same mask."""
    program = built("hamd_c_client_test")
    numbers, frames = ethanol_frames(3)
    numbers = np.concatenate([numbers, numbers])
    frames = [np.vstack([f, f + [3.0, 0.5, 0.0]]) for f in frames]
    flags = [1] * 9 + [0] * 9
    lines = [f"{len(numbers)} {len(frames)}", " ".join(map(str, numbers)), " ".join(map(str, flags))]
    lines += [" ".join(repr(float(x)) for x in row) for frame in frames for row in frame]
    (tmp_path / "frames.txt").write_text("\n".join(lines) + "\n")
    run = subprocess.run([str(program), "masked", daemon_address, str(tmp_path / "frames.txt")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    blocks = run.stdout.split("energy ")[1:]
    assert len(blocks) == len(frames)
    outputs = ("energy", "forces", "energies")
    with hamd.connect(daemon_address) as client, \
            client.session((numbers, frames[0]), outputs=outputs, contributing=[bool(f) for f in flags]) as session:
        for block, positions in zip(blocks, frames):
            rows = block.strip().split("\n")
            energy = float(rows[0])
            energies = np.array([float(x) for x in rows[1].split()[1:]])
            forces = np.array([[float(x) for x in row.split()] for row in rows[2:2 + len(numbers)]])
            expected = session.step(positions)
            assert abs(energy - expected["energy"]) <= TOLERANCE * abs(expected["energy"])
            assert np.abs(energies - expected["energies"]).max() <= TOLERANCE * np.abs(expected["energies"]).max()
            assert np.all(energies[9:] == 0) and abs(energies.sum() - energy) <= TOLERANCE * abs(energy)
            assert np.abs(forces - expected["forces"]).max() <= TOLERANCE * np.abs(expected["forces"]).max()
            assert np.abs(forces[9:]).max() > 1e-4  # the ghosts get their share of the forces


def transport_of(output):
    return re.search(r"^transport (\S+)$", output, re.M)[1]


def test_c_client_socket_and_grpc_results_are_bitwise_equal(daemon_address, tmp_path):
    """The daemon of the tests offers its session socket: "auto" takes it, HAMD_SESSION_TRANSPORT
    =grpc forces the stream, and both give the same bits for every energy and force (plain and
    with a contributing mask)."""
    program = built("hamd_c_client_test")
    numbers, frames = ethanol_frames(4)
    write_frames(tmp_path / "frames.txt", numbers, frames)
    pair = np.concatenate([numbers, numbers])
    write_frames(tmp_path / "masked.txt", pair, [np.vstack([f, f + [3.0, 0.5, 0.0]]) for f in frames[:2]],
                 [1] * 9 + [0] * 9)
    outputs = {}
    for transport in (None, "socket", "grpc"):
        for mode, file in (("frames", "frames.txt"), ("masked", "masked.txt")):
            run = subprocess.run([str(program), mode, daemon_address, str(tmp_path / file)], capture_output=True,
                                 text=True, timeout=120, env=with_transport(transport))
            assert run.returncode == 0, run.stdout + run.stderr
            outputs[transport, mode] = run.stdout
    for mode in ("frames", "masked"):
        assert transport_of(outputs[None, mode]) == "socket"
        assert transport_of(outputs["socket", mode]) == "socket"
        assert transport_of(outputs["grpc", mode]) == "grpc"
        results = {t: outputs[t, mode].split("\n", 1)[1] for t in (None, "socket", "grpc")}
        assert results["socket"].count("energy ") == (4 if mode == "frames" else 2)
        assert results[None] == results["socket"] == results["grpc"]  # %.17g: the same doubles


def test_c_client_new_cells_match_python_session_on_both_transports(daemon_address, tmp_path):
    """Periodic steps each with a new cell (NPT): the reused step message carries each cell as it
    is (it once appended a second shape, and the second such step was refused), the same on both
    transports and as the Python session."""
    program = built("hamd_c_client_test")
    numbers, frames = ethanol_frames(1)
    write_frames(tmp_path / "frame.txt", numbers, frames)
    edges = [6.0, 6.5, 7.0]
    outputs = {}
    for transport in ("socket", "grpc"):
        run = subprocess.run([str(program), "cells", daemon_address, str(tmp_path / "frame.txt"), *map(str, edges)],
                             capture_output=True, text=True, timeout=120, env=with_transport(transport))
        assert run.returncode == 0, run.stdout + run.stderr
        assert transport_of(run.stdout) == transport
        outputs[transport] = run.stdout.split("\n", 1)[1]
    assert outputs["socket"] == outputs["grpc"]
    blocks = outputs["socket"].split("energy ")[1:]
    assert len(blocks) == len(edges)
    atoms = (numbers, frames[0], np.eye(3) * edges[0], [True] * 3)
    with hamd.connect(daemon_address) as client, client.session(atoms) as session:
        for block, edge in zip(blocks, edges):
            rows = block.strip().split("\n")
            forces = np.array([[float(x) for x in row.split()] for row in rows[1:1 + len(numbers)]])
            expected = session.step(frames[0], cell=np.eye(3) * edge)
            assert abs(float(rows[0]) - expected["energy"]) <= TOLERANCE * abs(expected["energy"])
            assert np.abs(forces - expected["forces"]).max() <= TOLERANCE * np.abs(expected["forces"]).max()


def test_c_client_errors_keep_their_codes_on_both_transports(daemon_address):
    """An unknown element at the open (the socket's SessionEnd, the stream's status) and a NaN step
    (refused, the session stays open; the next step computes) give the same codes and messages."""
    program = built("hamd_c_client_test")
    seen = {}
    for transport in ("socket", "grpc"):
        env = with_transport(transport)
        run = subprocess.run([str(program), "error", daemon_address, "6", "79"], capture_output=True, text=True,
                             timeout=60, env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        opened = parse(run.stdout)
        assert opened["code"] == "3" and ("79" in opened["message"] or "Au" in opened["message"]), run.stdout
        run = subprocess.run([str(program), "refused", daemon_address], capture_output=True, text=True, timeout=60,
                             env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        assert transport_of(run.stdout) == transport
        refused = dict(re.findall(r"^(refused|message|code|close) (.*)$", run.stdout, re.M))
        assert refused["refused"] == "3", run.stdout  # INVALID_ARGUMENT, and the session stays open
        assert refused["code"] == "0" and refused["close"] == "0", run.stdout
        seen[transport] = (opened, refused, run.stdout.split("energy ", 1)[1])
    assert seen["socket"] == seen["grpc"]


def test_c_client_idle_session_end_keeps_its_code_on_both_transports(tmp_path):
    """A session the daemon ends for idleness (its SessionEnd on the socket, the stream's status on
    gRPC) is 4 DEADLINE_EXCEEDED with the daemon's message on both; the next step is 9 (ended)."""
    require_addon()
    program = built("hamd_c_client_test")
    from conftest import start_daemon, wait_until_serving
    address = f"unix:{tmp_path}/hamd.sock"
    process, log_path = start_daemon(tmp_path, ["--listen", address, "--session-idle-timeout", "1"])
    try:
        wait_until_serving(address, process, log_path)
        results = {}
        for transport in ("socket", "grpc"):
            run = subprocess.run([str(program), "idle", address, "2.5"], capture_output=True, text=True, timeout=60,
                                 env=with_transport(transport))
            result = dict(re.findall(r"^(transport|code|message|next) (.*)$", run.stdout, re.M))
            assert result.get("transport") == transport, run.stdout + run.stderr
            assert result["code"] == "4" and result["next"] == "9", run.stdout
            results[transport] = re.sub(r"\bs\d+\b", "S", result["message"])  # session ids differ
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "idle" in results["socket"], results
    assert results["socket"] == results["grpc"]


def test_c_client_set_session_transport_overrides_the_environment(daemon_address):
    program = built("hamd_c_client_test")
    env = with_transport("grpc")
    outputs = {name: subprocess.run([str(program), "transport", daemon_address, name], capture_output=True, text=True,
                                    timeout=60, env=env).stdout for name in ("socket", "auto", "", "bogus")}
    assert "set 0" in outputs["socket"] and transport_of(outputs["socket"]) == "socket", outputs
    assert transport_of(outputs["auto"]) == "socket", outputs
    assert transport_of(outputs[""]) == "grpc", outputs  # "": $HAMD_SESSION_TRANSPORT again
    assert "set 3" in outputs["bogus"] and transport_of(outputs["bogus"]) == "grpc", outputs  # refused, unchanged


def test_c_client_session_transport_names(tmp_path):
    """HAMD_SESSION_TRANSPORT=socket on a daemon that offers no session socket is 9 with a message
    that says so; "auto" uses gRPC there; an unknown name is 3."""
    program = built("hamd_c_client_test")
    fake = _FakeDaemon(tmp_path / "fake.sock", "0.1.0")
    address = f"unix:{tmp_path}/fake.sock"
    try:
        results = {}
        for transport in ("socket", "auto", "tcp"):
            run = subprocess.run([str(program), "timeout", address, "5"], capture_output=True, text=True,
                                 timeout=60, env=with_transport(transport))
            results[transport] = run.stdout
    finally:
        fake.stop()
    assert re.search(r"^open code 9$", results["socket"], re.M), results["socket"]
    assert "offers no session socket" in results["socket"]
    assert transport_of(results["auto"]) == "grpc"
    assert re.search(r"^open code 3$", results["tcp"], re.M), results["tcp"]
    assert 'HAMD_SESSION_TRANSPORT must be auto, socket or grpc, not "tcp"' in results["tcp"]


class _FakeSessionSocket:
    """The framed session transport of _FakeDaemon: answers an open with `opened` and each step,
    after `step_delay` seconds, with a refused result, as its gRPC side does."""

    def __init__(self, path, step_delay):
        import socket
        import struct
        import threading
        from hamd._proto import hamd_pb2
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(8)
        header = struct.Struct("<I")

        def read_exactly(connection, n):
            data = b""
            while len(data) < n:
                chunk = connection.recv(n - len(data))
                if not chunk:
                    raise EOFError
                data += chunk
            return data

        def serve(connection):
            with connection:
                try:
                    while True:
                        (length,) = header.unpack(read_exactly(connection, 4))
                        request = hamd_pb2.SessionRequest.FromString(read_exactly(connection, length))
                        if request.HasField("open"):
                            frames = [hamd_pb2.SessionSocketFrame(response=hamd_pb2.SessionResponse(
                                opened=hamd_pb2.SessionOpened(session_id="fake", cutoff=5.0)))]
                        elif request.HasField("step"):
                            time.sleep(step_delay)
                            frames = [hamd_pb2.SessionSocketFrame(response=hamd_pb2.SessionResponse(
                                result=hamd_pb2.SessionResult(error_code=13, error_message="fake")))]
                        else:
                            frames = [hamd_pb2.SessionSocketFrame(response=hamd_pb2.SessionResponse(
                                closed=hamd_pb2.SessionClosed())), hamd_pb2.SessionSocketFrame(end=hamd_pb2.SessionEnd())]
                        for frame in frames:
                            payload = frame.SerializeToString()
                            connection.sendall(header.pack(len(payload)) + payload)
                except (EOFError, OSError):
                    return

        def accept():
            while True:
                try:
                    connection, _ = self.listener.accept()
                except OSError:
                    return
                threading.Thread(target=serve, args=(connection,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    def stop(self):
        self.listener.close()


class _FakeDaemon:
    """A gRPC server on a Unix socket that answers GetServerInfo as hamd `version` (API hamd.v1)
    and opens sessions whose steps take `step_delay` seconds: for what no real daemon does."""

    def __init__(self, path, version, step_delay=0.0, session_socket=False):
        from concurrent import futures
        import grpc
        from hamd._proto import hamd_pb2, hamd_pb2_grpc
        self.sessions = _FakeSessionSocket(f"{path}.sessions", step_delay) if session_socket else None
        offered = f"unix:{path}.sessions" if session_socket else ""

        class Servicer(hamd_pb2_grpc.HamdServicer):
            def GetServerInfo(self, request, context):
                return hamd_pb2.ServerInfo(version=version, api_version="hamd.v1", session_socket=offered)

            def Session(self, requests, context):
                for request in requests:
                    if request.HasField("open"):
                        yield hamd_pb2.SessionResponse(opened=hamd_pb2.SessionOpened(session_id="fake", cutoff=5.0))
                    elif request.HasField("step"):
                        time.sleep(step_delay)
                        yield hamd_pb2.SessionResponse(result=hamd_pb2.SessionResult(error_code=13, error_message="fake"))
                    else:
                        yield hamd_pb2.SessionResponse(closed=hamd_pb2.SessionClosed())
                        return

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        hamd_pb2_grpc.add_HamdServicer_to_server(Servicer(), self.server)
        self.server.add_insecure_port(f"unix:{path}")
        self.server.start()

    def stop(self):
        self.server.stop(0)
        if self.sessions:
            self.sessions.stop()


def test_c_client_warns_once_about_another_daemon_version(tmp_path):
    program = built("hamd_c_client_test")
    fake = _FakeDaemon(tmp_path / "fake.sock", "0.0.0-fake")
    try:
        run = subprocess.run([str(program), "twice", f"unix:{tmp_path}/fake.sock"], capture_output=True, text=True, timeout=60)
    finally:
        fake.stop()
    results = re.findall(r"^code (\d+)\nmessage (.*)$", run.stdout, re.M)
    assert [code for code, _ in results] == ["0", "0"], run.stdout  # same API: it connects
    assert all("is version 0.0.0-fake (same API hamd.v1)" in message for _, message in results), run.stdout
    assert run.stderr.count("warning: hamd client") == 1, run.stderr  # on stderr once per process


@pytest.mark.parametrize("transport", ["grpc", "socket"])
def test_c_client_step_timeout_is_deadline_exceeded(tmp_path, transport):
    program = built("hamd_c_client_test")
    fake = _FakeDaemon(tmp_path / "slow.sock", "0.1.0", step_delay=3.0, session_socket=True)
    try:
        run = subprocess.run([str(program), "timeout", f"unix:{tmp_path}/slow.sock", "0.3"], capture_output=True,
                             text=True, timeout=60, env=with_transport(transport))
    finally:
        fake.stop()
    result = dict(re.findall(r"^(code|message|seconds|next|transport) (.*)$", run.stdout, re.M))
    assert result.get("transport") == transport, run.stdout + run.stderr
    assert result.get("code") == "4", run.stdout + run.stderr
    assert "no answer within 0.3 s" in result["message"] and "session is ended" in result["message"]
    assert 0.25 <= float(result["seconds"]) < 2.0  # the deadline, not the 3 s the step takes
    assert result["next"] == "9"  # FAILED_PRECONDITION: the session has ended


def test_c_client_hamd_command_is_split_as_a_shell_would(tmp_path):
    """$HAMD_COMMAND with quotes: a program in a folder with blanks, an argument with a blank."""
    program = built("hamd_c_client_test")
    folder = tmp_path / "dir with blanks"
    folder.mkdir()
    fake = folder / "fake hamd"
    fake.write_text("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$(dirname \"$0\")/argv.txt\"\nexit 3\n")
    fake.chmod(0o755)
    env = dict(os.environ, HAMD_COMMAND=f"'{fake}' --flag \"a b\" c\\ d", HAMD_IDLE_EXIT="0")
    address = f"unix:{tmp_path}/run/hamd.sock"
    run = subprocess.run([str(program), "connect", address, "autostart"], capture_output=True, text=True,
                         timeout=60, env=env)
    assert parse(run.stdout)["code"] == "14", run.stdout
    argv = (folder / "argv.txt").read_text().splitlines()
    assert argv[:5] == ["--flag", "a b", "c d", "serve", "--listen"], argv
    env["HAMD_COMMAND"] = "'unterminated"
    run = subprocess.run([str(program), "connect", address, "autostart"], capture_output=True, text=True,
                         timeout=60, env=env)
    result = parse(run.stdout)
    assert result["code"] == "14" and "HAMD_COMMAND: unterminated single quote" in result["message"], run.stdout


def test_c_client_sends_a_tcp_daemons_token(tmp_path, monkeypatch):
    """A TCP daemon speaks TLS and requires its token (docs/cli.md, "Token and TLS (TCP)"): the C
    client trusts the daemon's cert.pem beside the token file (or $HAMD_TLS_CERT), sends the token
    ($HAMD_TOKEN_FILE or $HAMD_TOKEN) and gets the answers; without the token, UNAUTHENTICATED
    (16); without the certificate, UNAVAILABLE (14) saying where it looked."""
    import socket
    from conftest import start_daemon, stop_daemon, wait_until_serving
    program = built("hamd_c_client_test")
    require_addon()
    token_file = tmp_path / "config" / "hamd" / "token"
    monkeypatch.setenv("HAMD_TOKEN_FILE", str(token_file))  # for wait_until_serving's Python client
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"127.0.0.1:{port}"
    process, log = start_daemon(tmp_path, ["--listen", address], env={"HAMD_TOKEN_FILE": str(token_file)})
    try:
        wait_until_serving(address, process, log)
        numbers, frames = ethanol_frames(2)
        write_frames(tmp_path / "frames.txt", numbers, frames)
        env = dict(os.environ, HAMD_TOKEN_FILE=str(token_file))
        run = subprocess.run([str(program), "frames", address, str(tmp_path / "frames.txt"), "3"],
                             capture_output=True, text=True, timeout=120, env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        assert transport_of(run.stdout) == "grpc" and run.stdout.count("energy ") == len(frames)
        env = dict(os.environ, HAMD_TOKEN_FILE=str(tmp_path / "none"), HAMD_TLS_CERT=str(token_file.parent / "cert.pem"))
        env.pop("HAMD_TOKEN", None)
        refused = subprocess.run([str(program), "connect", address], capture_output=True, text=True, timeout=60, env=env)
        result = parse(refused.stdout)
        assert result.get("code") == "16", refused.stdout + refused.stderr
        assert "requires its token" in result.get("message", "")
        env = dict(os.environ, HAMD_TLS_CERT=str(tmp_path / "no-cert.pem"), HAMD_TOKEN_FILE=str(token_file))
        untrusted = subprocess.run([str(program), "connect", address], capture_output=True, text=True, timeout=60, env=env)
        result = parse(untrusted.stdout)
        assert result.get("code") == "14" and "speaks TLS" in result.get("message", ""), untrusted.stdout
    finally:
        stop_daemon(process)
