"""Python client against the real daemon: round trips, labels, default socket, errors."""
import os

import ase
import grpc
import numpy as np
import pytest

import hamd
from conftest import require_addon, start_daemon, stop_daemon, wait_until_serving
from systems import HYPERS, molecule, periodic_cell

KINDS = ["spherical-expansion", "power-spectrum", "lambda-soap", "bispectrum"]


def ase_structures():
    numbers, positions, cell, pbc = periodic_cell()
    return [ase.Atoms(numbers=molecule()[0], positions=molecule()[1]),
            ase.Atoms(numbers=numbers, positions=positions, cell=cell, pbc=pbc)]


def test_info(client):
    info = client.info()
    assert info["api_version"] == "hamd.v1"
    assert info["version"]
    assert info["threads"] >= 1
    assert set(KINDS) <= set(info["descriptor_kinds"])
    assert tuple(info["descriptor_kinds"]) == hamd.client.DESCRIPTOR_KINDS, "the client's kinds are the daemon's"
    assert info["limits"]["max_atoms_per_request"] > 0


def test_power_spectrum_round_trip(client):
    result = client.descriptors(ase_structures(), kind="power-spectrum", species=[1, 6, 8], **HYPERS)
    n_properties = 6 * 4 * 4 * 4  # species pairs a1 <= a2, l = 0..3, n1, n2 = 0..3
    assert result["values"].shape == (12, n_properties)
    assert result["values"].dtype == np.float64
    np.testing.assert_array_equal(result["samples"], [(0, i) for i in range(9)] + [(1, i) for i in range(3)])
    assert result["properties"].names == ("neighbor_1_type", "neighbor_2_type", "l", "n_1", "n_2")
    assert len(result["properties"]) == n_properties
    assert result["keys"].names == ("o3_lambda", "o3_sigma", "center_type")
    assert sorted(result["keys"].values[:, 2].tolist()) == [1, 6, 8]
    # the dense view holds exactly the blocks' numbers
    for block in result["blocks"]:
        rows = [result["samples"].tolist().index(r) for r in block.samples.values.tolist()]
        np.testing.assert_array_equal(result["values"][rows], block.values)
    assert np.all(np.isfinite(result["values"])) and np.abs(result["values"]).max() > 0


@pytest.mark.parametrize("kind", ["spherical-expansion", "lambda-soap"])
def test_equivariant_round_trip(client, kind):
    numbers, positions = molecule()
    result = client.descriptors((numbers, positions), kind=kind, **HYPERS)
    assert isinstance(result["values"], dict)
    assert result["samples"].shape == (9, 2)
    for (lam, sigma), values in result["values"].items():
        properties = result["properties"][(lam, sigma)]
        assert values.shape == (9, 2 * lam + 1, len(properties))
        if kind == "spherical-expansion":
            assert sigma == 1
            assert properties.names == ("neighbor_type", "n")
            assert values.shape[2] == 3 * (HYPERS["max_radial"] + 1)


def test_bispectrum_round_trip(client):
    result = client.descriptors(ase_structures()[1], kind="bispectrum", **HYPERS)
    assert result["values"].shape[0] == 3
    assert result["values"].shape[1] == len(result["properties"]) > 0


def test_power_spectrum_position_gradients_match_finite_differences(client):
    numbers, positions = molecule()
    hypers = dict(HYPERS, max_radial=2, max_angular=2)
    result = client.descriptors((numbers, positions), kind="power-spectrum", gradients=["positions"], **hypers)
    step = 1e-6
    for block in result["blocks"][:2]:
        gradient = block.gradients["positions"]
        assert gradient.samples.names == ("sample", "system", "atom")
        assert gradient.values.shape == (len(gradient.samples), 3, len(block.properties))
        for row, (sample, _, atom) in enumerate(gradient.samples.values[:6]):
            center = block.samples.values[sample, 1]
            for xyz in range(3):
                shifted = []
                for sign in (1, -1):
                    moved = positions.copy()
                    moved[atom, xyz] += sign * step
                    values = client.descriptors((numbers, moved), kind="power-spectrum", **hypers)["values"]
                    shifted.append(values[center])
                numeric = (shifted[0] - shifted[1]) / (2 * step)
                np.testing.assert_allclose(gradient.values[row, xyz], numeric, rtol=1e-5,
                                           atol=1e-5 * np.abs(numeric).max() + 1e-9)


