"""The Python client without the daemon: address handling, request building, and the
response conversion against an in-process server that serves the reference results."""
import math

import ase
import grpc
import numpy as np
import pytest

import fake_server
import hamd
from hamd.client import grpc_target
from reference import Hypers, power_spectrum, spherical_expansion
from systems import HYPERS, molecule, periodic_cell

SMALL = dict(HYPERS, max_radial=2, max_angular=2)


@pytest.fixture(scope="module")
def fake_address(tmp_path_factory):
    address = f"unix:{tmp_path_factory.mktemp('fake') / 'hamd.sock'}"
    server = fake_server.start(address)
    yield address
    server.stop(grace=None)


def test_default_address(monkeypatch):
    monkeypatch.delenv("HAMD_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1234")
    assert hamd.default_address() == "unix:/run/user/1234/hamd/hamd.sock"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    import os
    assert hamd.default_address() == f"unix:/tmp/hamd-{os.getuid()}/hamd.sock"
    monkeypatch.setenv("HAMD_ADDRESS", "127.0.0.1:7777")
    assert hamd.default_address() == "127.0.0.1:7777"


def test_address_forms():
    assert grpc_target("unix:/a/b.sock") == "unix:/a/b.sock"
    assert grpc_target("/a/b.sock") == "unix:/a/b.sock"
    assert grpc_target("127.0.0.1:5000") == "127.0.0.1:5000"


def test_request_from_every_input_form():
    client = hamd.Client("unix:/nonexistent")
    numbers, positions = molecule()
    atoms = ase.Atoms(numbers=numbers, positions=positions)
    symbols = atoms.get_chemical_symbols()
    forms = [atoms, (numbers, positions), (symbols, positions), [atoms, (numbers, positions)],
             [(numbers, positions)]]
    for form in forms:
        request = client.descriptors_request(form, kind="spherical-expansion", **HYPERS)
        assert 1 <= len(request.structures) <= 2
        s = request.structures[0]
        assert list(s.atomic_numbers) == numbers
        assert s.positions.dtype == "<f8" and list(s.positions.shape) == [9, 3]
        np.testing.assert_array_equal(np.frombuffer(s.positions.data, "<f8").reshape(9, 3), positions)
        assert not s.HasField("cell") or not any(s.pbc)
    h = request.hypers
    assert (h.cutoff, h.cutoff_width, h.max_radial, h.max_angular, h.density_width, h.center_atom_weight) == \
        (3.5, 0.5, 3, 3, 0.3, 0.7)
    numbers, positions, cell, pbc = periodic_cell()
    for form in [ase.Atoms(numbers=numbers, positions=positions, cell=cell, pbc=True), (numbers, positions, cell)]:
        s = client.descriptors_request(form).structures[0]
        np.testing.assert_array_equal(np.frombuffer(s.cell.data, "<f8").reshape(3, 3), cell)
        assert list(s.pbc) == [True, True, True]
    request = client.descriptors_request((numbers, positions), kind="lambda-soap", species=["H", 8],
                                         gradients="positions", max_lambda=2)
    assert list(request.species) == [1, 8] and list(request.gradients) == ["positions"]
    assert request.max_lambda == 2 and not request.hypers.HasField("max_radial")


def test_bad_arguments_fail_before_sending():
    client = hamd.Client("unix:/nonexistent")
    numbers, positions = molecule()
    with pytest.raises(TypeError, match="unknown hyper-parameter.*radius"):
        client.descriptors((numbers, positions), radius=3.0)
    with pytest.raises(ValueError, match="kind"):
        client.descriptors((numbers, positions), kind="soap")
    with pytest.raises(hamd.InvalidArgument, match="unknown element symbol 'Qq'"):
        client.descriptors((["Qq"], [[0, 0, 0]]))
    with pytest.raises(TypeError):
        client.descriptors(42)


def test_unreachable_daemon_is_unavailable(tmp_path):
    with hamd.connect(f"unix:{tmp_path / 'nobody.sock'}", timeout=2) as client:
        with pytest.raises(hamd.Unavailable) as error:
            client.info()
    assert error.value.code == grpc.StatusCode.UNAVAILABLE
    assert isinstance(error.value, hamd.HamdError)


