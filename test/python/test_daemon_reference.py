"""The daemon against the independent reference implementation (test/reference), to 1e-8
relative: spherical expansion, power spectrum, lambda-SOAP and bispectrum of a finite
molecule, a periodic triclinic cell (with self images), and both in one request."""
import functools
import math

import numpy as np
import pytest

from reference import Hypers, power_spectrum_properties, spherical_expansion
from reference.acdc import lambda_soap_values, bispectrum_values, power_spectrum_value
from systems import HYPERS, molecule, periodic_cell

SPECIES = [1, 6, 8]
H = Hypers(**HYPERS)
RELATIVE = 1e-8
SYSTEMS = {"molecule": lambda: [molecule()], "periodic": lambda: [periodic_cell()],
           "both": lambda: [periodic_cell(), molecule()]}


@functools.lru_cache(maxsize=None)
def reference(name):
    """{(structure, atom): (center_type, coefficients c[a, lm, n])}."""
    structures = SYSTEMS[name]()
    out = {}
    for s, (structure, per_atom) in enumerate(zip(structures, spherical_expansion(structures, H, SPECIES))):
        for i, c in enumerate(per_atom):
            out[(s, i)] = (int(structure[0][i]), c)
    return out


def assert_close(actual, expected, what):
    """Relative to the block's largest entry; a block that is zero in the reference (no
    neighbour of that species, or odd l of a lone symmetric neighbour) must be zero too."""
    scale = np.abs(expected).max()
    np.testing.assert_allclose(actual, expected, rtol=RELATIVE, atol=RELATIVE * scale if scale > 0 else 1e-14,
                               err_msg=what)


def atoms_of_block(name, block):
    """The reference entries of the block's rows; checks they are all atoms of its center type, in order."""
    ref = reference(name)
    rows = [tuple(r) for r in block.samples.values.tolist()]
    assert block.samples.names == ("system", "atom")
    assert rows == sorted(k for k, (z, _) in ref.items() if z == block.key["center_type"])
    return [ref[r][1] for r in rows]


def compute(client, name, kind, **extra):
    return client.descriptors(SYSTEMS[name](), kind=kind, species=SPECIES, **HYPERS, **extra)


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_spherical_expansion(client, name):
    result = compute(client, name, "spherical-expansion")
    centers = sorted({z for z, _ in reference(name).values()})
    expected_keys = {(l, 1, zc, zn) for l in range(H.max_angular + 1) for zc in centers for zn in SPECIES}
    assert {tuple(k) for k in result["keys"].values.tolist()} == expected_keys
    for block in result["blocks"]:
        l, a = block.key["o3_lambda"], SPECIES.index(block.key["neighbor_type"])
        assert [c.names for c in block.components] == [("o3_mu",)]
        np.testing.assert_array_equal(block.components[0].values[:, 0], np.arange(-l, l + 1))
        assert block.properties.names == ("n",)
        n = block.properties.values[:, 0]
        expected = np.array([c[a, l * l:(l + 1) ** 2][:, n] for c in atoms_of_block(name, block)])
        assert_close(block.values, expected, f"spherical expansion block {block.key}")


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_power_spectrum(client, name):
    result = compute(client, name, "power-spectrum")
    for block in result["blocks"]:
        assert (block.key["o3_lambda"], block.key["o3_sigma"]) == (0, 1)
        assert block.properties.names == ("neighbor_1_type", "neighbor_2_type", "l", "n_1", "n_2")
        labels = [tuple(p) for p in block.properties.values.tolist()]
        assert sorted(labels) == sorted(power_spectrum_properties(SPECIES, H))
        expected = np.array([[power_spectrum_value(c, SPECIES, p) for p in labels]
                             for c in atoms_of_block(name, block)])
        assert_close(block.values, expected, f"power spectrum block {block.key}")


def lambda_soap_layout(lam, sigma):
    """addon/core/descriptors/soap/lambda_soap.hpp: a1 <= a2, and l1 <= l2 when a1 == a2; every n1, n2."""
    r, ls = range(H.max_radial + 1), range(H.max_angular + 1)
    return {(z1, z2, l1, l2, n1, n2) for z1 in SPECIES for z2 in SPECIES if z1 <= z2
            for l1 in ls for l2 in ls if (z1 < z2 or l1 <= l2) and abs(l1 - l2) <= lam <= l1 + l2
            and (-1) ** (l1 + l2 + lam) == sigma for n1 in r for n2 in r}


