"""Surrogate-Hamiltonian serving through the Python client: the session daemon serves the
package's default model (models/default-hamiltonian.npz) from its model repository (before that
model ships: a daemon of this module's own, serving a tiny model trained on data/train.npz).

Checks: ListModels; Predict equals the addon in process bit for bit (a Node script loads the
same model file through the addon); the physics of the outputs against numpy/scipy/PySCF
(F' symmetric, F = S^1/2 F' S^1/2 has the same spectrum, S and the PySCF-order labels equal
PySCF's own for STO-3G); bad inputs give the documented codes. Skips, saying why, only
when there is neither a model file nor training data, or the addon lacks the model binding.
"""
import json
import os
import subprocess
from pathlib import Path

import grpc
import numpy as np
import pytest

import hamd
from conftest import ROOT, addon_built, start_daemon, stop_daemon, wait_until_serving

MODEL = ROOT / "models" / "default-hamiltonian.npz"
TRAINING_DATA = ROOT / "data" / "train.npz"
HARTREE_EV = 27.211386245988
ALL_OUTPUTS = ["fock_orthogonal", "fock", "overlap", "orbital_energies", "valid_orbitals", "homo", "lumo", "gap",
               "orbital_labels", "excitation_energies", "oscillator_strengths"]

WATER = (["O", "H", "H"], [[0, 0, 0.117], [0, 0.757, -0.467], [0, -0.757, -0.467]])
ETHANOL = ([6, 6, 8, 1, 1, 1, 1, 1, 1], [
    [-1.1879, -0.3829, 0.0], [0.0101, 0.5596, 0.0], [1.1721, -0.2546, 0.0], [-2.1220, 0.1801, 0.0],
    [-1.1597, -1.0220, 0.8847], [-1.1597, -1.0220, -0.8847], [-0.0164, 1.2069, 0.8842],
    [-0.0164, 1.2069, -0.8842], [1.9470, 0.3135, 0.0]])
ACETONITRILE = ([6, 6, 7, 1, 1, 1], [[0, 0, -1.4570], [0, 0, 0], [0, 0, 1.1570], [1.0289, 0, -1.8210],
                                     [-0.5144, 0.8910, -1.8210], [-0.5144, -0.8910, -1.8210]])
MOLECULES = [WATER, ETHANOL, ACETONITRILE]

# The addon's own binding in process (addon/napi/model.cpp, no server code), for the same
# structures: one JSON line, float64 arrays as hex of their bytes.
IN_PROCESS = r"""
const [file, structuresJson, outputsJson, units, order] = process.argv.slice(1);
const addon = require(process.cwd() + '/build/addon/Release/hamd.node');
const systems = JSON.parse(structuresJson).map(([types, positions]) => ({
  types: Int32Array.from(types), positions: Float64Array.from(positions.flat()),
  cell: new Float64Array(9), pbc: [false, false, false] }));
const outputs = JSON.parse(outputsJson);
const hex = (a) => a === undefined ? null : Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const engine = addon.createEngine(1);
engine.loadHamiltonianModel(file).predict({ systems, outputs, units, order })
  .then((r) => console.log(JSON.stringify(r.structures.map((s) => ({
    fock_orthogonal: hex(s.fockOrthogonal), fock: hex(s.fock), overlap: hex(s.overlap),
    orbital_energies: hex(s.orbitalEnergies), homo: s.homo, lumo: s.lumo, gap: s.gap,
    valid_orbitals: s.validOrbitals, excitation_energies: hex(s.excitationEnergies),
    oscillator_strengths: hex(s.oscillatorStrengths), excitation_valid_weight: hex(s.excitationValidWeight),
    warnings: s.warnings ?? [], orbital_labels: s.orbitalNames })))))
  .catch((e) => { console.error(e); process.exit(1); })
  .finally(() => engine.close());
"""