def test_power_spectrum_cell_gradients_match_finite_differences(client):
    """d/d cell[row][column] with fractional coordinates fixed."""
    numbers, positions, cell, pbc = periodic_cell()
    fractional = positions @ np.linalg.inv(cell)
    hypers = dict(HYPERS, max_radial=2, max_angular=2)
    result = client.descriptors((numbers, positions, cell, pbc), kind="power-spectrum", gradients=["cell"], **hypers)
    step = 1e-6
    for block in result["blocks"]:
        gradient = block.gradients["cell"]
        assert gradient.values.shape == (len(gradient.samples), 3, 3, len(block.properties))
        for row, (sample,) in enumerate(gradient.samples.values):
            center = block.samples.values[sample, 1]
            for a in range(3):
                for b in range(3):
                    shifted = []
                    for sign in (1, -1):
                        moved = cell.copy()
                        moved[a, b] += sign * step
                        values = client.descriptors((numbers, fractional @ moved, moved, pbc),
                                                    kind="power-spectrum", **hypers)["values"]
                        shifted.append(values[center])
                    numeric = (shifted[0] - shifted[1]) / (2 * step)
                    np.testing.assert_allclose(gradient.values[row, a, b], numeric, rtol=1e-5,
                                               atol=1e-5 * np.abs(numeric).max() + 1e-9)


def test_address_from_environment(daemon_address, monkeypatch):
    monkeypatch.setenv("HAMD_ADDRESS", daemon_address)
    with hamd.connect() as client:
        assert client.address == daemon_address
        assert client.info()["api_version"] == "hamd.v1"


def test_default_socket(tmp_path, monkeypatch):
    """A daemon started without --listen is found by hamd.connect() with no address."""
    require_addon()
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    process, log = start_daemon(tmp_path, env={"XDG_RUNTIME_DIR": str(runtime)})
    try:
        monkeypatch.delenv("HAMD_ADDRESS", raising=False)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        assert hamd.default_address() == f"unix:{runtime}/hamd/hamd.sock"
        wait_until_serving(hamd.default_address(), process, log)
        with hamd.connect() as client:
            assert client.descriptors(molecule(), **HYPERS)["values"].shape[0] == 9
        assert (os.stat(runtime / "hamd" / "hamd.sock").st_mode & 0o777) == 0o600
    finally:
        stop_daemon(process)


def test_tcp_loopback_with_its_token(tmp_path, monkeypatch):
    """"host:port" addresses: a daemon on TCP loopback, asked for with --listen, requires the
    token it created (0600); the client sends it from the same file, or from $HAMD_TOKEN."""
    require_addon()
    import socket
    token_file = tmp_path / "config" / "hamd" / "token"
    monkeypatch.setenv("HAMD_TOKEN_FILE", str(token_file))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process, log = start_daemon(tmp_path, ["--listen", f"127.0.0.1:{port}"], env={"HAMD_TOKEN_FILE": str(token_file)})
    try:
        wait_until_serving(f"127.0.0.1:{port}", process, log)
        assert token_file.stat().st_mode & 0o777 == 0o600
        # TLS: the daemon's own certificate beside the token (key 0600); clients trust it
        assert (token_file.parent / "key.pem").stat().st_mode & 0o777 == 0o600
        monkeypatch.setenv("HAMD_TLS_CERT", str(token_file.parent / "cert.pem"))
        with hamd.connect(f"127.0.0.1:{port}") as client:
            assert client.descriptors(molecule(), **HYPERS)["values"].shape[0] == 9
            with client.session((["O", "H", "H"], [[0, 0, 0.12], [0, 0.75, -0.46], [0, -0.77, -0.47]]),
                                outputs=("orbital_energies",)) as session:  # a stream carries it too
                assert session.transport == "grpc"
                assert len(session.step([[0, 0, 0.12], [0, 0.75, -0.46], [0, -0.77, -0.47]])["orbital_energies"]) == 7
        monkeypatch.setenv("HAMD_TOKEN_FILE", str(tmp_path / "elsewhere"))
        with hamd.connect(f"127.0.0.1:{port}") as stranger:
            with pytest.raises(hamd.HamdError) as refused:
                stranger.info()
            assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED and "requires its token" in str(refused.value)
        monkeypatch.setenv("HAMD_TOKEN", token_file.read_text().strip())
        with hamd.connect(f"127.0.0.1:{port}") as client:
            assert client.info()["api_version"] == "hamd.v1"
    finally:
        stop_daemon(process)


