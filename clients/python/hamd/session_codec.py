"""The bytes of a session step, written and read without the generic protobuf machinery.

An MD step over the session socket is a round trip of a few hundred bytes each way, and on a
small molecule the client's own work is a visible share of hamd's serving overhead: building the
SessionRequest through message objects and decoding the result through the generic
`structure_result` cost ~40 µs per step in an MD loop, where these take ~15
(bench/session_socket_profile.py). Both produce exactly what the generic path produces:
`encode_step` the same bytes as SessionRequest(step=...).SerializeToString() (proto3 packs
`shape`; fields in number order), `step_result` the same dict as structure_result
(test/python/test_session_codec.py checks both against the generic path).
"""
from typing import Any, Optional

import numpy as np

from ._proto import hamd_pb2
from .predict import StructurePrediction, structure_result

# SessionRequest.step = 2; SessionStep.positions = 1, .cell = 2; Array.dtype = 1, .shape = 2
# (packed varints), .data = 3: all length-delimited (wire type 2).
_REQUEST_STEP = 0x12
_STEP_POSITIONS = 0x0A
_STEP_CELL = 0x12
_ARRAY_DTYPE_F8 = b"\x0a\x03<f8"
_ARRAY_SHAPE = 0x12
_ARRAY_DATA = 0x1A
_CELL_SHAPE = bytes((_ARRAY_SHAPE, 2, 3, 3))


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _float64_array(shape_field: bytes, values: np.ndarray) -> bytes:
    data = values.tobytes()
    return _ARRAY_DTYPE_F8 + shape_field + bytes((_ARRAY_DATA,)) + _varint(len(data)) + data


def _delimited(tag: int, payload: bytes) -> bytes:
    return bytes((tag,)) + _varint(len(payload)) + payload


class StepEncoder:
    """SessionRequest{step} bytes for a session of `n_atoms` atoms."""

    def __init__(self, n_atoms: int) -> None:
        shape = _varint(n_atoms) + _varint(3)
        self._positions_shape = bytes((_ARRAY_SHAPE,)) + _varint(len(shape)) + shape

    def encode(self, positions: np.ndarray, cell: Optional[np.ndarray] = None) -> bytes:
        """positions: float64 C-contiguous [n_atoms, 3] (checked by the caller); cell: float64
        [3, 3] or None."""
        step = _delimited(_STEP_POSITIONS, _float64_array(self._positions_shape, positions.astype("<f8", copy=False)))
        if cell is not None:
            step += _delimited(_STEP_CELL, _float64_array(_CELL_SHAPE, cell.astype("<f8", copy=False)))
        return _delimited(_REQUEST_STEP, step)


# The outputs an energy model gives; a step answer with anything else (a Hamiltonian session)
# goes through the generic structure_result.
_SCALARS = frozenset(("energy", "energy_uncertainty"))
_ARRAYS = frozenset(("forces", "energies", "stress"))


def step_result(message: hamd_pb2.StructurePrediction) -> StructurePrediction:
    """A step's StructurePrediction -> the dict structure_result gives, faster for the energy
    outputs (float64 arrays in the message, the only form the daemon sends them in)."""
    out = StructurePrediction(n_orbitals=0, n_electrons=0, warnings=[])
    for field, value in message.ListFields():
        name = field.name
        if name in _SCALARS:
            out[name] = np.float64(value)
        elif name in _ARRAYS and value.dtype == "<f8" and not value.in_region:
            data = value.data
            shape = tuple(value.shape)
            if len(data) != 8 * _product(shape):
                return structure_result(message)  # which raises the generic path's error
            out[name] = np.frombuffer(data, dtype=np.float64).reshape(shape)
        else:
            return structure_result(message)
    return out


def _product(shape: Any) -> int:
    size = 1
    for dimension in shape:
        size *= dimension
    return size