def model_binding():
    if not addon_built():
        return False
    probe = subprocess.run(["node", "-e", "const e = require(process.cwd() + '/build/addon/Release/hamd.node').createEngine(1);"
                            "const ok = typeof e.loadHamiltonianModel === 'function'; e.close(); process.exit(ok ? 0 : 1)"], cwd=ROOT)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def served(daemon_address, tmp_path_factory):
    """(daemon address, model file): the session daemon with the shipped default model; before
    that model ships, a daemon of its own serving a tiny model trained on data/train.npz."""
    if not model_binding():
        pytest.skip("the addon's engine has no loadHamiltonianModel (addon/napi/model.cpp not built)")
    if MODEL.exists():
        yield daemon_address, MODEL
        return
    if not TRAINING_DATA.exists():
        pytest.skip(f"no default model ({MODEL.relative_to(ROOT)}) and no data/train.npz to train one")
    directory = tmp_path_factory.mktemp("tiny-model")
    repository = directory / "models"
    repository.mkdir()
    model = repository / "default-hamiltonian.npz"
    subprocess.run(["node", str(ROOT / "bin" / "hamd.js"), "train", "hamiltonian", "--data", str(TRAINING_DATA),
                    "-o", str(model), "--max-radial", "2", "--max-angular", "2", "--epochs", "3", "--no-plot"],
                   cwd=ROOT, check=True, capture_output=True)
    address = f"unix:{directory / 'hamd.sock'}"
    process, log_path = start_daemon(directory, ["--listen", address, "--models", str(repository)])
    try:
        wait_until_serving(address, process, log_path)
        yield address, model
    finally:
        stop_daemon(process)


@pytest.fixture
def client(served):
    with hamd.connect(served[0], timeout=120) as c:
        yield c


@pytest.fixture
def model_file(served):
    return served[1]


def symbols_and_numbers(structure):
    from hamd.structures import atomic_numbers
    return atomic_numbers(structure[0]).tolist(), np.asarray(structure[1], dtype=float).tolist()


