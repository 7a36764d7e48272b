"""One shared daemon per user: clients starting it at once, stale sockets and locks, the idle exit,
and a daemon of another version (hamd.autostart, hamd.startlock; server/cli/autostart.ts)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import hamd
import hamd.autostart
from conftest import ROOT, clean_environment, require_addon
from hamd.startlock import acquire_start_lock

CLIENTS = 6


def daemon_events(directory):
    """The JSON log lines of every daemon started in `directory` (they share hamd.log)."""
    events = []
    for line in (Path(directory) / "hamd.log").read_text().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return events


def stop_started_daemon(directory):
    pid_file = Path(directory) / "hamd.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        deadline = time.monotonic() + 20
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def fresh_socket(tmp_path):
    """A socket path where nothing runs; the clients start the daemon with `node bin/hamd.js`."""
    require_addon()
    directory = tmp_path / "run"
    environment = clean_environment({"HAMD_COMMAND": f"node {ROOT / 'bin' / 'hamd.js'}"})
    yield directory, directory / "hamd.sock", environment
    stop_started_daemon(directory)


CLIENT_SCRIPT = """
import sys, hamd
with hamd.connect(sys.argv[1], autostart=True, idle_exit=60, start_timeout=120) as client:
    print(client.info()["version"])
"""


def test_clients_starting_at_once_share_one_daemon(fresh_socket):
    directory, path, environment = fresh_socket
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "clients" / "python"), environment.get("PYTHONPATH", "")])
    clients = [subprocess.Popen([sys.executable, "-c", CLIENT_SCRIPT, f"unix:{path}"], env=environment,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(CLIENTS)]
    outputs = [c.communicate(timeout=180) for c in clients]
    for client, (out, err) in zip(clients, outputs):
        assert client.returncode == 0, err
        assert out.strip() == hamd.__version__
    starts = [e for e in daemon_events(directory) if e["event"] == "start"]
    assert len(starts) == 1, f"{len(starts)} daemons started for {CLIENTS} clients"
    assert int((directory / "hamd.pid").read_text()) == starts[0]["pid"]
    assert not (directory / "hamd.sock.lock").exists(), "the start lock was released"


def test_a_stale_socket_file_is_replaced(fresh_socket):
    directory, path, environment = fresh_socket
    directory.mkdir(mode=0o700)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # a socket file nobody listens on, as a killed daemon leaves it
    dead.close()
    os.environ["HAMD_COMMAND"] = environment["HAMD_COMMAND"]
    try:
        with hamd.connect(f"unix:{path}", autostart=True, idle_exit=60) as client:
            assert client.info()["api_version"] == "hamd.v1"
    finally:
        del os.environ["HAMD_COMMAND"]
    assert any(e["event"] == "stale-socket-removed" for e in daemon_events(directory))


def test_a_stale_start_lock_of_a_dead_client_is_broken(tmp_path):
    lock_path = str(tmp_path / "hamd.sock.lock")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    Path(lock_path).write_text(dead.stdout)  # that process has exited
    with acquire_start_lock(lock_path, timeout=5) as lock:
        assert Path(lock_path).read_text().strip() == str(os.getpid())
        with pytest.raises(TimeoutError, match=rf"pid {os.getpid()}\).*starting the hamd daemon"):
            acquire_start_lock(lock_path, timeout=0.3)  # held by a live process: wait, then give up
        assert lock.path == lock_path
    assert not Path(lock_path).exists()


def slow_structures(count):
    rng = np.random.default_rng(1)
    box = rng.uniform(0, 8, (200, 3))
    return [([8] * 200, box + rng.normal(scale=0.01, size=box.shape), np.eye(3) * 8, True) for _ in range(count)]


def test_idle_exit_waits_for_the_call_in_flight(fresh_socket):
    directory, path, environment = fresh_socket
    idle = 0.5
    os.environ["HAMD_COMMAND"] = environment["HAMD_COMMAND"]
    try:
        client = hamd.connect(f"unix:{path}", autostart=True, idle_exit=idle)
    finally:
        del os.environ["HAMD_COMMAND"]
    with client:
        # A call longer than the idle period: the daemon must answer it, not exit under it.
        count, seconds = 4, 0.0
        while seconds < 3 * idle and count <= 64:
            start = time.monotonic()
            result = client.descriptors(slow_structures(count), kind="spherical-expansion", cutoff=10.0,
                                        max_radial=6, max_angular=6)
            seconds = time.monotonic() - start
            count *= 2
        assert seconds >= 3 * idle, f"no call lasted longer than the idle period ({seconds:.2f} s)"
        assert len(result["blocks"]) > 0
    deadline = time.monotonic() + 20
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not path.exists(), "the daemon did not exit when idle"
    # The socket goes before the last log lines are written: wait for them (slow under load).
    events = [e["event"] for e in daemon_events(directory)]
    while "stopped" not in events and time.monotonic() < deadline:
        time.sleep(0.05)
        events = [e["event"] for e in daemon_events(directory)]
    assert "idle" in events and events.index("idle") < events.index("stopped")
    assert events[-1] == "stopped"
    assert not (directory / "hamd.pid").exists(), "pid file removed on the idle exit"


def test_a_daemon_of_another_version_is_reported(daemon_address, monkeypatch):
    monkeypatch.setattr(hamd.autostart, "__version__", "0.0.0-other")
    with pytest.warns(hamd.VersionMismatchWarning) as caught:
        client = hamd.connect(daemon_address, autostart=True)
    client.close()
    message = str(caught[0].message)
    assert f"is version {hamd.__version__}, this client is 0.0.0-other" in message
    assert daemon_address in message and "hamd stop" in message

    monkeypatch.setattr(hamd.autostart, "API_VERSION", "hamd.v0")
    with pytest.raises(hamd.Unavailable, match=r"\(API hamd\.v1\), this client is 0\.0\.0-other \(API hamd\.v0\): they cannot talk"):
        hamd.connect(daemon_address, autostart=True)


def test_idle_exit_setting(monkeypatch):
    monkeypatch.delenv("HAMD_IDLE_EXIT", raising=False)
    assert hamd.autostart.idle_exit_seconds() == 900
    monkeypatch.setenv("HAMD_IDLE_EXIT", "30")
    assert hamd.autostart.idle_exit_seconds() == 30
    assert hamd.autostart.idle_exit_seconds(0) == 0
    monkeypatch.setenv("HAMD_IDLE_EXIT", "soon")
    with pytest.raises(ValueError, match="HAMD_IDLE_EXIT='soon'"):
        hamd.autostart.idle_exit_seconds()
