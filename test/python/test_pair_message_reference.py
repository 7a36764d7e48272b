"""The pair-features and message-passing kinds of the daemon against the independent NumPy
reference (test/reference/pairs.py, test/reference/message_passing.py), to 1e-8 relative to
each block's largest entry: a distorted ethanol-like molecule and a small triclinic cell with
self images. Also the label layout, the pair set (both orders, images with their shifts) and
the Python client's dense view of pair samples."""
import functools

import numpy as np
import pytest

from reference import Hypers, spherical_expansion
from reference.message_passing import message_passing
from reference.pairs import pair_feature_values, pair_features
from reference.radial import RadialIntegral
from systems import HYPERS, molecule, periodic_cell

SPECIES = [1, 6, 8]
# smaller bases than the other reference tests (the reference evaluates every label of every
# pair), a cutoff of 4 A so that the cell's atoms see their own images (lattice vectors 3.7-3.9 A)
SMALL = dict(HYPERS, max_radial=1, max_angular=2, cutoff=4.0)
H = Hypers(**SMALL)
MAX_LAMBDA = 2
RELATIVE = 1e-8
SYSTEMS = {"molecule": lambda: [molecule()], "periodic": lambda: [periodic_cell()]}


@functools.lru_cache(maxsize=None)
def radial():
    return RadialIntegral(H.cutoff, H.max_radial, H.max_angular, H.density_width)


@functools.lru_cache(maxsize=None)
def message_reference(name, lam, labels):
    structures = SYSTEMS[name]()
    return message_passing(structures, H, SPECIES, lam, labels, radial(), coefficients=expansion(name))


@functools.lru_cache(maxsize=None)
def expansion(name):
    return spherical_expansion(SYSTEMS[name](), H, SPECIES)


def assert_close(actual, expected, what):
    scale = np.abs(expected).max()
    np.testing.assert_allclose(actual, expected, rtol=RELATIVE, atol=RELATIVE * scale if scale > 0 else 1e-14,
                               err_msg=what)


def groups(lam, sigma):
    ls = range(H.max_angular + 1)
    return [(l1, l2) for l1 in ls for l2 in ls if abs(l1 - l2) <= lam <= l1 + l2 and (-1) ** (l1 + l2 + lam) == sigma]


def lambda_sigmas():
    return [(lam, sigma) for lam in range(MAX_LAMBDA + 1) for sigma in (-1, 1) if groups(lam, sigma)]


def compute(client, name, kind):
    return client.descriptors(SYSTEMS[name](), kind=kind, species=SPECIES, max_lambda=MAX_LAMBDA, **SMALL)


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_pair_features(client, name):
    result = compute(client, name, "pair-features")
    reference = pair_features(SYSTEMS[name](), H, SPECIES, radial())
    present = sorted({z for z, _, _, _ in reference.values()} | {z for _, z, _, _ in reference.values()})
    assert {tuple(k) for k in result["keys"].values.tolist()} == {
        (lam, sigma, z1, z2) for lam, sigma in lambda_sigmas() for z1 in present for z2 in present}
    r = range(H.max_radial + 1)
    seen = set()
    for block in result["blocks"]:
        lam, sigma = block.key["o3_lambda"], block.key["o3_sigma"]
        assert block.samples.names == ("system", "first_atom", "second_atom", "cell_shift_a", "cell_shift_b", "cell_shift_c")
        assert block.properties.names == ("l_1", "l_2", "neighbor_type", "n_1", "n_2")
        labels = [tuple(p) for p in block.properties.values.tolist()]
        assert labels == [(l1, l2, z, n1, n2) for l1, l2 in groups(lam, sigma) for z in SPECIES for n1 in r for n2 in r]
        rows = [tuple(s) for s in block.samples.values.tolist()]
        assert rows == sorted(rows)
        expected = []
        for row in rows:
            z1, z2, c_i, g = reference[row]
            assert (z1, z2) == (block.key["first_atom_type"], block.key["second_atom_type"])
            expected.append(pair_feature_values(c_i, g, SPECIES, lam, labels))
            seen.add(row)
        if rows:
            assert_close(block.values, np.array(expected), f"pair features block {block.key}")
    assert seen == set(reference), "every pair within the cutoff, both orders, images with their shift"
    if name == "periodic":
        assert any(row[1] == row[2] for row in seen), "images of an atom itself are pairs"
    # the client's dense view: one row per pair, sorted
    np.testing.assert_array_equal(result["samples"], np.array(sorted(reference)))
    lam, sigma = lambda_sigmas()[-1]
    assert result["values"][(lam, sigma)].shape == (len(reference), 2 * lam + 1, len(groups(lam, sigma)) * len(SPECIES) * len(r) ** 2)


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_message_passing(client, name):
    result = compute(client, name, "message-passing")
    structures = SYSTEMS[name]()
    centers = sorted({int(z) for s in structures for z in s[0]})
    assert {tuple(k) for k in result["keys"].values.tolist()} == {
        (lam, sigma, z) for lam, sigma in lambda_sigmas() for z in centers}
    r = range(H.max_radial + 1)
    for block in result["blocks"]:
        lam, sigma = block.key["o3_lambda"], block.key["o3_sigma"]
        assert block.samples.names == ("system", "atom")
        assert block.properties.names == ("l_1", "l_2", "neighbor_1_type", "n_1", "neighbor_2_type", "n_2")
        labels = [tuple(p) for p in block.properties.values.tolist()]
        assert labels == [(l1, l2, z1, n1, z2, n2) for l1, l2 in groups(lam, sigma)
                          for z1 in SPECIES for n1 in r for z2 in SPECIES for n2 in r]
        reference = message_reference(name, lam, tuple(labels))
        rows = [tuple(s) for s in block.samples.values.tolist()]
        assert rows == sorted(k for k, (z, _) in reference.items() if z == block.key["center_type"])
        assert_close(block.values, np.array([reference[row][1] for row in rows]), f"message passing block {block.key}")


def test_message_passing_gradient_samples_reach_two_cutoffs(client):
    """A chain whose ends are 2.9 A from the middle atom but 5.6 A apart (cutoff 4 A): the
    first atom's gradient samples include the last one."""
    numbers = [6, 8, 6]
    positions = np.array([[0.0, 0.0, 0.0], [2.9, 0.0, 0.0], [5.6, 0.8, 0.0]])
    result = client.descriptors((numbers, positions), kind="message-passing", species=SPECIES, gradients="positions",
                                max_lambda=0, **SMALL)
    block = next(b for b in result["blocks"] if b.key["center_type"] == 6)
    gradient = block.gradients["positions"]
    row = [tuple(s) for s in block.samples.values.tolist()].index((0, 0))
    atoms = sorted(int(s[2]) for s in gradient.samples.values.tolist() if s[0] == row)
    assert atoms == [0, 1, 2]
