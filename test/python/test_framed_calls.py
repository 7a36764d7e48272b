"""Unary calls on the daemon's framed socket (hamd.framed; docs/sessions.md#framed-calls): the
Python client takes it on a Unix daemon that offers one, gives the same answers and errors as
over gRPC ($HAMD_CALL_TRANSPORT=grpc), serves threads concurrently, reopens a connection the
daemon closed while idle, and retries a busy refusal after its hint."""
import socket
import struct
import threading
import time

import numpy as np
import pytest

import hamd
from hamd._proto import hamd_pb2
from hamd.errors import HamdError, NotFound
from hamd.framed import FramedCalls

ase_build = pytest.importorskip("ase.build", reason="ASE is not installed (pip install ase)")


@pytest.fixture
def grpc_client(daemon_address, monkeypatch):
    monkeypatch.setenv("HAMD_CALL_TRANSPORT", "grpc")
    with hamd.connect(daemon_address, timeout=120) as c:
        yield c


def test_unix_clients_call_on_the_framed_socket_with_grpc_answers(daemon_address, grpc_client, monkeypatch):
    monkeypatch.delenv("HAMD_CALL_TRANSPORT", raising=False)
    molecules = [ase_build.molecule(name) for name in ("H2O", "CH4", "C2H6", "CH3OH")]
    with hamd.connect(daemon_address, timeout=120) as framed:
        a = framed.descriptors(molecules, gradients="positions", max_radial=4, max_angular=3, cutoff=4.0)
        assert framed._framed is not None, "a Unix daemon with a session socket: calls go framed"
        b = grpc_client.descriptors(molecules, gradients="positions", max_radial=4, max_angular=3, cutoff=4.0)
        assert grpc_client._framed is None
        assert list(a.keys()) == list(b.keys())
        np.testing.assert_array_equal(a["values"], b["values"])
        assert len(a["blocks"]) == len(b["blocks"]) > 0
        for x, y in zip(a["blocks"], b["blocks"]):
            assert x.key == y.key
            np.testing.assert_array_equal(x.samples.values, y.samples.values)
            np.testing.assert_array_equal(x.values, y.values)
            np.testing.assert_array_equal(x.gradients["positions"].values, y.gradients["positions"].values)
            np.testing.assert_array_equal(x.gradients["positions"].samples.values, y.gradients["positions"].samples.values)
        assert framed.models() == grpc_client.models()
        for client in (framed, grpc_client):
            with pytest.raises(NotFound, match='no model "nope"'):
                client.load_model("nope")


def test_threads_share_the_pool_and_get_their_own_answers(daemon_address):
    molecules = [ase_build.molecule(name) for name in ("H2O", "CH4", "C2H6", "CH3OH", "NH3", "C6H6")]
    with hamd.connect(daemon_address, timeout=120) as client:
        want = [np.asarray(client.descriptors(m, max_radial=3, max_angular=2, cutoff=3.5)["values"][0]) for m in molecules]
        failures = []

        def work(k):
            for i in range(15):
                j = (k + i) % len(molecules)
                got = np.asarray(client.descriptors(molecules[j], max_radial=3, max_angular=2, cutoff=3.5)["values"][0])
                if not np.array_equal(got, want[j]):
                    failures.append((k, i))

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert 1 <= len(client._framed._idle) <= 8, "connections come back to the pool"


class FakeDaemon:
    """A framed socket that answers each connection's calls with the frames `script` gives,
    then closes the connection after `answers` replies."""

    def __init__(self, path, plan):
        self.plan = plan  # one list per connection, of (code, message, response message, retry_ms)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(4)
        self.connections = 0
        self.calls = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        for replies in self.plan:
            connection, _ = self.listener.accept()
            self.connections += 1
            with connection:
                for code, message, response, retry_ms in replies:
                    head = connection.recv(4, socket.MSG_WAITALL)
                    if len(head) < 4:
                        break
                    (n,) = struct.unpack("<I", head)
                    body = connection.recv(n, socket.MSG_WAITALL)
                    self.calls.append(hamd_pb2.SessionRequest.FromString(body).call)
                    reply = hamd_pb2.SessionSocketFrame(reply=hamd_pb2.FramedReply(
                        code=code, message=message, retry_ms=retry_ms,
                        response=response.SerializeToString() if response is not None else b""))
                    data = reply.SerializeToString()
                    connection.sendall(struct.pack("<I", len(data)) + data)

    def close(self):
        self.listener.close()


