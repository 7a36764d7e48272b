"""tools/make-energy-dataset: the extended-XYZ importer, the format check, the cache and resume
logic, one real B3LYP/def2-SVP force against finite differences, and xtb-driven sampling.

Tests that need PySCF or the xtb program skip, saying so, when they are missing."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ase = pytest.importorskip("ase", reason="ASE is not installed (pip install ase)")
import ase.io  # noqa: E402
from ase.calculators.singlepoint import SinglePointCalculator  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from dataset import energy_pipeline, energy_store, sampling, xtb  # noqa: E402

HARTREE_EV = 27.211386245988
BOHR_ANGSTROM = 0.529177210903
WATER = [("O", (0.0, 0.0, 0.1173)), ("H", (0.0, 0.7572, -0.4692)), ("H", (0.0, -0.7572, -0.4692))]


def have_pyscf():
    try:
        import pyscf  # noqa: F401
        return True
    except ImportError:
        return False


needs_pyscf = pytest.mark.skipif(not have_pyscf(), reason="PySCF is not installed (pip install pyscf)")
needs_xtb = pytest.mark.skipif(xtb.find_xtb() is None,
                               reason="the xtb program is not installed (Debian: apt-get install xtb)")


@pytest.fixture(autouse=True)
def one_thread():
    if have_pyscf():
        from pyscf import lib
        before = lib.num_threads()
        lib.num_threads(1)
        yield
        lib.num_threads(before)
    else:
        yield


def water_atoms(shift=(0.0, 0.0, 0.0)):
    return ase.Atoms([s for s, _ in WATER], positions=np.array([p for _, p in WATER]) + shift)


def synthetic_frames(rng):
    """Three frames: ASE's standard energy/forces (SinglePointCalculator), REF_energy/REF_forces,
    and a periodic one."""
    a = water_atoms(rng.normal(0, 0.01, 3))
    a.calc = SinglePointCalculator(a, energy=-2077.5, forces=rng.normal(size=(3, 3)))
    b = ase.Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]])
    b.info["REF_energy"] = -31.5
    b.arrays["REF_forces"] = rng.normal(size=(2, 3))
    c = ase.Atoms("H2", positions=[[0.1, 0, 0], [0.1, 0, 0.75]], cell=[[5, 0, 0], [0.5, 6, 0], [0, 0, 7]],
                  pbc=True)
    c.calc = SinglePointCalculator(c, energy=-31.4, forces=rng.normal(size=(2, 3)))
    return [a, b, c]


def expected(frame):
    """(energy, forces) of a frame read back with ase.io, in the file's units (8 decimals)."""
    if "REF_energy" in frame.info:
        return frame.info["REF_energy"], frame.arrays["REF_forces"]
    return frame.calc.results["energy"], frame.calc.results["forces"]


