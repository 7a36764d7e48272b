"""Array and Labels messages <-> numpy, by whole buffers (never number by number)."""
import dataclasses
import math
from typing import Any, Tuple

import numpy as np

from ._proto import hamd_pb2

_ALLOWED_DTYPES = {"<f8", "<f4", "<i4", "<i8", "|u1", "|b1"}


def array_to_proto(values: Any, dtype: Any) -> hamd_pb2.Array:
    """An Array message holding `values` as little-endian `dtype`, C order, in one buffer."""
    values = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return hamd_pb2.Array(dtype=values.dtype.str, shape=list(values.shape), data=values.tobytes())


def array_from_proto(message: hamd_pb2.Array, region: Any = None) -> np.ndarray:
    """A read-only view on the message's bytes, with the declared dtype and shape; for an array
    the daemon wrote into the request's shared-memory region (in_region), a read-only view of
    that region (hamd.shared_memory.Region)."""
    if message.dtype not in _ALLOWED_DTYPES:
        raise ValueError(f"unsupported array dtype {message.dtype!r}")
    if message.in_region:
        if region is None:
            raise ValueError("the array is in a shared-memory region, but the request named none")
        return region.view(message.region_offset, message.dtype, tuple(message.shape))
    dtype = np.dtype(message.dtype)
    shape = tuple(map(int, message.shape))
    # math.prod, not np.prod: the same exact integer, without ~10 µs of numpy call overhead on
    # every decoded array (a session step decodes one or more per MD step).
    expected = math.prod(shape) * dtype.itemsize
    if expected != len(message.data):
        raise ValueError(f"array of dtype {message.dtype} and shape {shape} needs "
                         f"{expected} bytes, got {len(message.data)}")
    return np.frombuffer(message.data, dtype=dtype).reshape(shape)


def bytes_view(buffer: np.ndarray, offset: int, dtype: str, shape: Any, where: str) -> np.ndarray:
    """A read-only array of `shape` at byte `offset` of `buffer` (uint8, e.g. a shared-memory
    region or a streamed answer's bytes), without a copy; ValueError when it would reach past
    the buffer (`where` names the buffer in the message)."""
    dt = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    start = int(offset)
    end = start + math.prod(shape) * dt.itemsize
    if start < 0 or end > buffer.shape[0]:
        raise ValueError(f"array at bytes {start}..{end} is outside {where} ({buffer.shape[0]} bytes)")
    array = buffer[start:end].view(dt).reshape(shape)
    array.flags.writeable = False
    return array


@dataclasses.dataclass(frozen=True)
class Labels:
    """metatensor-like labels: `values` has one row per entry, one column per name."""

    names: Tuple[str, ...]
    values: np.ndarray

    def __len__(self) -> int:
        return self.values.shape[0]

    def column(self, name: str) -> np.ndarray:
        """The values of one label name, one per entry."""
        return self.values[:, self.names.index(name)]

    def as_structured(self) -> np.ndarray:
        """The rows as a numpy structured array with one int32 field per name."""
        out = np.empty(len(self), dtype=[(n, np.int32) for n in self.names])
        for i, name in enumerate(self.names):
            out[name] = self.values[:, i]
        return out

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Labels) and self.names == other.names
                and np.array_equal(self.values, other.values))

    def __repr__(self) -> str:
        return f"Labels(names={self.names}, count={len(self)})"


def labels_from_proto(message: hamd_pb2.Labels, region: Any = None) -> Labels:
    """A Labels message -> Labels (int32 values; an empty message gives zero rows). region: the
    request's shared-memory region, for label tables the daemon copied there."""
    names = tuple(message.names)
    if message.HasField("values") and message.values.shape:
        values = array_from_proto(message.values, region).astype(np.int32, copy=False)
    else:
        values = np.zeros((0, len(names)), dtype=np.int32)
    if values.ndim != 2 or values.shape[1] != len(names):
        raise ValueError(f"labels {names} have values of shape {values.shape}")
    return Labels(names, values)