def test_a_connection_closed_while_idle_is_reopened_once(tmp_path):
    info = hamd_pb2.ServerInfo(version="fake")
    fake = FakeDaemon(tmp_path / "f.sock", [[(0, "", info, 0)], [(0, "", info, 0)]])
    calls = FramedCalls(str(tmp_path / "f.sock"))
    assert calls.call("GetServerInfo", hamd_pb2.GetServerInfoRequest(), 10).version == "fake"
    # The fake closed that connection after its one reply, as the daemon does after its idle
    # timeout: the next call finds it closed and is sent on a new connection.
    assert calls.call("GetServerInfo", hamd_pb2.GetServerInfoRequest(), 10).version == "fake"
    assert fake.connections == 2
    assert [c.method for c in fake.calls] == ["GetServerInfo", "GetServerInfo"]
    assert 9 < fake.calls[0].timeout_s <= 10, "the call's timeout travels with it"
    calls.close()
    fake.close()


def test_busy_refusals_are_retried_after_their_hint(tmp_path, daemon_address):
    busy = (8, "busy: 3 requests are waiting or computing; retry in about 30 ms", None, 30)
    stats = hamd_pb2.Statistics(uptime_s=7.0)
    fake = FakeDaemon(tmp_path / "b.sock", [[busy, busy, (0, "", stats, 0)]])
    with hamd.connect(daemon_address, timeout=120) as client:
        client._framed = FramedCalls(str(tmp_path / "b.sock"))
        start = time.monotonic()
        assert client.statistics()["uptime_s"] == 7.0
        assert time.monotonic() - start >= 0.06, "waited the hint twice"
        assert len(fake.calls) == 3
    fake.close()


def test_an_error_that_is_not_busy_is_raised_at_once(tmp_path, daemon_address):
    fake = FakeDaemon(tmp_path / "e.sock", [[(8, "structures: 9 atoms in total but this daemon accepts at most 8 per request", None, 0)]])
    with hamd.connect(daemon_address, timeout=120) as client:
        client._framed = FramedCalls(str(tmp_path / "e.sock"))
        with pytest.raises(HamdError) as raised:
            client.statistics()
        assert raised.value.code.name == "RESOURCE_EXHAUSTED" and "at most 8" in raised.value.message
        assert len(fake.calls) == 1
    fake.close()


def test_an_unreachable_socket_falls_back_on_grpc(daemon_address, monkeypatch):
    with hamd.connect(daemon_address, timeout=120) as client:
        client.info()
        client._session_socket_address = "unix:/nonexistent/hamd.sock.sessions"
        assert client.models() is not None
        assert client._framed is None and client._framed_off


def test_the_client_names_itself_on_both_transports(daemon_address, monkeypatch):
    """The daemon's per-client shares (hamd serve --client-share) key on the name the client
    gives: FramedCall.client on the framed socket, metadata "hamd-client" on gRPC."""
    import json
    import os
    import socket as sockets
    from pathlib import Path
    log = Path(daemon_address[len("unix:"):]).parent / "hamd.log"
    if not log.exists():
        pytest.skip("the daemon's log is not this test's to read (HAMD_TEST_ADDRESS)")
    name = f"py:{sockets.gethostname()}:{os.getpid()}"
    water = ase_build.molecule("H2O")
    for transport in ("auto", "grpc"):
        if transport == "grpc":
            monkeypatch.setenv("HAMD_CALL_TRANSPORT", "grpc")
        with hamd.connect(daemon_address, timeout=120) as client:
            client.descriptors(water, max_radial=2, max_angular=1, cutoff=3.0, shared_memory=False)
            framed = client._framed is not None
        assert framed == (transport == "auto")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
            mine = [line for line in lines if line.get("event") == "request" and line.get("method") == "ComputeDescriptors"
                    and line.get("client") == name and str(line.get("peer", "")).startswith("framed-calls") == framed]
            if mine:
                break
            time.sleep(0.1)
        assert mine, f"a ComputeDescriptors line with client {name} over {transport}"