def in_process(model, structures, outputs, units="hartree", order="hamd"):
    payload = json.dumps([symbols_and_numbers(s) for s in structures])
    run = subprocess.run(["node", "-e", IN_PROCESS, str(model), payload, json.dumps(outputs), units, order],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def test_models_lists_the_default(client, model_file):
    models = {m["name"]: m for m in client.models()}
    model = models["default-hamiltonian"]
    assert model["state"] == "ready" and model["default"]
    assert model["kind"] == "hamiltonian"
    assert {1, 6, 7, 8} <= set(model["species"])
    assert model["cutoff"] > 0
    assert set(model["outputs"]) == set(ALL_OUTPUTS)
    assert Path(model["path"]).resolve() == Path(model_file).resolve()
    assert "predict/hamiltonian" in client.info()["capabilities"]


@pytest.mark.parametrize("units,order", [("hartree", "hamd"), ("ev", "pyscf")])
def test_predict_equals_the_addon_bitwise(client, model_file, units, order):
    got = client.predict(MOLECULES, outputs=ALL_OUTPUTS, units=units, order=order)
    want = in_process(model_file, MOLECULES, ALL_OUTPUTS, units, order)
    assert len(got) == len(want) == len(MOLECULES)
    for g, w in zip(got, want):
        assert g["model"] == "default-hamiltonian" and g["units"] == units and g["order"] == order
        for name in ("fock_orthogonal", "fock", "overlap", "orbital_energies", "excitation_energies",
                     "oscillator_strengths", "excitation_valid_weight"):
            assert g[name].dtype == np.float64
            assert g[name].tobytes().hex() == w[name], name
        for name in ("homo", "lumo", "gap"):
            assert g.get(name) == w.get(name), name  # float64 through JSON round-trips exactly; absent: withheld
        assert g["valid_orbitals"].tolist() == w["valid_orbitals"]
        assert g["warnings"] == w["warnings"]
        assert g["orbital_labels"].tolist() == w["orbital_labels"]


def test_single_structure_gives_one_dict(client):
    result = client.predict(WATER)
    assert isinstance(result, dict)
    assert set(result) >= {"orbital_energies", "valid_orbitals", "homo", "warnings"}
    assert "fock" not in result
    assert result["orbital_energies"].shape == (7,)
    assert isinstance(client.predict([WATER]), list)


def test_outputs_are_consistent_physics(client):
    import scipy.linalg
    for structure, result in zip(MOLECULES, client.predict(MOLECULES, outputs=ALL_OUTPUTS)):
        f_orth, fock, overlap, energies = (result[k] for k in ("fock_orthogonal", "fock", "overlap", "orbital_energies"))
        n = result["n_orbitals"]
        assert f_orth.shape == fock.shape == overlap.shape == (n, n) and energies.shape == (n,)
        scale = np.abs(f_orth).max()
        assert np.abs(f_orth - f_orth.T).max() <= 1e-12 * scale, "F' symmetric"
        assert np.all(np.diff(energies) >= 0), "ascending"
        np.testing.assert_allclose(np.linalg.eigvalsh(f_orth), energies, rtol=0, atol=1e-10 * scale)
        # F = S^1/2 F' S^1/2: the generalised problem (F, S) has the same spectrum
        np.testing.assert_allclose(scipy.linalg.eigh(fock, overlap, eigvals_only=True), energies, rtol=0, atol=1e-9 * scale)
        occupied = result["n_electrons"] // 2
        assert result["n_electrons"] == sum(hamd.structures.atomic_numbers(structure[0]).tolist())
        assert result["homo"] == energies[occupied - 1]
        valid = result["valid_orbitals"]
        assert valid[:occupied].all()
        # Above the LUMO only a level degenerate with a valid one (acetonitrile's pi* pair) is valid.
        for k in range(occupied + 1, n):
            assert valid[k] == (bool(valid[k - 1]) and energies[k] - energies[k - 1] < 1e-3), k
        # Water and ethanol are saturated (a Rydberg-like large-basis LUMO: withheld); acetonitrile's is pi*.
        assert bool(valid[occupied]) == (structure is ACETONITRILE)
        if valid[occupied]:
            assert result["lumo"] == energies[occupied]
            assert result["gap"] == pytest.approx(result["lumo"] - result["homo"], rel=1e-15)
        else:
            assert "lumo" not in result and "gap" not in result
            assert any("lumo and gap withheld" in w for w in result["warnings"])


def test_ev_is_hartree_times_constant(client):
    hartree = client.predict(ACETONITRILE, outputs=["fock_orthogonal", "orbital_energies", "gap"])
    ev = client.predict(ACETONITRILE, outputs=["fock_orthogonal", "orbital_energies", "gap"], units="ev")
    for name in ("fock_orthogonal", "orbital_energies", "gap"):
        np.testing.assert_allclose(ev[name], hartree[name] * HARTREE_EV, rtol=1e-14, atol=1e-14)


def test_pyscf_order_matches_pyscf(client):
    """In PySCF order, S and the labels are PySCF's own for the same molecule in STO-3G."""
    gto = pytest.importorskip("pyscf.gto")
    numbers, positions = ETHANOL
    result = client.predict(ETHANOL, outputs=["overlap", "orbital_labels"], order="pyscf")
    mol = gto.M(atom=[(int(z), p) for z, p in zip(numbers, positions)], basis="sto-3g", unit="Angstrom")
    assert result["orbital_labels"].tolist() == [label.strip() for label in mol.ao_labels()]
    np.testing.assert_allclose(result["overlap"], mol.intor("int1e_ovlp"), rtol=0, atol=1e-10)
    hamd_order = client.predict(ETHANOL, outputs=["overlap", "orbital_labels"])
    assert sorted(hamd_order["orbital_labels"].tolist()) == sorted(result["orbital_labels"].tolist())
    assert hamd_order["orbital_labels"].tolist() != result["orbital_labels"].tolist()
    assert result["orbital_indices"].shape == (result["n_orbitals"], 4)


@pytest.mark.parametrize("structure,kwargs,code,pattern", [
    ((["C", "Cl", "H", "H", "H"], [[0, 0, 0], [0, 0, 1.78], [1.03, 0, -0.36], [-0.51, 0.89, -0.36], [-0.51, -0.89, -0.36]]),
     {}, grpc.StatusCode.INVALID_ARGUMENT, r"Cl.*does not know"),
    ((["O", "H", "H"], [[0, 0, 0], [0, 0, 0.2], [0, 0.76, -0.47]]), {}, grpc.StatusCode.INVALID_ARGUMENT, r"0\.3 Angstrom"),
    ((["O", "H", "H"], [[0, 0, np.nan], [0, 0.76, -0.47], [0, -0.76, -0.47]]), {}, grpc.StatusCode.INVALID_ARGUMENT, r"not a finite number"),
    (WATER, {"model": "no-such-model"}, grpc.StatusCode.NOT_FOUND, r"no-such-model"),
])
def test_bad_inputs(client, structure, kwargs, code, pattern):
    with pytest.raises(hamd.HamdError, match=pattern) as error:
        client.predict(structure, **kwargs)
    assert error.value.code == code
    if code == grpc.StatusCode.NOT_FOUND:
        assert isinstance(error.value, hamd.NotFound) and isinstance(error.value, LookupError)
    assert client.predict(WATER)["homo"] < 0, "the daemon keeps serving"


def test_unknown_output_is_rejected(client):
    with pytest.raises(ValueError, match="dipole"):
        client.predict(WATER, outputs=["dipole"])
    request = hamd.predict.predict_request(WATER)
    request.outputs.append("dipole")
    with pytest.raises(hamd.InvalidArgument, match='"dipole" is not one of'):
        client.predict_raw(request)
