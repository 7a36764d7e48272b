"""lode-spherical-expansion from the daemon against the brute-force 3-D quadrature of
test/reference/lode.py (docs/science.md#lode) for a small molecule, to 1e-7 relative (the daemon
interpolates J_nl(d) to ~1e-9 of each channel's largest value; the reference grid is converged to
~1e-12), plus its position gradients against central differences of the daemon's values."""
import functools

import numpy as np
import pytest

from reference.lode import lode_spherical_expansion
from systems import HYPERS

SPECIES = [1, 8]
RELATIVE = 1e-7


def water_pair():
    """Two water molecules a few Angstrom apart, no symmetry."""
    numbers = [8, 1, 1, 8, 1, 1]
    positions = np.array([[0.0, 0.0, 0.1], [0.76, 0.0, -0.5], [-0.76, 0.1, -0.45],
                          [2.1, 2.4, 0.8], [2.9, 2.1, 1.2], [1.9, 3.2, 1.3]])
    return numbers, positions


@functools.lru_cache(maxsize=None)
def reference(p=1.0):
    numbers, positions = water_pair()
    return lode_spherical_expansion(numbers, positions, HYPERS, SPECIES, n_theta=32, n_phi=64, panel=0.3,
                                    potential_exponent=p)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.5])
def test_lode_values_match_reference(client, p):
    """p = 1: the Coulomb route (lode_integrals); p != 1: the Funk-Hecke quadrature of
    lode_power_integral; both against the same 3-D quadrature of phi_p."""
    numbers, positions = water_pair()
    extra = {} if p == 1.0 else {"potential_exponent": p}
    result = client.descriptors([(numbers, positions)], kind="lode-spherical-expansion", species=SPECIES,
                                **HYPERS, **extra)
    ref = reference(p)
    keys = {tuple(k) for k in result["keys"].values.tolist()}
    assert keys == {(l, 1, zc, zn) for l in range(HYPERS["max_angular"] + 1) for zc in (1, 8) for zn in SPECIES}
    scale = max(np.abs(c).max() for c in ref.values())
    worst = 0.0
    for block in result["blocks"]:
        l, a = block.key["o3_lambda"], SPECIES.index(block.key["neighbor_type"])
        rows = [tuple(r) for r in block.samples.values.tolist()]
        assert rows == [(0, i) for i, z in enumerate(numbers) if z == block.key["center_type"]]
        assert block.properties.names == ("n",)
        expected = np.array([ref[i][a, l * l:(l + 1) ** 2, :] for _, i in rows])
        np.testing.assert_allclose(block.values, expected, rtol=0, atol=RELATIVE * scale,
                                   err_msg=f"lode block {block.key}")
        worst = max(worst, np.abs(block.values - expected).max() / scale)
    print(f"lode (p = {p}) vs 3-D quadrature reference: largest difference {worst:.2e} of the largest coefficient")


def test_lode_position_gradients(client):
    """Analytic position gradients against central differences (h = 1e-4 A: truncation
    h^2 |c'''| ~ 1e-8, rounding 1e-16/h ~ 1e-12 of values of order 10)."""
    numbers, positions = water_pair()
    options = dict(kind="lode-spherical-expansion", species=SPECIES, **HYPERS)
    result = client.descriptors([(numbers, positions)], gradients="positions", **options)
    h = 1e-4
    for atom, xyz in [(1, 0), (3, 2), (5, 1)]:
        plus, minus = positions.copy(), positions.copy()
        plus[atom, xyz] += h
        minus[atom, xyz] -= h
        rp = client.descriptors([(numbers, plus)], **options)
        rm = client.descriptors([(numbers, minus)], **options)
        for b, block in enumerate(result["blocks"]):
            fd = (rp["blocks"][b].values - rm["blocks"][b].values) / (2 * h)
            analytic = np.zeros_like(fd)
            g = block.gradients["positions"]
            for k, (sample, _, a) in enumerate(g.samples.values.tolist()):
                if a == atom:
                    analytic[sample] = g.values[k, xyz]
            np.testing.assert_allclose(analytic, fd, rtol=0, atol=1e-6 * max(1.0, np.abs(fd).max()),
                                       err_msg=f"gradient of block {block.key} w.r.t. atom {atom} {xyz}")
