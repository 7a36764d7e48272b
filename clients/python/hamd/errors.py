"""gRPC status codes of the daemon as Python exceptions."""
from typing import Optional

import grpc


class HamdError(Exception):
    """A failed call. `code` is the grpc.StatusCode, `message` the server's explanation."""

    code = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"


class InvalidArgument(HamdError, ValueError):
    """The request is malformed (bad shapes, unknown names, values out of range)."""
    code = grpc.StatusCode.INVALID_ARGUMENT


class ResourceExhausted(HamdError):
    """The request exceeds one of the daemon's limits (atoms, structures, bytes)."""
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(HamdError, ConnectionError):
    """No daemon answers at the address (or it could not be started)."""
    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(HamdError, TimeoutError):
    """The call's `timeout` passed before the answer came."""
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class Cancelled(HamdError):
    """The call was cancelled."""
    code = grpc.StatusCode.CANCELLED


class Unimplemented(HamdError, NotImplementedError):
    """The daemon does not offer this (e.g. it serves no models)."""
    code = grpc.StatusCode.UNIMPLEMENTED


class InternalError(HamdError):
    """A bug in the daemon; its log says more."""
    code = grpc.StatusCode.INTERNAL


class NotFound(HamdError, LookupError):
    """E.g. Predict with a model name the daemon has not loaded."""
    code = grpc.StatusCode.NOT_FOUND


class FailedPrecondition(HamdError):
    """E.g. Predict while no model is loaded."""
    code = grpc.StatusCode.FAILED_PRECONDITION


_BY_CODE = {cls.code: cls for cls in
            (InvalidArgument, ResourceExhausted, Unavailable, DeadlineExceeded, Cancelled,
             Unimplemented, InternalError, NotFound, FailedPrecondition)}


def from_rpc_error(error: grpc.RpcError) -> HamdError:
    """The HamdError subclass for a grpc.RpcError (a call's failure)."""
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    details = error.details() if callable(getattr(error, "details", None)) else str(error)
    return _BY_CODE.get(code, HamdError)(details or "", code)


def error_of(code: grpc.StatusCode, message: str) -> HamdError:
    """The HamdError subclass of `code` (Unavailable for UNAVAILABLE, ...), with `message`."""
    return _BY_CODE.get(code, HamdError)(message, code)
