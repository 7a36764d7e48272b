"""The daemon's framed socket (proto/hamd/v1/hamd.proto, SessionSocketFrame; docs/sessions.md).

On its host, a daemon offers a Unix socket (ServerInfo.session_socket) that speaks protobuf
messages without HTTP/2: each message is a 4-byte little-endian length and the message's bytes.
A connection's first frame decides what it carries: one simulation session (hamd.session), or
unary calls (FramedCalls below): a FramedCall per request, a FramedReply per answer, in order.
From Python a unary gRPC call costs ~0.8 ms before the daemon does any work; a framed call costs a
fraction of that, which is most of a small request's time.
"""
import os
import socket
import struct
import threading
import time
from typing import Any, Dict, List, Optional

import grpc

from ._proto import hamd_pb2
from .errors import HamdError, Unavailable, error_of

_HEADER = struct.Struct("<I")
_names: Dict[int, str] = {}


def client_name() -> str:
    """This process's name for the daemon ("py:HOST:PID"; FramedCall.client, gRPC metadata
    "hamd-client"): the daemon holds one client to a share of its queue and memory (hamd serve
    --client-share), whatever connections and threads it uses. After a fork, the child's own."""
    pid = os.getpid()
    name = _names.get(pid)
    if name is None:
        name = _names[pid] = f"py:{socket.gethostname()}:{pid}"
    return name


def error_for_code(code_number: int, message: str) -> HamdError:
    """The HamdError subclass of a gRPC status code number."""
    return error_of(next((c for c in grpc.StatusCode if c.value[0] == code_number), grpc.StatusCode.UNKNOWN), message)


class PeerClosed(Unavailable):
    """The daemon closed the connection before a whole frame arrived."""

    def __init__(self, message: str, received_any: bool) -> None:
        super().__init__(message)
        self.received_any = received_any


class FrameSocket:
    """One connection to the framed socket: frames out, frames in."""

    def __init__(self, path: str, timeout: Optional[float]) -> None:
        self.path = path
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.settimeout(timeout)
        try:
            self.socket.connect(path)
        except OSError as error:
            self.socket.close()
            raise error_of(grpc.StatusCode.UNAVAILABLE, f"cannot reach the daemon's framed socket {path}: {error}") from None
        self._buffer = bytearray(1 << 16)
        self._start = self._end = 0  # received bytes not yet consumed: self._buffer[start:end]

    def settimeout(self, seconds: Optional[float]) -> None:
        """Seconds a send or receive may block (None: no limit)."""
        self.socket.settimeout(seconds)

    def send(self, pieces: List[bytes]) -> None:
        """One frame whose message is the concatenation of `pieces` (sent without joining them
        when they are large)."""
        length = sum(len(p) for p in pieces)
        if length < (1 << 16):
            self.socket.sendall(_HEADER.pack(length) + b"".join(pieces))
        else:
            self.socket.sendall(_HEADER.pack(length))
            for piece in pieces:
                self.socket.sendall(piece)

    def _receive(self, n: int) -> None:
        """Until at least n unconsumed bytes are buffered. Reads whatever the socket has (a whole
        frame in one call, usually), so an answer costs one recv, not one per header and body."""
        if self._end - self._start >= n:
            return
        if len(self._buffer) - self._start < n:  # move the pending bytes to the front, grow if needed
            pending = bytes(self._buffer[self._start:self._end])
            if len(self._buffer) < n:
                self._buffer = bytearray(max(n, 2 * len(self._buffer)))
            self._buffer[:len(pending)] = pending
            self._start, self._end = 0, len(pending)
        view = memoryview(self._buffer)
        while self._end - self._start < n:
            k = self.socket.recv_into(view[self._end:])
            if k == 0:
                raise PeerClosed("the daemon closed its framed socket connection", self._end > self._start)
            self._end += k

    def read_frame(self) -> memoryview:
        """The next frame's message bytes (valid until the next read)."""
        self._receive(_HEADER.size)
        (length,) = _HEADER.unpack_from(self._buffer, self._start)
        self._receive(_HEADER.size + length)
        begin = self._start + _HEADER.size
        self._start = begin + length
        if self._start == self._end:
            self._start = self._end = 0
        # Large answers do not stay in the connection's buffer: a 64 KiB one is kept for reuse.
        frame = memoryview(self._buffer)[begin:begin + length]
        if len(self._buffer) > (1 << 22) and self._start == 0:
            frame = memoryview(bytes(frame))
            self._buffer = bytearray(1 << 16)
        return frame

    def close(self) -> None:
        """Closes the connection (the daemon cancels a call it still serves on it)."""
        try:
            self.socket.close()
        except OSError:
            pass


