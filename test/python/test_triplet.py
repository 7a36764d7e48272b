"""The triplet kind (docs/science.md#triplet-features-and-completeness): the daemon against the
NumPy reference test/reference/triplet.py on a small molecule and a periodic cell, and the
completeness demonstration on data/degenerate/bispectrum-degenerate.xyz: nu = 2, nu = 3 and
linear triplet features give the two frames equal rows, so no model on them can tell the frames
apart; tanh-triplet features differ and a ridge model fits different targets."""
import functools
from pathlib import Path

import numpy as np
import pytest

import hamd
from reference import Hypers
from reference.triplet import triplet as reference_triplet
from systems import molecule, periodic_cell

SPECIES = [1, 6, 8]
SMALL = dict(cutoff=3.5, cutoff_width=0.5, max_radial=1, max_angular=2, density_width=0.3, center_atom_weight=0.7)
SYSTEMS = {"molecule": molecule, "periodic": periodic_cell}
DEGENERATE = Path(__file__).resolve().parents[2] / "data" / "degenerate" / "bispectrum-degenerate.xyz"
# data/degenerate tests (test_bispectrum.cpp): cutoff 3, density width 0.3, max_radial 2, max_angular 4
DEGENERATE_HYPERS = dict(cutoff=3.0, cutoff_width=0.5, max_radial=2, max_angular=4, density_width=0.3,
                         center_atom_weight=0.7)
PROPERTY_LABELS = {}  # kind -> the property labels of the last carbon_rows call (for the printed report)


@functools.lru_cache(maxsize=None)
def reference(name, nonlinearity):
    rows, properties, values = reference_triplet([SYSTEMS[name]()], Hypers(**SMALL), nonlinearity, SPECIES)
    return {(s, i): (z, values[k]) for k, (s, i, z) in enumerate(rows)}, properties


@pytest.mark.parametrize("nonlinearity", ["none", "tanh", "square"])
@pytest.mark.parametrize("name", list(SYSTEMS))
def test_triplet_matches_reference(client, name, nonlinearity):
    result = client.descriptors([SYSTEMS[name]()], kind="triplet", species=SPECIES, nonlinearity=nonlinearity, **SMALL)
    ref, properties = reference(name, nonlinearity)
    assert result["blocks"], "no blocks"
    for block in result["blocks"]:
        assert (block.key["o3_lambda"], block.key["o3_sigma"]) == (0, 1)
        assert block.properties.names == ("neighbor_1_type", "neighbor_2_type", "neighbor_3_type",
                                          "l_1", "l_2", "l_3", "n_1", "n_2", "n_3")
        assert [tuple(p) for p in block.properties.values.tolist()] == [tuple(p) for p in properties]
        rows = [tuple(r) for r in block.samples.values.tolist()]
        assert rows and all(ref[r][0] == block.key["center_type"] for r in rows)
        expected = np.array([ref[r][1] for r in rows])
        scale = np.abs(expected).max()
        assert scale > 0
        np.testing.assert_allclose(block.values, expected, rtol=1e-8, atol=1e-8 * scale,
                                   err_msg=f"{name} {nonlinearity} block {block.key}")


def test_unknown_nonlinearity(client):
    with pytest.raises(hamd.InvalidArgument, match=r'"none", "tanh", "square"'):
        client.descriptors([molecule()], kind="triplet", nonlinearity="relu", **SMALL)


def read_frames(path):
    """The frames of a small extended-XYZ file: [(atomic numbers, positions)]."""
    numbers_of = {"H": 1, "C": 6, "O": 8}
    lines, frames, k = path.read_text().splitlines(), [], 0
    while k < len(lines) and lines[k].strip():
        n = int(lines[k])
        atoms = [line.split() for line in lines[k + 2:k + 2 + n]]
        frames.append(([numbers_of[a[0]] for a in atoms], np.array([[float(x) for x in a[1:4]] for a in atoms])))
        k += n + 2
    return frames


def carbon_rows(client, kind, **options):
    """[2, n_properties]: the C-centred features of the two degenerate frames."""
    result = client.descriptors(read_frames(DEGENERATE), kind=kind, species=SPECIES, **DEGENERATE_HYPERS, **options)
    block = next(b for b in result["blocks"] if b.key["center_type"] == 6)
    assert [tuple(r) for r in block.samples.values.tolist()] == [(0, 0), (1, 0)]
    PROPERTY_LABELS[kind] = block.properties.values
    return np.asarray(block.values)


def ridge_residual(X, y, regularisation=1e-3, rounding=1e-12):
    """Root-mean-square training residual of a ridge model with bias on features X [samples,
    properties]. Features at rounding level (largest |x| below `rounding` times the largest
    entry of X) carry nothing and are dropped; the others are scaled to largest |x| = 1."""
    scale = np.abs(X).max(axis=0)
    keep = scale > rounding * scale.max()
    Z = X[:, keep] / scale[keep]
    Z = Z - Z.mean(axis=0)
    t = y - y.mean()
    # w = Z^T (Z Z^T + lambda I)^-1 t (the dual form: two samples, many features)
    w = Z.T @ np.linalg.solve(Z @ Z.T + regularisation * np.eye(len(y)), t)
    return float(np.sqrt(np.mean((Z @ w - t) ** 2)))


def test_completeness_demonstration(client):
    """docs/science.md#triplet-features-and-completeness: the numbers quoted there."""
    features = {
        "power-spectrum": carbon_rows(client, "power-spectrum"),
        "bispectrum": carbon_rows(client, "bispectrum"),
        "triplet none": carbon_rows(client, "triplet", nonlinearity="none"),
        "triplet tanh": carbon_rows(client, "triplet", nonlinearity="tanh"),
        "triplet square": carbon_rows(client, "triplet", nonlinearity="square"),
    }
    y = np.array([0.0, 1.0])  # the model is asked to tell the frames apart
    report = {}
    for name, X in features.items():
        difference = np.abs(X[0] - X[1]).max() / np.abs(X).max()
        report[name] = (difference, ridge_residual(X, y))
    print("\n" + "\n".join(f"{k:15s} {features[k].shape[1]:6d} features, max |row0 - row1| / max |x| = {d:.2e}, "
                           f"ridge rms residual = {r:.7f}" for k, (d, r) in report.items()))
    X = features["triplet tanh"]
    top = np.argsort(-np.abs(X[0] - X[1]))[:3]
    print("largest tanh differences (property: frame 0, frame 1):",
          ", ".join(f"{tuple(PROPERTY_LABELS['triplet'][k].tolist())}: {X[0, k]:.3e}, {X[1, k]:.3e}" for k in top))
    for name in ("power-spectrum", "bispectrum", "triplet none", "triplet square"):
        difference, residual = report[name]
        assert difference < 1e-13, name
        # equal rows: the best any model can do is predict the mean, residual 0.5
        assert residual > 0.49, name
    difference, residual = report["triplet tanh"]
    assert difference > 1e-11
    assert residual < 1e-2