def expect_invalid(client, structure, what, **kwargs):
    with pytest.raises(hamd.InvalidArgument) as error:
        client.descriptors(structure, **{**HYPERS, **kwargs})
    assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.message, what
    return error.value.message


def test_nan_position(client):
    numbers, positions = molecule()
    positions = positions.copy()
    positions[4, 1] = np.nan
    message = expect_invalid(client, [molecule(), (numbers, positions)], "NaN position")
    assert "4" in message and "1" in message, message  # names the atom and the structure
    positions[4, 1] = np.inf
    expect_invalid(client, (numbers, positions), "Inf position")


@pytest.mark.parametrize("bad", [0, 119, -3])
def test_unknown_element(client, bad):
    numbers, positions = molecule()
    message = expect_invalid(client, ([bad] + numbers[1:], positions), "unknown element")
    assert str(bad) in message, message


@pytest.mark.parametrize("hypers", [
    dict(cutoff=-1.0), dict(cutoff=1000.0), dict(max_radial=-1), dict(max_angular=-1),
    dict(max_angular=100), dict(max_radial=100), dict(density_width=-0.3),
    dict(cutoff_width=5.0), dict(cutoff=float("nan")),
])
def test_bad_hypers(client, hypers):
    message = expect_invalid(client, molecule(), f"bad hypers {hypers}", **hypers)
    assert any(name in message for name in hypers), message


def test_mismatched_lengths_and_singular_cell(client):
    numbers, positions = molecule()
    request = client.descriptors_request((numbers, positions), **HYPERS)
    request.structures[0].atomic_numbers.append(1)
    with pytest.raises(hamd.InvalidArgument):
        client.compute_descriptors(request)
    numbers, positions, cell, pbc = periodic_cell()
    cell = cell.copy()
    cell[2] = cell[0] + cell[1]
    expect_invalid(client, (numbers, positions, cell, pbc), "singular cell")
    request = client.descriptors_request(molecule(), **HYPERS)
    request.kind = "trispectrum"
    with pytest.raises(hamd.InvalidArgument):
        client.compute_descriptors(request)


def isolated_atoms(n):
    """n hydrogen atoms 10 A apart (no neighbours: cheap to compute)."""
    grid = np.stack(np.meshgrid(*[np.arange(int(np.ceil(n ** (1 / 3))))] * 3, indexing="ij"), -1).reshape(-1, 3)
    return [1] * n, 10.0 * grid[:n]


def test_over_the_limits(client):
    limits = client.info()["limits"]
    if limits["max_atoms_per_request"] > 200_000:
        pytest.skip(f"max_atoms_per_request = {limits['max_atoms_per_request']} is too large to exceed in a test")
    with pytest.raises(hamd.ResourceExhausted) as error:
        client.descriptors(isolated_atoms(limits["max_atoms_per_request"] + 1), **HYPERS)
    assert error.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and error.value.message
    # more structures than one request may carry: the client sends them in batches (hamd.batching)
    many = client.descriptors([molecule()] * (limits["max_structures_per_request"] + 1), **HYPERS)
    assert many["samples"][:, 0].max() == limits["max_structures_per_request"]
    # power spectrum, one species, max_radial 15, max_angular 10: 11 x 16 x 16 doubles per atom
    n = min(limits["max_output_bytes"] // (11 * 16 * 16 * 8) + 1, limits["max_atoms_per_request"])
    if n * 11 * 16 * 16 * 8 > limits["max_output_bytes"]:
        with pytest.raises(hamd.ResourceExhausted):
            client.descriptors(isolated_atoms(n), **dict(HYPERS, max_radial=15, max_angular=10))
    # the daemon keeps serving
    assert client.descriptors(molecule(), **HYPERS)["values"].shape[0] == 9


def test_deadline(client):
    with pytest.raises(hamd.DeadlineExceeded):
        client.descriptors([molecule()] * 20, kind="bispectrum", timeout=1e-4, **HYPERS)
    assert client.info()["api_version"] == "hamd.v1"