def test_server_errors_become_hamd_errors(fake_address):
    numbers, positions = molecule()
    positions = positions.copy()
    positions[4, 1] = np.nan
    with hamd.connect(fake_address) as client:
        with pytest.raises(hamd.InvalidArgument, match="structure 0: non-finite position") as error:
            client.descriptors((numbers, positions), kind="power-spectrum", **SMALL)
        assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT
        # the fake refuses more than 3 structures (RESOURCE_EXHAUSTED): the client halves the
        # request and joins the answers (hamd.batching)
        four = client.descriptors([molecule()] * 4, **SMALL)
        assert sorted(set(four["samples"][:, 0].tolist())) == [0, 1, 2, 3]
        assert client.info()["api_version"] == "hamd.v1"


def test_spherical_expansion_round_trip(fake_address):
    structures = [molecule(), periodic_cell()]
    with hamd.connect(fake_address) as client:
        result = client.descriptors(structures, kind="spherical-expansion", **SMALL)
    expected = np.concatenate(spherical_expansion(structures, Hypers(**SMALL)))  # [atom, a, lm, n]
    n_atoms = len(expected)
    np.testing.assert_array_equal(result["samples"], [(0, i) for i in range(9)] + [(1, i) for i in range(3)])
    assert sorted(result["values"]) == [(0, 1), (1, 1), (2, 1)]
    species = [1, 6, 8]
    for l in range(3):
        values = result["values"][(l, 1)]
        properties = result["properties"][(l, 1)]
        assert properties.names == ("neighbor_type", "n")
        assert values.shape == (n_atoms, 2 * l + 1, 3 * len(species))
        for column, (neighbor, n) in enumerate(properties.values):
            np.testing.assert_array_equal(values[:, :, column],
                                          expected[:, species.index(neighbor), l * l:(l + 1) ** 2, n])
    assert len(result["blocks"]) == len(result["keys"]) == 3 * 3 * 3
    assert result["keys"].names == ("o3_lambda", "o3_sigma", "center_type", "neighbor_type")
    block = result["blocks"][0]
    assert block.key == {"o3_lambda": 0, "o3_sigma": 1, "center_type": 1, "neighbor_type": 1}
    assert block.values.shape == (len(block.samples), 1, 3)


def test_power_spectrum_round_trip(fake_address):
    structures = [periodic_cell(), molecule()]
    with hamd.connect(fake_address) as client:
        result = client.descriptors(structures, kind="power-spectrum", species=[1, 6, 8], **SMALL)
    _, properties, expected = power_spectrum(structures, Hypers(**SMALL), [1, 6, 8])
    assert result["values"].shape == expected.shape == (12, 6 * 3 * 9)
    assert result["properties"].names == ("neighbor_1_type", "neighbor_2_type", "l", "n_1", "n_2")
    assert [tuple(p) for p in result["properties"].values] == properties
    assert result["properties"].as_structured()["l"].max() == 2
    np.testing.assert_array_equal(result["values"], expected)
    np.testing.assert_array_equal(result["samples"][:, 0], [0] * 3 + [1] * 9)
    assert result["values"].dtype == np.float64
    assert math.isfinite(result["compute_us"])


def test_predict_request_charge_and_symbols():
    from hamd.predict import predict_request
    water = (["O", "H", "H"], [[0, 0, 0.12], [0, 0.76, -0.47], [0, -0.76, -0.47]])
    request = predict_request(water, charge=-2)
    assert request.charge == -2 and list(request.structures[0].atomic_numbers) == [8, 1, 1]
    assert predict_request(water).charge == 0, "neutral by default"
    with pytest.raises(ValueError, match="charge must be an integer"):
        predict_request(water, charge=0.5)
    with pytest.raises(hamd.InvalidArgument, match="unknown element symbol 'Qq'"):
        predict_request((["Qq"], [[0, 0, 0]]))


def test_descriptor_result_is_a_read_only_mapping_joined_on_demand(fake_address):
    with hamd.connect(fake_address) as client:
        result = client.descriptors([molecule()], kind="power-spectrum", species=[1, 6, 8], **SMALL)
    assert sorted(result) == ["blocks", "compute_us", "keys", "properties", "queue_us", "samples", "values"]
    assert len(result) == 7 and "values" in result and "energy" not in result
    with pytest.raises(TypeError):
        result["values"] = None  # read-only: the arrays may be views of shared memory
    with pytest.raises(KeyError):
        result["energy"]
    # The dense view is the blocks' rows, each once, and the same object on every read.
    values = result["values"]
    assert values is result["values"]
    for block in result["blocks"]:
        rows = [list(map(tuple, result["samples"].tolist())).index((int(s), int(a)))
                for s, a in block.samples.values[:, :2]]
        np.testing.assert_array_equal(values[rows], block.values)
    assert dict(result).keys() == set(result)
