"""Python client of hamd, the symmetry-adapted descriptor daemon.

    import hamd
    with hamd.connect() as client:
        result = client.descriptors(atoms, kind="power-spectrum", cutoff=5.0)
"""
try:
    from ._proto import hamd_pb2 as _check_stubs  # noqa: F401
except ImportError as _error:  # pragma: no cover
    raise ImportError("hamd: the gRPC stubs are missing; generate them with "
                      "`node tools/gen-python-stubs.js` or `python3 clients/python/build_stubs.py` at the repository root, or install the package: pip install ./clients/python") from _error

from .arrays import Labels
from .client import Client, connect, default_address
from .errors import (Cancelled, DeadlineExceeded, FailedPrecondition, HamdError, InternalError,
                     InvalidArgument, NotFound, ResourceExhausted, Unavailable, Unimplemented)
from .results import Block, GradientBlock
from ._version import __version__
from .autostart import VersionMismatchWarning

__all__ = ["connect", "Client", "default_address", "Labels", "Block", "GradientBlock", "HamdError",
           "InvalidArgument", "ResourceExhausted", "Unavailable", "DeadlineExceeded", "Cancelled",
           "Unimplemented", "InternalError", "NotFound", "FailedPrecondition", "VersionMismatchWarning"]
