"""Python sessions over the daemon's framed session socket (docs/sessions.md#framed-transport)
and over the Session RPC: the same answers, bitwise; "auto" picks the socket on the same host;
$HAMD_SESSION_TRANSPORT and transport= choose; errors keep their codes on both transports."""
from pathlib import Path

import numpy as np
import pytest

import hamd
from hamd.errors import HamdError

ROOT = Path(__file__).resolve().parents[2]
ase_io = pytest.importorskip("ase.io", reason="ASE is not installed (pip install ase)")
from systems import ethanol_atoms, jittered  # noqa: E402


@pytest.fixture(scope="module")
def ethanol():
    return ethanol_atoms()


def walk(atoms, steps, seed=3):
    return jittered(atoms, steps, seed)


def test_socket_and_grpc_sessions_agree_bitwise(daemon_address, ethanol):
    outputs = ("energy", "forces", "energies", "energy_uncertainty")
    with hamd.connect(daemon_address) as client:
        assert client.info()["session_socket"] == daemon_address + ".sessions"
        with client.session(ethanol, outputs=outputs, transport="socket") as fast, \
                client.session(ethanol, outputs=outputs, transport="grpc") as rpc:
            assert (fast.transport, rpc.transport) == ("socket", "grpc")
            assert fast.info["outputs"] == rpc.info["outputs"] and fast.info["model"] == rpc.info["model"]
            for k, x in enumerate(walk(ethanol, 25)):
                a, b = fast.step(x), rpc.step(x)
                assert a["step"] == b["step"] == k
                assert a["energy"] == b["energy"] and a["energy_uncertainty"] == b["energy_uncertainty"]
                np.testing.assert_array_equal(a["forces"], b["forces"])
                np.testing.assert_array_equal(a["energies"], b["energies"])
            assert fast.close() == rpc.close()


def test_auto_picks_the_socket_and_the_environment_overrides(daemon_address, ethanol, monkeypatch):
    with hamd.connect(daemon_address) as client:
        with client.session(ethanol) as session:
            assert session.transport == "socket"
        monkeypatch.setenv("HAMD_SESSION_TRANSPORT", "grpc")
        with client.session(ethanol) as session:
            assert session.transport == "grpc"
        with pytest.raises(ValueError, match="transport must be"):
            client.session(ethanol, transport="shm")


@pytest.mark.parametrize("transport", ["socket", "grpc"])
def test_errors_keep_their_codes(daemon_address, ethanol, transport):
    import grpc
    with hamd.connect(daemon_address) as client:
        with pytest.raises(HamdError) as refused:
            client.session((["Cl", "H"], [[0, 0, 0], [0, 0, 1.3]]), transport=transport)
        assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT and "Cl" in str(refused.value)
        with client.session(ethanol, transport=transport) as session:
            bad = ethanol.positions.copy()
            bad[2, 1] = np.nan
            with pytest.raises(HamdError) as step_error:
                session.step(bad)
            assert step_error.value.code == grpc.StatusCode.INVALID_ARGUMENT
            assert np.isfinite(session.step(ethanol.positions)["energy"])  # the session goes on


def test_statistics_count_the_steps_of_both_transports(daemon_address, ethanol):
    with hamd.connect(daemon_address) as client:
        def steps():
            entry = [m for m in client.statistics()["methods"] if m["method"] == "SessionStep" and m["model"] == "default-energy"]
            return entry[0]["success"] if entry else 0
        before = steps()
        for transport in ("socket", "grpc"):
            with client.session(ethanol, transport=transport) as session:
                for _ in range(4):
                    session.step(ethanol.positions)
        assert steps() - before == 8


def test_an_unreachable_session_socket_falls_back_to_grpc_in_auto_mode(tmp_path, ethanol):
    """The daemon advertises a session socket this client cannot reach (removed here; in practice a
    container that sees another path): "auto" steps over gRPC, as the C client does; "socket"
    raises UNAVAILABLE naming the path."""
    import grpc
    from conftest import require_addon, start_daemon, stop_daemon, wait_until_serving
    require_addon()
    address = f"unix:{tmp_path / 'hamd.sock'}"
    process, log = start_daemon(tmp_path, ["--listen", address])
    try:
        wait_until_serving(address, process, log)
        (tmp_path / "hamd.sock.sessions").unlink()
        with hamd.connect(address) as client:
            with client.session(ethanol) as session:
                assert session.transport == "grpc" and np.isfinite(session.step(ethanol.positions)["energy"])
            with pytest.raises(HamdError) as refused:
                client.session(ethanol, transport="socket")
            assert refused.value.code == grpc.StatusCode.UNAVAILABLE and "hamd.sock.sessions" in str(refused.value)
    finally:
        stop_daemon(process)


def test_the_frame_reader_handles_split_joined_and_large_frames(tmp_path):
    """The socket exchange reads whatever the socket has: frames split over many reads, two
    frames in one read (a result and the SessionEnd after it) and frames larger than its
    buffer must all come out whole and in order."""
    import socket
    import struct
    import threading

    from hamd._proto import hamd_pb2
    from hamd.session import _SocketExchange

    path = str(tmp_path / "frames.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def frame(message):
        data = message.SerializeToString()
        return struct.pack("<I", len(data)) + data

    big = np.arange(40000, dtype="<f8")  # 320 kB: past the exchange's 64 kB buffer
    def result(step, **fields):
        return hamd_pb2.SessionSocketFrame(response=hamd_pb2.SessionResponse(result=hamd_pb2.SessionResult(step=step, **fields)))

    forces = hamd_pb2.Array(dtype="<f8", shape=[len(big)], data=big.tobytes())
    replies = [result(0), result(1, prediction=hamd_pb2.StructurePrediction(forces=forces)), result(2)]

    def serve():
        connection, _ = listener.accept()
        with connection:
            for k, reply in enumerate(replies):
                header = connection.recv(4)
                (length,) = struct.unpack("<I", header)
                while length > 0:
                    length -= len(connection.recv(length))
                data = frame(reply)
                if k == 0:  # one byte at a time
                    for i in range(len(data)):
                        connection.sendall(data[i:i + 1])
                elif k == 2:  # the last small result and the SessionEnd together
                    connection.sendall(data + frame(hamd_pb2.SessionSocketFrame(end=hamd_pb2.SessionEnd(code=0))))
                    continue
                else:
                    connection.sendall(data)
            connection.recv(4)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    exchange = _SocketExchange(path, timeout=30.0)
    request = hamd_pb2.SessionRequest(step=hamd_pb2.SessionStep())
    for k in range(3):
        answer = exchange.exchange(request).result
        assert answer.step == k
        if k == 1:
            np.testing.assert_array_equal(np.frombuffer(answer.prediction.forces.data, dtype="<f8"), big)
    # The SessionEnd sent with result 2 waits in the buffer; the next frame read is that end.
    with pytest.raises(HamdError, match="ended the session"):
        exchange.exchange(request)
    listener.close()
    server.join(timeout=10)