def load(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


# ---------------------------------------------------------------- extended XYZ import

@pytest.mark.parametrize("units", ["eV", "hartree"])
def test_extxyz_import_round_trip(tmp_path, units):
    frames = synthetic_frames(np.random.default_rng(7))
    source = tmp_path / "mine.xyz"
    ase.io.write(source, frames, format="extxyz")
    out = tmp_path / "mine.npz"
    stats = energy_pipeline.main(["--from-extxyz", str(source), "--units", units, "-o", str(out)])
    assert stats["structures"] == 3 and stats["computed"] == 0
    d = load(out)
    assert str(d["format"]) == "hamd-energy-dataset" and int(d["format_version"]) == 1
    energy_scale = 1.0 if units == "eV" else HARTREE_EV
    force_scale = 1.0 if units == "eV" else HARTREE_EV / BOHR_ANGSTROM
    reread = ase.io.read(source, index=":")  # the file holds 8 decimals of positions
    for i, frame in enumerate(reread):
        e, f = expected(frame)
        a0, a1 = d["atom_offsets"][i:i + 2]
        assert d["energy"][i] == pytest.approx(e * energy_scale, rel=1e-14)
        np.testing.assert_allclose(d["forces"][a0:a1], np.asarray(f) * force_scale, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(d["positions"][a0:a1], frame.positions)
        np.testing.assert_array_equal(d["species"][a0:a1], frame.numbers)
        np.testing.assert_array_equal(d["pbc"][i], frame.pbc)
        if frame.pbc.any():
            np.testing.assert_array_equal(d["cell"][i], frame.cell.array)
        else:
            np.testing.assert_array_equal(d["cell"][i], np.zeros((3, 3)))
        assert d["energy_hartree"][i] * HARTREE_EV == pytest.approx(d["energy"][i], rel=1e-14)
    # grouped by chemical formula, in order of first appearance; file order kept
    assert d["molecule_names"].tolist() == ["H2O", "H2"]
    assert d["structure_molecule"].tolist() == [0, 1, 1]
    assert d["structure_index"].tolist() == [0, 0, 1]
    prov = json.loads(str(d["provenance"]))
    assert prov["kind"] == "imported" and prov["units"]["energy"] == "eV"
    assert prov["import"]["declared_units"].startswith("eV" if units == "eV" else "hartree")
    summary, failures = energy_store.check(out)
    assert failures == [] and summary["structures"] == 3


def test_extxyz_reader_gives_ase_atoms_back(tmp_path):
    frames = synthetic_frames(np.random.default_rng(3))
    source = tmp_path / "mine.xyz"
    ase.io.write(source, frames, format="extxyz")
    out = tmp_path / "mine.npz"
    energy_pipeline.main(["--from-extxyz", str(source), "--units", "eV", "-o", str(out)])
    data = energy_store.EnergyDataset(out)
    atoms = data.to_ase(1)
    assert atoms.get_potential_energy() == pytest.approx(-31.5)
    np.testing.assert_allclose(atoms.get_forces(), frames[1].arrays["REF_forces"])


def test_extxyz_missing_forces_is_a_clear_error(tmp_path):
    frames = synthetic_frames(np.random.default_rng(1))
    bare = ase.Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]])
    bare.info["REF_energy"] = -31.0  # energy but no forces
    source = tmp_path / "bad.xyz"
    ase.io.write(source, frames + [bare], format="extxyz")
    with pytest.raises(SystemExit) as error:
        energy_pipeline.main(["--from-extxyz", str(source), "--units", "eV", "-o", str(tmp_path / "x.npz")])
    message = str(error.value)
    assert "frame 3" in message and "no forces" in message and "REF_forces/forces" in message
    assert "1 of 4 frames" in message
    assert not (tmp_path / "x.npz").exists()


def test_extxyz_missing_energy_and_units_flag(tmp_path):
    bare = ase.Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]])
    source = tmp_path / "bare.xyz"
    ase.io.write(source, [bare], format="extxyz")
    with pytest.raises(SystemExit, match="frame 0 .*no energy .* and no forces"):
        energy_pipeline.main(["--from-extxyz", str(source), "--units", "hartree", "-o", str(tmp_path / "x.npz")])
    with pytest.raises(SystemExit):  # argparse: --units is required with --from-extxyz
        energy_pipeline.main(["--from-extxyz", str(source), "-o", str(tmp_path / "x.npz")])


def test_check_finds_broken_files(tmp_path):
    source = tmp_path / "mine.xyz"
    ase.io.write(source, synthetic_frames(np.random.default_rng(5)), format="extxyz")
    out = tmp_path / "mine.npz"
    energy_pipeline.main(["--from-extxyz", str(source), "--units", "eV", "-o", str(out)])
    good = load(out)

    def failures_after(change):
        arrays = {k: v.copy() for k, v in good.items()}
        change(arrays)
        path = tmp_path / "broken.npz"
        np.savez(path, **arrays)
        return energy_store.check(path)[1]

    assert failures_after(lambda a: None) == []
    assert any("atom_offsets" in m for m in failures_after(lambda a: a.__setitem__(
        "atom_offsets", a["atom_offsets"] - np.array([0, 0, 0, 1]))))
    assert any("energy_hartree" in m for m in failures_after(lambda a: a.__setitem__(
        "energy", a["energy_hartree"])))  # energies left in Hartree
    assert any("forces has shape" in m for m in failures_after(lambda a: a.__setitem__(
        "forces", a["forces"][:-1])))
    assert any("non-finite" in m for m in failures_after(lambda a: a["positions"].__setitem__((0, 0), np.nan)))
    assert any("cell not zero" in m for m in failures_after(lambda a: a["cell"].__setitem__((0, 0, 0), 1.0)))
    assert any("apart" in m for m in failures_after(lambda a: a.__setitem__("positions", a["positions"] * 0.1)))