def bispectrum_layout():
    """addon/core/descriptors/soap/bispectrum.hpp: (a1, l1) <= (a2, l2) <= (a3, l3), l1 + l2 + l3 even, every n."""
    r, pairs = range(H.max_radial + 1), [(z, l) for z in SPECIES for l in range(H.max_angular + 1)]
    return {(z1, z2, z3, l1, l2, l3, n1, n2, n3) for (z1, l1) in pairs for (z2, l2) in pairs for (z3, l3) in pairs
            if (z1, l1) <= (z2, l2) <= (z3, l3) and abs(l1 - l2) <= l3 <= l1 + l2 and (l1 + l2 + l3) % 2 == 0
            for n1 in r for n2 in r for n3 in r}


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_lambda_soap(client, name):
    result = compute(client, name, "lambda-soap")
    lambda_sigma = {(k["o3_lambda"], k["o3_sigma"]) for k in (b.key for b in result["blocks"])}
    expected = {(lam, 1) for lam in range(H.max_angular + 1)} | {(lam, -1) for lam in range(1, H.max_angular + 1)}
    assert lambda_sigma == expected
    for block in result["blocks"]:
        lam, sigma = block.key["o3_lambda"], block.key["o3_sigma"]
        assert block.properties.names == ("neighbor_1_type", "neighbor_2_type", "l_1", "l_2", "n_1", "n_2")
        labels = block.properties.values
        assert len(labels) > 0
        assert np.all((-1) ** (labels[:, 2] + labels[:, 3] + lam) == sigma), "parity of a property"
        assert np.all(np.abs(labels[:, 2] - labels[:, 3]) <= lam) and np.all(labels[:, 2] + labels[:, 3] >= lam)
        assert block.values.shape[1] == 2 * lam + 1
        assert {tuple(p) for p in labels.tolist()} == lambda_soap_layout(lam, sigma)
        expected_values = np.array([lambda_soap_values(c, SPECIES, lam, labels) for c in atoms_of_block(name, block)])
        assert_close(block.values, expected_values, f"lambda-soap block {block.key}")


def test_lambda_soap_max_lambda(client):
    result = compute(client, "molecule", "lambda-soap", max_lambda=1)
    assert sorted({(b.key["o3_lambda"], b.key["o3_sigma"]) for b in result["blocks"]}) == [(0, 1), (1, -1), (1, 1)]


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_bispectrum(client, name):
    result = compute(client, name, "bispectrum")
    for block in result["blocks"]:
        assert block.key["o3_lambda"] == 0
        assert block.properties.names == ("neighbor_1_type", "neighbor_2_type", "neighbor_3_type",
                                          "l_1", "l_2", "l_3", "n_1", "n_2", "n_3")
        labels = block.properties.values
        assert len(labels) > 0
        assert np.all((-1) ** (labels[:, 3] + labels[:, 4] + labels[:, 5]) == block.key["o3_sigma"])
        assert {tuple(p) for p in labels.tolist()} == bispectrum_layout()
        expected = np.array([bispectrum_values(c, SPECIES, labels) for c in atoms_of_block(name, block)])
        assert_close(block.values, expected, f"bispectrum block {block.key}")


def test_center_atom_weight_and_species_filter(client):
    """center_atom_weight scales the centre's own l = 0 term; unlisted species are not neighbours."""
    structures = SYSTEMS["molecule"]()
    hypers = dict(HYPERS, center_atom_weight=0.0)
    result = client.descriptors(structures, kind="spherical-expansion", species=[6, 8], **hypers)
    ref = spherical_expansion(structures, Hypers(**hypers), [6, 8])[0]
    assert {b.key["neighbor_type"] for b in result["blocks"]} == {6, 8}
    for block in result["blocks"]:
        l, a = block.key["o3_lambda"], [6, 8].index(block.key["neighbor_type"])
        rows = block.samples.values[:, 1]
        assert_close(block.values, ref[rows, a, l * l:(l + 1) ** 2, :][..., block.properties.values[:, 0]],
                     f"block {block.key} without centre density")
    assert math.isfinite(result["compute_us"])
