"""A fitted correlation contraction through the whole stack from Python: `hamd fit-contraction`
writes it, a daemon loads it (--model NAME=FILE), Client.descriptors(contraction=NAME) applies
it. Physics through every layer: the contracted nu = 3 invariants of a molecule are unchanged
by a rotation and an inversion of it (the contraction is equivariant), and differ from the
uncontracted ones (it was applied). The fit itself is tested natively (test_correlation)."""
import subprocess

import hamd
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from conftest import ROOT, require_addon, start_daemon, stop_daemon, wait_until_serving
from systems import HYPERS, molecule

SPECIES = [1, 6, 8]


@pytest.fixture(scope="module")
def contraction_daemon(tmp_path_factory):
    require_addon()
    directory = tmp_path_factory.mktemp("contraction")
    numbers, positions = molecule()
    xyz = directory / "fit.xyz"
    with open(xyz, "w") as f:  # the molecule and two jittered copies to fit on
        for k in range(3):
            shifted = positions + np.random.default_rng(k).normal(scale=0.1, size=positions.shape)
            f.write(f"{len(numbers)}\n\n" + "".join(f"{'HCO'[[1, 6, 8].index(z)]} {x:.6f} {y:.6f} {w:.6f}\n"
                                                    for z, (x, y, w) in zip(numbers, shifted)))
    path = directory / "nu3.npz"
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in HYPERS.items()]
    fit = subprocess.run(["node", str(ROOT / "bin" / "hamd.js"), "fit-contraction", str(xyz), "--correlation-order", "3",
                          "--species", "1,6,8", "--variance-fraction", "0.999", "--threads", "1", "-o", str(path), *flags],
                         capture_output=True, text=True, timeout=300)
    assert fit.returncode == 0, fit.stderr
    address = f"unix:{directory / 'hamd.sock'}"
    process, log = start_daemon(directory, ["--listen", address, "--no-models", "--model", f"nu3={path}", "--threads", "1"])
    try:
        wait_until_serving(address, process, log)
        yield address
    finally:
        stop_daemon(process)


def invariants(client, numbers, positions, **options):
    result = client.descriptors([(numbers, positions)], kind="correlation", correlation_order=3, species=SPECIES,
                                **options, **HYPERS)
    return np.asarray(result["values"][(0, 1)])[:, 0, :]  # lambda = 0, sigma = +1: [atoms, properties]


def test_contracted_invariants_are_invariant(contraction_daemon):
    numbers, positions = molecule()
    rotation = Rotation.from_rotvec([0.4, -1.1, 0.7]).as_matrix()
    with hamd.connect(contraction_daemon) as client:
        assert any(m["name"] == "nu3" and m["kind"] == "correlation-contraction" for m in client.models())
        base = invariants(client, numbers, positions, contraction="nu3")
        rotated = invariants(client, numbers, positions @ rotation.T, contraction="nu3")
        inverted = invariants(client, numbers, -positions, contraction="nu3")
        plain = invariants(client, numbers, positions)
    # Rounding only: values of order 1e-2..1e1 summed over a few hundred products.
    scale = np.abs(base).max()
    assert np.abs(rotated - base).max() <= 1e-10 * scale
    assert np.abs(inverted - base).max() <= 1e-10 * scale
    assert base.shape[0] == plain.shape[0] == len(numbers)
    assert base.shape[1] != plain.shape[1], "the contraction was applied"


def test_an_unknown_contraction_is_not_found(contraction_daemon):
    numbers, positions = molecule()
    with hamd.connect(contraction_daemon) as client:
        with pytest.raises(hamd.NotFound, match='contraction "nu4" is not loaded'):
            invariants(client, numbers, positions, contraction="nu4")