# ---------------------------------------------------------------- cache and resume

def h2_xyz(tmp_path):
    path = tmp_path / "hydrogen.xyz"
    ase.io.write(path, ase.Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]]))
    return path


def cheap_args(tmp_path, structures):
    """HF in a minimal basis through the RKS path, HF/STO-3G sampling: milliseconds per step."""
    return ["--xyz", str(h2_xyz(tmp_path)), "-o", str(tmp_path / "h2.npz"), "--cache", str(tmp_path / "cache"),
            "--structures", str(structures), "--equilibration-steps", "2", "--stride", "2",
            "--driver", "hf-sto-3g", "--functional", "hf", "--basis", "sto-3g", "--quiet"]


@needs_pyscf
def test_energy_cache_resume_does_no_second_calculation(tmp_path, monkeypatch):
    first = energy_pipeline.main(cheap_args(tmp_path, 2))
    assert first == {"structures": 2, "computed": 2, "cached": 0, "md_steps": 4}
    d1 = load(tmp_path / "h2.npz")
    summary, failures = energy_store.check(tmp_path / "h2.npz")
    assert failures == [] and summary["kind"] == "computed"
    prov = json.loads(str(d1["provenance"]))
    assert prov["sampling"]["driver"] == "hf-sto-3g" and "FALLBACK" in prov["sampling"]["driver_description"]

    def forbidden(*args, **kwargs):
        raise AssertionError("a calculation ran although everything was cached")
    with monkeypatch.context() as m:
        m.setattr(energy_pipeline.energy, "calculate", forbidden)
        m.setattr(sampling, "make_calculator", forbidden)
        second = energy_pipeline.main(cheap_args(tmp_path, 2))
    assert second == {"structures": 2, "computed": 0, "cached": 2, "md_steps": 0}
    d2 = load(tmp_path / "h2.npz")
    for name in ["positions", "energy", "forces", "species", "structure_md_step"]:
        np.testing.assert_array_equal(d1[name], d2[name])

    # more structures extend the same trajectory; the first two are reused, not recomputed
    third = energy_pipeline.main(cheap_args(tmp_path, 3))
    assert third == {"structures": 3, "computed": 1, "cached": 2, "md_steps": 2}
    d3 = load(tmp_path / "h2.npz")
    np.testing.assert_array_equal(d3["positions"][:4], d1["positions"])
    np.testing.assert_array_equal(d3["energy"][:2], d1["energy"])
    assert d3["structure_md_step"].tolist() == [2, 4, 6]

    # a lost cache entry: --allow-partial writes structures 0..j without gaps, computing nothing
    (tmp_path / "cache" / "hydrogen" / "reference" / "0001.npz").unlink()
    with monkeypatch.context() as m:
        m.setattr(energy_pipeline.energy, "calculate", forbidden)
        partial = energy_pipeline.main(cheap_args(tmp_path, 3) + ["--allow-partial", "--no-resume-from-output"])
    assert partial["structures"] == 1 and partial["computed"] == 0
    # and a plain rerun computes just the missing one
    assert energy_pipeline.main(cheap_args(tmp_path, 3))["computed"] == 1


@needs_pyscf
def test_energy_resumes_from_its_output_when_the_cache_is_gone(tmp_path, monkeypatch):
    """A fresh machine keeps the committed (partial) dataset but not build/: the MD is replayed
    from its seed and the stored results seed the cache, so nothing stored is recomputed; a
    structure whose positions differ from the replayed trajectory is recomputed."""
    import shutil
    energy_pipeline.main(cheap_args(tmp_path, 2))
    d1 = load(tmp_path / "h2.npz")
    shutil.rmtree(tmp_path / "cache")

    def forbidden(*args, **kwargs):
        raise AssertionError("a stored result was recomputed")
    with monkeypatch.context() as m:
        m.setattr(energy_pipeline.energy, "calculate", forbidden)
        again = energy_pipeline.main(cheap_args(tmp_path, 2))
    assert again["computed"] == 0 and again["md_steps"] == 4
    d2 = load(tmp_path / "h2.npz")
    for name in ["positions", "energy", "forces", "energy_hartree", "forces_hartree_per_bohr"]:
        np.testing.assert_array_equal(d1[name], d2[name])

    # a stored structure whose positions do not match the replayed frame is not trusted
    shutil.rmtree(tmp_path / "cache")
    tampered = dict(d1)
    tampered["positions"] = tampered["positions"].copy()
    tampered["positions"][2:4] += 1e-6  # structure 1's two atoms
    np.savez(tmp_path / "h2.npz", **tampered)
    assert energy_pipeline.main(cheap_args(tmp_path, 2))["computed"] == 1
    # nor is a file made with other reference settings
    shutil.rmtree(tmp_path / "cache")
    assert energy_pipeline.main(cheap_args(tmp_path, 2) + ["--conv-tol", "1e-9"])["computed"] == 2


