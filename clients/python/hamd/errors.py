"""gRPC status codes of the daemon as Python exceptions."""
import grpc


class HamdError(Exception):
    """A failed call. `code` is the grpc.StatusCode, `message` the server's explanation."""

    code = grpc.StatusCode.UNKNOWN

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return f"{self.code.name}: {self.message}"


class InvalidArgument(HamdError, ValueError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class ResourceExhausted(HamdError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(HamdError, ConnectionError):
    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(HamdError, TimeoutError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class Cancelled(HamdError):
    code = grpc.StatusCode.CANCELLED


class Unimplemented(HamdError, NotImplementedError):
    code = grpc.StatusCode.UNIMPLEMENTED


class InternalError(HamdError):
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


def from_rpc_error(error):
    """The HamdError subclass for a grpc.RpcError (a call's failure)."""
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    details = error.details() if callable(getattr(error, "details", None)) else str(error)
    return _BY_CODE.get(code, HamdError)(details or "", code)
