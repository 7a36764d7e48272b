"""Kind "correlation" over gRPC against the independent NumPy reference
(test/reference/correlation.py), to 1e-8 relative: nu = 3 with every lambda up to 2 and both
parities, nu = 2 and nu = 1, on a molecule and a periodic cell; the property layout is the
reference's enumeration of non-decreasing chains; out-of-range options are INVALID_ARGUMENT
with the core's message."""
import functools

import grpc
import hamd
import numpy as np
import pytest

from reference import Hypers, spherical_expansion
from reference.correlation import correlation_properties, correlation_values
from systems import molecule, periodic_cell

SPECIES = [1, 6, 8]
# small, so that the chain-by-chain reference stays quick at nu = 3
HYPERS = dict(cutoff=3.5, cutoff_width=0.5, max_radial=1, max_angular=2, density_width=0.3, center_atom_weight=0.7)
H = Hypers(**HYPERS)
RELATIVE = 1e-8
SYSTEMS = {"molecule": lambda: [molecule()], "periodic": lambda: [periodic_cell()]}


@functools.lru_cache(maxsize=None)
def reference(name):
    """{(structure, atom): coefficients c[a, lm, n]}."""
    structures = SYSTEMS[name]()
    return {(s, i): c for s, per_atom in enumerate(spherical_expansion(structures, H, SPECIES))
            for i, c in enumerate(per_atom)}


def chain_names(order):
    names = ["neighbor_1_type", "n_1", "l_1"]
    for j in range(2, order + 1):
        names += [f"neighbor_{j}_type", f"n_{j}", f"l_{j}"]
        if j < order:
            names.append(f"k_{j}")
    return tuple(names)


@pytest.mark.parametrize("name", list(SYSTEMS))
@pytest.mark.parametrize("order,max_lambda", [(3, 2), (2, 3), (1, 2)])
def test_correlation_against_reference(client, name, order, max_lambda):
    result = client.descriptors(SYSTEMS[name](), kind="correlation", species=SPECIES, correlation_order=order,
                                max_lambda=max_lambda, **HYPERS)
    ref = reference(name)
    seen = set()
    for block in result["blocks"]:
        lam, sigma = block.key["o3_lambda"], block.key["o3_sigma"]
        seen.add((lam, sigma))
        assert block.properties.names == chain_names(order)
        labels = block.properties.values
        assert {tuple(p) for p in labels.tolist()} == correlation_properties(SPECIES, H, order, lam, sigma)
        assert len({tuple(p) for p in labels.tolist()}) == len(labels), "no property twice"
        rows = [tuple(r) for r in block.samples.values.tolist()]
        expected = np.array([correlation_values(ref[r], SPECIES, order, lam, labels) for r in rows])
        scale = np.abs(expected).max()
        np.testing.assert_allclose(block.values, expected, rtol=RELATIVE, atol=RELATIVE * max(scale, 1e-300),
                                   err_msg=f"correlation nu={order} block {block.key}")
    # the dense view (hamd.results): an equivariant kind, [samples, 2 lambda + 1, properties] per (lambda, sigma)
    for lam, sigma in seen:
        assert result["values"][(lam, sigma)].shape[1:] == (2 * lam + 1, len(result["properties"][(lam, sigma)]))
    # every (lambda, sigma) with at least one chain is there
    expected_blocks = {(lam, sigma) for lam in range(max_lambda + 1) for sigma in (1, -1)
                       if correlation_properties(SPECIES, H, order, lam, sigma)}
    assert seen == expected_blocks


@pytest.mark.parametrize("order", [0, 5])
def test_correlation_order_out_of_range(client, order):
    with pytest.raises(hamd.InvalidArgument) as error:
        client.descriptors([molecule()], kind="correlation", correlation_order=order, **HYPERS)
    assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert f"correlation_order = {order} is outside 1..4" in error.value.message


def test_max_lambda_rules(client):
    with pytest.raises(hamd.InvalidArgument) as error:
        client.descriptors([molecule()], kind="correlation", correlation_order=2, max_lambda=5, **HYPERS)
    assert "max_lambda = 5 is outside 0..2*max_angular = 4" in error.value.message
    with pytest.raises(hamd.InvalidArgument) as error:
        client.descriptors([molecule()], kind="bispectrum", max_lambda=1, **HYPERS)
    assert 'max_lambda: not an option of kind "bispectrum"' in error.value.message
    assert '"lambda-soap", "correlation"' in error.value.message