@needs_pyscf
def test_energy_settings_change_invalidates_cache(tmp_path):
    energy_pipeline.main(cheap_args(tmp_path, 1))
    changed = energy_pipeline.main(cheap_args(tmp_path, 1) + ["--conv-tol", "1e-9"])
    assert changed["computed"] == 1 and changed["md_steps"] == 0


def test_energy_tool_refuses_without_xtb(tmp_path, monkeypatch):
    monkeypatch.setenv("HAMD_XTB", str(tmp_path / "no-such-xtb"))
    args = [a for a in cheap_args(tmp_path, 1) if a not in ("--driver", "hf-sto-3g")]
    with pytest.raises(SystemExit, match="apt-get install xtb.*--driver hf-sto-3g"):
        energy_pipeline.main(args)


# ---------------------------------------------------------------- the real reference

@needs_pyscf
def test_energy_b3lyp_forces_are_minus_the_energy_derivative(tmp_path):
    """B3LYP/def2-SVP water through the tool (start geometry = structure 0), then one stored
    force component against a central difference of the energy with h = 1e-3 A.

    Tolerance. Truncation: the central difference errs by h^2/6 |E'''|. Along an O-H bond a
    Morse potential with the water O-H constants (D_e = 5.44 eV, a = 2.12 / A from
    omega_e = 3738 / cm) has |E'''| = 6 D_e a^3 = 311 eV/A^3 at the minimum, so h^2/6 |E'''|
    = 5.2e-5 eV/A; a single Cartesian component sees at most that. Noise: energies converged to
    conv_tol = 1e-10 Hartree = 2.7e-9 eV give 2 x 2.7e-9 / 2h = 2.7e-6 eV/A. Bound 5.5e-5,
    tolerance 1e-4 eV/A (measured here: 2.9e-5). A Richardson extrapolation, (4 D(h) - D(2h)) / 3,
    removes the h^2 term: its error is O(h^4) plus 1.7 x the noise, so 2e-5 eV/A holds it
    (measured: 3.4e-6) while forces without the DFT grid response (off by 4.6e-5 eV/A in this
    component) fail it."""
    from dataset import energy
    xyz = tmp_path / "water.xyz"
    ase.io.write(xyz, water_atoms())
    out = tmp_path / "water.npz"
    stats = energy_pipeline.main(["--xyz", str(xyz), "-o", str(out), "--cache", str(tmp_path / "cache"),
                                  "--structures", "1", "--equilibration-steps", "0", "--driver", "hf-sto-3g",
                                  "--quiet"])
    assert stats["computed"] == 1
    d = load(out)
    positions, numbers = d["positions"], d["species"]
    np.testing.assert_array_equal(positions, water_atoms().positions)  # frame 0 is the start geometry
    prov = json.loads(str(d["provenance"]))["reference"]
    assert (prov["functional"], prov["basis"], prov["conv_tol"], prov["density_fitting"]) == \
        ("b3lyp", "def2-svp", 1e-10, False)
    assert prov["grid_level"] is None and prov["grid_response"] is True
    settings = energy.settings()

    def e_ev(atom, axis, h):
        p = positions.copy()
        p[atom, axis] += h
        return energy.calculate(numbers, p, settings, gradient=False)["energy_hartree"] * HARTREE_EV

    atom, axis, h = 1, 1, 1e-3  # hydrogen 1, y: mostly along its O-H bond
    e0 = energy.calculate(numbers, positions, settings, gradient=False)["energy_hartree"] * HARTREE_EV
    assert e0 == pytest.approx(d["energy"][0], abs=1e-7)
    d_h = -(e_ev(atom, axis, h) - e_ev(atom, axis, -h)) / (2 * h)
    d_2h = -(e_ev(atom, axis, 2 * h) - e_ev(atom, axis, -2 * h)) / (4 * h)
    stored = d["forces"][atom, axis]
    morse = 6 * 5.44 * 2.12 ** 3
    tolerance = 2 * (h * h / 6 * morse + 2 * 1e-10 * HARTREE_EV / (2 * h))
    assert tolerance == pytest.approx(1.1e-4, rel=0.1)
    assert abs(stored - d_h) < tolerance, (stored, d_h)
    assert abs(stored - (4 * d_h - d_2h) / 3) < 2e-5, (stored, d_h, d_2h)
    # translational invariance of the whole force vector (holds with the grid response)
    assert np.abs(d["forces"].sum(axis=0)).max() < 1e-6


