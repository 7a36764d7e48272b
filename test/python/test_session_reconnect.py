"""Sessions survive their daemon: killed (SIGKILL) mid-session and started again, the next step
reopens the session and is sent again, transparently: the step numbering goes on, the answers
equal a fresh daemon's, nothing is lost or repeated; a client made with autostart starts the new
daemon itself; reconnect_timeout=0 raises Unavailable instead."""
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import hamd
from conftest import ROOT, autostarted_daemon, require_addon, start_daemon, stop_daemon, wait_until_serving

ase_io = pytest.importorskip("ase.io", reason="ASE is not installed (pip install ase)")
from systems import ethanol_atoms, jittered  # noqa: E402


@pytest.fixture(scope="module")
def ethanol():
    return ethanol_atoms()


def frames(atoms, n, seed=5):
    return jittered(atoms, n, seed)


@pytest.mark.parametrize("transport", ["socket", "grpc"])
def test_a_killed_and_restarted_daemon_is_transparent(tmp_path, ethanol, transport):
    require_addon()
    address = f"unix:{tmp_path / 'hamd.sock'}"
    process, log = start_daemon(tmp_path, ["--listen", address])
    wait_until_serving(address, process, log)
    xs = frames(ethanol, 8)
    replacement = {}
    try:
        with hamd.connect(address) as client:
            with client.session(ethanol, transport=transport, reconnect_timeout=60) as session:
                before = [session.step(x) for x in xs[:5]]
                process.send_signal(signal.SIGKILL)
                process.wait()

                def restart():
                    time.sleep(1.0)
                    replacement["process"], replacement["log"] = start_daemon(tmp_path, ["--listen", address])
                threading.Thread(target=restart).start()
                after = [session.step(x) for x in xs[5:]]
                assert session.reconnects == 1 and session.transport == transport
            assert [r["step"] for r in before + after] == list(range(8)), "numbering goes on, nothing lost or repeated"
            fresh = client.predict([ethanol.__class__(ethanol.numbers, positions=x) for x in xs], outputs=("energy", "forces"))
            for got, want in zip(before + after, fresh):
                assert abs(got["energy"] - want["energy"]) <= 1e-10 * abs(want["energy"])
                np.testing.assert_allclose(got["forces"], want["forces"], rtol=0, atol=1e-10 * np.abs(want["forces"]).max())
    finally:
        stop_daemon(process)
        if "process" in replacement:
            stop_daemon(replacement["process"])


def test_autostart_clients_start_the_daemon_again(tmp_path, ethanol):
    require_addon()
    for address in autostarted_daemon(tmp_path, ROOT / "models"):
        with hamd.connect(address, autostart=True) as client:
            with client.session(ethanol) as session:
                first = session.step(ethanol.positions)
                pid = int((Path(tmp_path) / "hamd.pid").read_text().strip())
                os.kill(pid, signal.SIGKILL)
                again = session.step(ethanol.positions)
                assert session.reconnects == 1 and again["step"] == 1
                assert again["energy"] == first["energy"]
                new_pid = int((Path(tmp_path) / "hamd.pid").read_text().strip())
                assert new_pid != pid, "a new daemon was started"


def test_without_reconnect_the_step_raises_unavailable(tmp_path, ethanol):
    require_addon()
    address = f"unix:{tmp_path / 'hamd.sock'}"
    process, log = start_daemon(tmp_path, ["--listen", address])
    wait_until_serving(address, process, log)
    try:
        with hamd.connect(address) as client:
            session = client.session(ethanol, reconnect_timeout=0)
            session.step(ethanol.positions)
            process.send_signal(signal.SIGKILL)
            process.wait()
            with pytest.raises(hamd.HamdError) as gone:
                session.step(ethanol.positions)
            assert gone.value.code.name == "UNAVAILABLE"
    finally:
        stop_daemon(process)
