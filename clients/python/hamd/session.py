"""Simulation sessions: one bidirectional stream per simulation (docs/sessions.md).

    with client.session(atoms, outputs=("energy", "forces")) as session:
        for step in range(n_steps):
            result = session.step(positions)      # dict: energy, forces, ...
            ...

The daemon keeps the session's neighbour lists (with a Verlet skin) and result storage between
steps; each step sends only the positions (and a new cell for NPT). A step the daemon refuses
(NaN positions, overlapping atoms) raises the HamdError of its code and the session stays open.

Transports: the Session RPC (gRPC), or, on the daemon's host, its framed session socket
(ServerInfo.session_socket: length-prefixed SessionRequest / SessionSocketFrame messages on a
Unix socket, the same messages without HTTP/2, a few times cheaper per step). Client.session()
picks the socket when the daemon offers one (transport="auto"), or as told.
"""
import queue
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, Optional, Sequence

import grpc
import numpy as np

from ._proto import hamd_pb2
from .arrays import array_to_proto
from .errors import HamdError, error_of, from_rpc_error
from .framed import FrameSocket, error_for_code
from .session_codec import StepEncoder, step_result
from .structures import structure_to_proto

_END = object()


class _Requests:
    """The request stream: gRPC's sender thread takes messages from a queue."""

    def __init__(self) -> None:
        self._queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()

    def put(self, message: Any) -> None:
        self._queue.put(message)

    def end(self) -> None:
        self._queue.put(_END)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        message = self._queue.get()
        if message is _END:
            raise StopIteration
        return message


class _GrpcExchange:
    """The Session RPC: one request in, one response out, in order."""

    def __init__(self, stub: Any, timeout: Optional[float]) -> None:
        self._requests = _Requests()
        self._responses = stub.Session(self._requests, timeout=timeout)

    def exchange(self, request: Any) -> Any:
        if isinstance(request, bytes):  # a step encoded by StepEncoder
            request = hamd_pb2.SessionRequest.FromString(request)
        self._requests.put(request)
        try:
            return next(self._responses)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
        except StopIteration:
            raise error_of(grpc.StatusCode.UNAVAILABLE, "the daemon ended the session") from None

    def end(self) -> None:
        self._requests.end()

    def abort(self) -> None:
        self._responses.cancel()


class _SocketExchange:
    """The framed socket (hamd.framed) carrying one session: the daemon's last frame is a
    SessionEnd with the status the gRPC stream would have ended with."""

    def __init__(self, path: str, timeout: Optional[float]) -> None:
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._connection = FrameSocket(path, self._remaining())

    def _remaining(self) -> Optional[float]:
        if self._deadline is None:
            return None
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error_of(grpc.StatusCode.DEADLINE_EXCEEDED, "session timeout reached")
        return left

    def exchange(self, request: Any) -> Any:
        try:
            if self._deadline is not None:  # else the socket stays blocking: no syscall per step for it
                self._connection.settimeout(self._remaining())
            self._connection.send([request if isinstance(request, bytes) else request.SerializeToString()])
            frame = hamd_pb2.SessionSocketFrame.FromString(self._connection.read_frame())
        except socket.timeout:
            self.abort()
            raise error_of(grpc.StatusCode.DEADLINE_EXCEEDED, "session timeout reached") from None
        except HamdError:
            self.abort()
            raise
        except OSError as error:
            self.abort()
            raise error_of(grpc.StatusCode.UNAVAILABLE, f"session socket: {error}") from None
        if frame.WhichOneof("frame") == "end":
            self.abort()
            if frame.end.code == 0:
                raise error_of(grpc.StatusCode.UNAVAILABLE, "the daemon ended the session")
            raise error_for_code(frame.end.code, frame.end.message)
        return frame.response

    def end(self) -> None:
        """After `closed`: read the daemon's SessionEnd, then close."""
        try:
            self._connection.settimeout(5.0)
            self._connection.read_frame()
        except (OSError, HamdError):
            pass
        self.abort()

    def abort(self) -> None:
        self._connection.close()