# ---------------------------------------------------------------- xtb sampling

GRADIENT_FILE = """$grad
  cycle =      1    SCF energy =    -5.07037076185   |dE/dxyz| =  0.007222
    0.00000000000000      0.00000000000000      0.22166487441798      O
    0.00000000000000      1.43090062156260     -0.88665949767191      H
    0.00000000000000     -1.43090062156260     -0.88665949767191      H
   9.6250150113544E-18  -4.9793938176920E-17   2.9402221161206E-03
  -7.6572247225646E-18  -4.4262812903951E-03  -1.4701110580603E-03
  -1.9677902887899E-18   4.4262812903951D-03  -1.4701110580602E-03
$end
"""


def test_xtb_gradient_file_parser():
    e, g = xtb.parse_gradient_file(GRADIENT_FILE, 3)
    assert e == -5.07037076185
    assert g.shape == (3, 3) and g[1, 1] == -4.4262812903951e-03 and g[2, 1] == 4.4262812903951e-03
    with pytest.raises(ValueError):
        xtb.parse_gradient_file(GRADIENT_FILE, 4)


def xtb_md(seed=11):
    return sampling.md_settings("gfn2-xtb", 500.0, 0.5, 0.01, 2, 3, seed)


@needs_xtb
def test_xtb_energy_sampling_is_seeded_and_resumes_exactly(tmp_path):
    start = water_atoms()
    z, p0 = start.numbers, start.positions
    a = sampling.sample(z, p0, xtb_md(), "water", 3, tmp_path / "a.npz")
    # structures change: frames at steps 2, 5, 8 differ from the start and from each other
    assert a["steps"].tolist() == [2, 5, 8]
    moved = [np.abs(x - p0).max() for x in a["positions"]]
    assert min(moved) > 1e-3
    assert np.abs(a["positions"][1] - a["positions"][0]).max() > 1e-3
    assert a["driver_calls"] == 9  # steps 0..8
    # same seed: identical structures; another seed: different ones
    b = sampling.sample(z, p0, xtb_md(), "water", 3, tmp_path / "b.npz")
    np.testing.assert_array_equal(a["positions"], b["positions"])
    c = sampling.sample(z, p0, xtb_md(seed=12), "water", 3, tmp_path / "c.npz")
    assert np.abs(c["positions"] - a["positions"]).max() > 1e-4
    # an interrupted run (2 frames), continued to 3, equals the uninterrupted one
    sampling.sample(z, p0, xtb_md(), "water", 2, tmp_path / "r.npz")
    r = sampling.sample(z, p0, xtb_md(), "water", 3, tmp_path / "r.npz")
    np.testing.assert_array_equal(a["positions"], r["positions"])
    # the cached frames come back without running
    cached = sampling.sample(z, p0, xtb_md(), "water", 3, tmp_path / "a.npz", run=False)
    np.testing.assert_array_equal(cached["positions"], a["positions"])


@needs_xtb
def test_xtb_calculator_energy_and_forces():
    atoms = water_atoms()
    atoms.calc = xtb.XTB()
    forces = atoms.get_forces()
    assert abs(atoms.get_potential_energy() / HARTREE_EV - (-5.0704)) < 1e-3  # GFN2-xTB water, Hartree
    assert np.abs(forces.sum(axis=0)).max() < 1e-6
    assert xtb.xtb_version().count(".") >= 1
