"""hamd.session_codec against the generic protobuf path it replaces on the session socket:
the same request bytes as SerializeToString, the same result dict as structure_result, and the
generic path's errors for what it does not handle itself."""
import numpy as np
import pytest

from hamd._proto import hamd_pb2
from hamd.arrays import array_to_proto
from hamd.predict import structure_result
from hamd.session_codec import StepEncoder, step_result


def generic_request(positions, cell=None):
    step = hamd_pb2.SessionStep(positions=array_to_proto(positions, "<f8"))
    if cell is not None:
        step.cell.CopyFrom(array_to_proto(cell, "<f8"))
    return hamd_pb2.SessionRequest(step=step).SerializeToString()


# 1, 21 and 43 atoms: the positions' byte count below, at and above 127 (a one-, then a
# two-byte length varint), and 200 atoms: a two-byte atom count in the shape.
@pytest.mark.parametrize("n_atoms", [1, 21, 43, 200])
def test_encoded_step_is_the_generic_serialization(n_atoms):
    rng = np.random.default_rng(n_atoms)
    positions = rng.normal(scale=5.0, size=(n_atoms, 3))
    cell = np.diag(rng.uniform(5.0, 20.0, size=3)) + rng.normal(scale=0.1, size=(3, 3))
    encoder = StepEncoder(n_atoms)
    assert encoder.encode(positions) == generic_request(positions)
    assert encoder.encode(positions, cell) == generic_request(positions, cell)
    parsed = hamd_pb2.SessionRequest.FromString(encoder.encode(positions, cell))
    assert parsed.WhichOneof("message") == "step"
    assert np.array_equal(np.frombuffer(parsed.step.positions.data, "<f8").reshape(n_atoms, 3), positions)


def test_non_contiguous_positions_are_sent_in_row_order():
    block = np.arange(60, dtype=np.float64).reshape(10, 6)
    positions = block[:, ::2]  # a strided view
    assert not positions.flags.c_contiguous
    assert StepEncoder(10).encode(positions) == generic_request(np.ascontiguousarray(positions))


def energy_message(n_atoms, fields, rng):
    message = hamd_pb2.StructurePrediction()
    if "energy" in fields:
        message.energy = rng.normal()
    if "energy_uncertainty" in fields:
        message.energy_uncertainty = abs(rng.normal())
    if "forces" in fields:
        message.forces.CopyFrom(array_to_proto(rng.normal(size=(n_atoms, 3)), "<f8"))
    if "energies" in fields:
        message.energies.CopyFrom(array_to_proto(rng.normal(size=n_atoms), "<f8"))
    if "stress" in fields:
        message.stress.CopyFrom(array_to_proto(rng.normal(size=(3, 3)), "<f8"))
    return message


def assert_same_result(fast, generic):
    assert type(fast) is type(generic)
    assert set(fast) == set(generic)
    for key, value in generic.items():
        if isinstance(value, np.ndarray):
            assert fast[key].dtype == value.dtype and fast[key].shape == value.shape
            assert np.array_equal(fast[key], value)
        else:
            assert fast[key] == value and type(fast[key]) is type(value)


@pytest.mark.parametrize("fields", [
    (), ("energy",), ("energy", "forces"), ("energy", "energy_uncertainty", "forces", "energies", "stress"),
    ("forces",), ("energy", "stress"),
])
def test_step_result_is_structure_result_for_energy_outputs(fields):
    rng = np.random.default_rng(len(fields))
    message = energy_message(7, fields, rng)
    assert_same_result(step_result(message), structure_result(message))


def test_energy_zero_is_present_not_absent():
    message = hamd_pb2.StructurePrediction(energy=0.0)
    assert step_result(message)["energy"] == 0.0


def test_other_outputs_take_the_generic_path():
    rng = np.random.default_rng(3)
    message = energy_message(4, ("energy", "forces"), rng)
    message.warnings.append("something the daemon wants said")
    message.orbital_energies.CopyFrom(array_to_proto(np.sort(rng.normal(size=6)), "<f8"))
    message.homo = -0.3
    message.n_orbitals = 6
    assert_same_result(step_result(message), structure_result(message))
    assert step_result(message)["warnings"] == ["something the daemon wants said"]


def test_a_truncated_array_raises_the_generic_error():
    message = hamd_pb2.StructurePrediction(energy=1.0)
    message.forces.CopyFrom(array_to_proto(np.zeros((5, 3)), "<f8"))
    message.forces.data = message.forces.data[:-8]
    with pytest.raises(ValueError, match="needs 120 bytes, got 112"):
        step_result(message)


def test_results_are_read_only_views():
    message = energy_message(3, ("energy", "forces"), np.random.default_rng(0))
    with pytest.raises(ValueError):
        step_result(message)["forces"][0, 0] = 1.0