class Session:
    """An open simulation session; make one with Client.session(...).

    Attributes after opening: info (dict: session_id, model, hamiltonian_model, species, cutoff,
    outputs, energy_units, hamiltonian_units, skin, idle_timeout_s), n_atoms, transport
    ("socket" or "grpc") and reconnects (how often the session was reopened after the daemon
    went away).
    """

    def __init__(self, connect: Callable[[], Any], atoms: Any, outputs: Sequence[str] = ("energy", "forces"),
                 model: Optional[str] = None, hamiltonian_model: Optional[str] = None, units: Optional[str] = None,
                 order: Optional[str] = None, charge: int = 0, skin: Optional[float] = None,
                 contributing: Optional[Sequence[bool]] = None, recover: Optional[Callable[[], None]] = None,
                 reconnect_timeout: float = 0.0) -> None:
        """Opens the session on the exchange that `connect()` makes (_GrpcExchange or
        _SocketExchange); use Client.session() instead. When the daemon goes away mid-session
        (UNAVAILABLE) and reconnect_timeout > 0, the next step calls recover() (e.g. starts a
        daemon), reopens the session with the same open message (and the latest cell) and sends
        that step again, for up to reconnect_timeout seconds."""
        structure = structure_to_proto(atoms)
        self.n_atoms = len(structure.atomic_numbers)
        self._encoder = StepEncoder(self.n_atoms)
        self.periodic = any(structure.pbc)
        open_message = hamd_pb2.SessionOpen(
            atomic_numbers=list(structure.atomic_numbers), pbc=list(structure.pbc), outputs=list(outputs or ()),
            model=model or "", hamiltonian_model=hamiltonian_model or "", units=units or "", order=order or "",
            charge=int(charge))
        if structure.HasField("cell") and self.periodic:
            open_message.cell.CopyFrom(structure.cell)
        if skin is not None:
            open_message.skin = float(skin)
        if contributing is not None:
            open_message.contributing.extend(bool(flag) for flag in contributing)
        self._open_message = open_message
        self._connect = connect
        self._recover = recover
        self._reconnect_timeout = float(reconnect_timeout)
        self._lock = threading.Lock()
        self._closed = False
        self._step_base = 0   # steps answered by the sessions before the last reopen
        self._answered = 0    # steps answered in all
        self.reconnects = 0
        self._open()

    def _open(self) -> None:
        self._channel = self._connect()
        self.transport = "socket" if isinstance(self._channel, _SocketExchange) else "grpc"
        self._closed = False
        opened = self._exchange(hamd_pb2.SessionRequest(open=self._open_message)).opened
        self.info = {
            "session_id": opened.session_id, "model": opened.model, "hamiltonian_model": opened.hamiltonian_model,
            "species": list(opened.species), "cutoff": opened.cutoff, "outputs": list(opened.outputs),
            "energy_units": opened.energy_units, "hamiltonian_units": opened.hamiltonian_units,
            "skin": opened.skin, "idle_timeout_s": opened.idle_timeout_s,
        }

    def _exchange(self, request: Any) -> Any:
        with self._lock:
            if self._closed:
                raise error_of(grpc.StatusCode.FAILED_PRECONDITION, "the session is closed")
            try:
                return self._channel.exchange(request)
            except HamdError:
                self._closed = True
                raise

    def _reopened_step(self, request: Any, error: HamdError) -> Any:
        """The daemon went away: reopen (recover() first) and send `request` again, until
        reconnect_timeout; the step is a pure function of the positions, so sending it again
        neither loses nor duplicates anything."""
        deadline = time.monotonic() + self._reconnect_timeout
        last = error
        while time.monotonic() < deadline:
            try:
                self._channel.abort()
                if self._recover is not None:
                    self._recover()
                self._open()
                self._step_base = self._answered
                self.reconnects += 1
                return self._exchange(request)
            except HamdError as again:
                if again.code != grpc.StatusCode.UNAVAILABLE:
                    raise
                last = again
                time.sleep(0.2)
        raise last

    def step(self, positions: Any, cell: Any = None) -> Dict[str, Any]:
        """Evaluates one MD step: positions [n_atoms, 3] in Angstrom (and a new 3x3 cell, rows
        a, b, c, for a periodic session whose cell changes). Returns a dict of the session's
        outputs (as Client.predict for one structure), plus "step" (0-based), "neighbors_rebuilt"
        and "compute_us"."""
        positions = np.asarray(positions, dtype=np.float64)
        if positions.shape != (self.n_atoms, 3):
            raise ValueError(f"positions must have shape ({self.n_atoms}, 3), got {positions.shape}")
        if cell is not None:
            cell = np.asarray(cell, dtype=np.float64).reshape(3, 3)
        request = self._encoder.encode(positions, cell)
        try:
            reply = self._exchange(request).result
        except HamdError as error:
            if error.code != grpc.StatusCode.UNAVAILABLE or self._reconnect_timeout <= 0:
                raise
            reply = self._reopened_step(request, error).result
        self._answered = self._step_base + int(reply.step) + 1
        if cell is not None and not reply.error_code:  # a reopened session starts from the latest cell
            self._open_message.cell.CopyFrom(array_to_proto(cell, "<f8"))
        if reply.error_code:
            raise error_for_code(reply.error_code, reply.error_message)
        result = step_result(reply.prediction)
        result.update(step=self._step_base + int(reply.step), neighbors_rebuilt=bool(reply.neighbors_rebuilt),
                      compute_us=reply.compute_us)
        return result

    def close(self) -> Dict[str, int]:
        """Ends the session; returns {"steps", "neighbor_rebuilds"} (empty if already closed)."""
        if self._closed:
            return {}
        try:
            closed = self._exchange(hamd_pb2.SessionRequest(close=hamd_pb2.SessionClose())).closed
        except HamdError:
            return {}
        finally:
            self._closed = True
            self._channel.end()
        return {"steps": int(closed.steps), "neighbor_rebuilds": int(closed.neighbor_rebuilds)}

    def abort(self) -> None:
        """Drops the stream without closing (the daemon frees the session all the same)."""
        self._closed = True
        self._channel.abort()

    def __enter__(self) -> "Session":
        """The session itself."""
        return self

    def __exit__(self, *exc: Any) -> None:
        """Closes the session."""
        self.close()