def _response_types() -> Dict[str, Any]:
    service = hamd_pb2.DESCRIPTOR.services_by_name["Hamd"]
    return {m.name: getattr(hamd_pb2, m.output_type.name) for m in service.methods
            if not m.client_streaming and not m.server_streaming}


class FramedCalls:
    """Unary calls on the framed socket: a pool of connections, each used by one thread at a
    time (a thread takes an idle one or opens another), so threads call concurrently as they
    would on a gRPC channel. Raises HamdError subclasses as the gRPC path does; a busy refusal's
    retry hint (ms) is on the error as `retry_ms`."""

    def __init__(self, path: str, first: Optional[FrameSocket] = None) -> None:
        """`first`: a connection already open to `path`, the pool's first."""
        self.path = path
        self._idle: List[FrameSocket] = [first] if first is not None else []
        self._lock = threading.Lock()
        self._closed = False
        self._types = _response_types()

    def call(self, method: str, request: Any, timeout: Optional[float]) -> Any:
        """The response message of `method` (a unary method of hamd.v1.Hamd, by name) for
        `request`, within `timeout` seconds (None: no limit)."""
        response_type = self._types.get(method)
        if response_type is None:
            raise ValueError(f"{method} is not a unary method of hamd.v1.Hamd")
        envelope = hamd_pb2.FramedCall(method=method, timeout_s=timeout or 0.0, client=client_name())
        body = request.SerializeToString()
        # FramedCall.request is field 2 of the message in SessionRequest's field 4: the request's
        # bytes are appended as that field, not copied into a second message.
        call_bytes = envelope.SerializeToString() + _field_header(2, len(body))
        pieces = [_field_header(4, len(call_bytes) + len(body)), call_bytes, body]
        deadline = None if timeout is None else time.monotonic() + timeout
        for attempt in (0, 1):
            connection, reused = self._take(deadline)
            try:
                connection.settimeout(_remaining(deadline))
                connection.send(pieces)
                frame = hamd_pb2.SessionSocketFrame.FromString(connection.read_frame())
            except PeerClosed as error:
                connection.close()
                # An idle connection the daemon closed (its idle timeout, a restart) before it
                # read the call: send it once more on a new one.
                if reused and not error.received_any and attempt == 0:
                    continue
                raise
            except socket.timeout:
                connection.close()
                raise error_of(grpc.StatusCode.DEADLINE_EXCEEDED, f"{method}: deadline exceeded after {timeout} s") from None
            except OSError as error:
                connection.close()
                if reused and attempt == 0:
                    continue
                raise error_of(grpc.StatusCode.UNAVAILABLE, f"{method} on the framed socket: {error}") from None
            except BaseException:
                connection.close()  # interrupted mid-answer: the connection's state is unknown
                raise
            return self._answer(method, frame, connection, response_type)
        raise AssertionError("unreachable")

    def _answer(self, method: str, frame: Any, connection: FrameSocket, response_type: Any) -> Any:
        kind = frame.WhichOneof("frame")
        if kind != "reply":
            connection.close()
            if kind == "end":
                raise error_for_code(frame.end.code or grpc.StatusCode.UNAVAILABLE.value[0], frame.end.message)
            raise error_of(grpc.StatusCode.INTERNAL, f"{method}: the daemon answered a framed call with a {kind} frame")
        self._give_back(connection)
        reply = frame.reply
        if reply.code != 0:
            error = error_for_code(reply.code, reply.message)
            error.retry_ms = reply.retry_ms  # type: ignore[attr-defined]  # the busy daemon's hint
            raise error
        return response_type.FromString(reply.response)

    def _take(self, deadline: Optional[float]) -> "tuple[FrameSocket, bool]":
        with self._lock:
            if self._closed:
                raise error_of(grpc.StatusCode.CANCELLED, "the client is closed")
            if self._idle:
                return self._idle.pop(), True
        return FrameSocket(self.path, _remaining(deadline)), False

    def _give_back(self, connection: FrameSocket) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < 8:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Closes the idle connections; calls after this raise CANCELLED."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _remaining(deadline: Optional[float]) -> Optional[float]:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise error_of(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
    return left


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_header(number: int, length: int) -> bytes:
    """A length-delimited protobuf field's tag and length."""
    return _varint((number << 3) | 2) + _varint(length)
