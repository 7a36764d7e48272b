"""hamd.pyscf: PySCF initial guesses from the daemon's Hamiltonian model (the session daemon,
serving models/default-hamiltonian.npz).

Checks: from the hamd guess, RHF/STO-3G, RHF/def2-SVP and B3LYP/def2-SVP converge to the energy
of PySCF's default guess; the guess density is symmetric, idempotent in mol's overlap and holds
mol.nelectron electrons; in STO-3G it is the density of the predicted Fock matrix, whichever
orbital order the daemon is asked for; Angstrom or Bohr input, symmetry reorientation and
Cartesian basis functions give the same answer; open shells (UHF, ROHF); attach() on RHF, UKS
and DFT objects; misuse (unknown elements, ghost atoms, periodic cells, a model of another kind,
a daemon answering in another order or normalisation) is a clear error. Skips without PySCF or
without the model file.
"""
import numpy as np
import pytest

import hamd
from conftest import ROOT

pytest.importorskip("pyscf")
from pyscf import dft, gto, scf  # noqa: E402

import hamd.pyscf  # noqa: E402

MODEL = ROOT / "models" / "default-hamiltonian.npz"
TRAINING_DATA = ROOT / "data" / "train.npz"
CONV_TOL = 1e-10
ENERGY_TOLERANCE = 1e-8  # Hartree: conv_tol-level agreement of two converged SCF runs


def training_molecule(name):
    """(atomic numbers, positions in Angstrom) of structure 0 of `name` in data/train.npz."""
    data = np.load(TRAINING_DATA)
    molecule = [str(n) for n in data["molecule_names"]].index(name)
    s = int(np.flatnonzero(data["structure_molecule"] == molecule)[0])
    a, b = data["atom_offsets"][s], data["atom_offsets"][s + 1]
    return data["species"][a:b].tolist(), data["positions"][a:b].copy()


def make_mol(name, basis, **kwargs):
    numbers, positions = training_molecule(name)
    return gto.M(atom=[(z, tuple(p)) for z, p in zip(numbers, positions)], basis=basis, unit="Angstrom", verbose=0,
                 **kwargs)


@pytest.fixture(scope="module")
def address(daemon_address):
    if not MODEL.exists():
        pytest.skip(f"no Hamiltonian model file ({MODEL.relative_to(ROOT)})")
    with hamd.connect(daemon_address) as client:
        if not any(m["kind"] == "hamiltonian" and m["state"] == "ready" for m in client.models()):
            pytest.skip("the session daemon serves no Hamiltonian model")
    return daemon_address


@pytest.fixture
def client(address):
    with hamd.connect(address, timeout=120) as c:
        yield c


def converged(mf, dm0=None):
    mf.conv_tol = CONV_TOL
    mf.max_cycle = 100
    iterations = [0]
    mf.callback = lambda _: iterations.__setitem__(0, iterations[0] + 1)
    energy = mf.kernel(dm0=dm0)
    assert mf.converged
    return energy, iterations[0]


def check_density(mol, dm):
    s = mol.intor_symmetric("int1e_ovlp")
    if dm.ndim == 2:
        assert dm.shape == (mol.nao_nr(), mol.nao_nr())
        np.testing.assert_array_equal(dm, dm.T)
        assert abs(np.trace(dm @ s) - mol.nelectron) < 1e-9
        np.testing.assert_allclose(dm @ s @ dm, 2 * dm, atol=1e-9)
    else:
        assert dm.shape == (2, mol.nao_nr(), mol.nao_nr())
        for spin, electrons in zip(dm, mol.nelec):
            np.testing.assert_array_equal(spin, spin.T)
            assert abs(np.trace(spin @ s) - electrons) < 1e-9
            np.testing.assert_allclose(spin @ s @ spin, spin, atol=1e-9)


@pytest.mark.parametrize("name", ["water", "formaldehyde", "ethanol", "pyridine"])
def test_rhf_sto3g_converges_to_the_default_energy(client, name):
    mol = make_mol(name, "sto-3g")
    dm = hamd.pyscf.initial_guess(mol, client=client)
    check_density(mol, dm)
    reference, _ = converged(scf.RHF(mol))
    energy, _ = converged(scf.RHF(mol), dm)
    assert abs(energy - reference) < ENERGY_TOLERANCE


@pytest.mark.parametrize("name,method", [("water", "rhf"), ("formaldehyde", "rhf"), ("ethanol", "rhf"),
                                         ("water", "b3lyp")])
def test_def2svp_converges_to_the_default_energy(client, name, method):
    mol = make_mol(name, "def2-svp")
    dm = hamd.pyscf.initial_guess(mol, client=client)
    check_density(mol, dm)
    make = (lambda: scf.RHF(mol)) if method == "rhf" else (lambda: dft.RKS(mol, xc=method))
    reference, _ = converged(make())
    energy, _ = converged(make(), dm)
    assert abs(energy - reference) < ENERGY_TOLERANCE


def test_minimal_basis_guess_is_the_density_of_the_predicted_fock(client):
    """In the model's own basis the guess is 2 C_occ C_occ^T of the predicted (F, S), in PySCF's
    order; the same density results from the daemon's own order, permuted by the labels."""
    from scipy.linalg import eigh
    mol = make_mol("ethanol", "sto-3g")
    dm = hamd.pyscf.initial_guess(mol, client=client)
    structure = ([mol.atom_charge(i) for i in range(mol.natm)], mol.atom_coords(unit="Angstrom"))
    nocc = mol.nelectron // 2
    pyscf_labels = [" ".join(label.split()) for label in mol.ao_labels()]
    for order in ("pyscf", "hamd"):
        result = client.predict(structure, outputs=["fock", "overlap", "orbital_labels"], order=order, variant="direct")
        permutation = [list(result["orbital_labels"]).index(label) for label in pyscf_labels]
        fock = result["fock"][np.ix_(permutation, permutation)]
        overlap = result["overlap"][np.ix_(permutation, permutation)]
        np.testing.assert_allclose(overlap, mol.intor("int1e_ovlp"), atol=1e-10)
        _, c = eigh(fock, overlap)
        np.testing.assert_allclose(dm, 2 * c[:, :nocc] @ c[:, :nocc].T, atol=1e-8)


def test_units_symmetry_and_cartesian_functions_give_the_same_guess(client):
    numbers, positions = training_molecule("formaldehyde")
    angstrom = gto.M(atom=[(z, tuple(p)) for z, p in zip(numbers, positions)], basis="def2-svp", verbose=0)
    bohr = gto.M(atom=[(z, tuple(p / 0.52917721092)) for z, p in zip(numbers, positions)], basis="def2-svp",
                 unit="Bohr", verbose=0)
    np.testing.assert_allclose(hamd.pyscf.initial_guess(bohr, client=client),
                               hamd.pyscf.initial_guess(angstrom, client=client), atol=1e-8)
    # symmetry=True reorients the molecule; the guess follows mol's own frame
    symmetric = make_mol("water", "def2-svp", symmetry=True)
    dm = hamd.pyscf.initial_guess(symmetric, client=client)
    check_density(symmetric, dm)
    assert abs(converged(scf.RHF(symmetric), dm)[0] - converged(scf.RHF(symmetric))[0]) < ENERGY_TOLERANCE
    # Cartesian d functions in the target basis (6 per shell)
    cartesian = make_mol("water", "def2-svp", cart=True)
    dm = hamd.pyscf.initial_guess(cartesian, client=client)
    check_density(cartesian, dm)
    assert abs(converged(scf.RHF(cartesian), dm)[0] - converged(scf.RHF(cartesian))[0]) < ENERGY_TOLERANCE


def test_charged_and_open_shell_molecules(client):
    cation = make_mol("water", "def2-svp", charge=1, spin=1)
    dm = hamd.pyscf.initial_guess(cation, client=client)
    check_density(cation, dm)
    assert abs(converged(scf.UHF(cation), dm)[0] - converged(scf.UHF(cation))[0]) < ENERGY_TOLERANCE
    rohf = hamd.pyscf.attach(scf.ROHF(cation), client=client)
    assert abs(converged(rohf)[0] - converged(scf.ROHF(cation))[0]) < ENERGY_TOLERANCE
    anion_free = make_mol("formaldehyde", "sto-3g", charge=2)  # closed shell, 14 electrons
    dm = hamd.pyscf.initial_guess(anion_free, client=client)
    check_density(anion_free, dm)
    assert abs(np.trace(dm @ anion_free.intor("int1e_ovlp")) - 14) < 1e-9


def test_attach_sets_the_guess_of_a_mean_field_object(client):
    mol = make_mol("formaldehyde", "def2-svp")
    mf = hamd.pyscf.attach(scf.RHF(mol), client=client)
    assert mf.init_guess == "hamd"
    np.testing.assert_allclose(mf.get_init_guess(), hamd.pyscf.initial_guess(mol, client=client), atol=1e-12)
    energy, _ = converged(mf)
    assert abs(energy - converged(scf.RHF(mol))[0]) < ENERGY_TOLERANCE
    # restricted closed shell in an unrestricted object: alpha = beta = dm / 2
    uks = hamd.pyscf.attach(dft.UKS(make_mol("water", "sto-3g"), xc="b3lyp"), client=client)
    pair = uks.get_init_guess()
    assert pair.shape == (2, uks.mol.nao_nr(), uks.mol.nao_nr())
    np.testing.assert_allclose(pair[0], pair[1])
    # density fitting keeps the hook; another key goes back to PySCF's guess
    fitted = hamd.pyscf.attach(scf.RHF(mol), client=client).density_fit()
    assert fitted.init_guess == "hamd"
    np.testing.assert_allclose(fitted.get_init_guess(), mf.get_init_guess(), atol=1e-12)
    mf.init_guess = "minao"
    np.testing.assert_allclose(mf.get_init_guess(mol, "minao"), scf.RHF(mol).get_init_guess(mol, "minao"))


def test_clear_errors_for_what_the_guess_cannot_do(client):
    with pytest.raises(hamd.InvalidArgument, match="does not know Cl"):
        hamd.pyscf.initial_guess(gto.M(atom="C 0 0 0; Cl 0 0 1.78; H 1.03 0 -0.36; H -0.51 0.89 -0.36; "
                                            "H -0.51 -0.89 -0.36", basis="sto-3g", verbose=0), client=client)
    with pytest.raises(hamd.InvalidArgument, match="ghost"):
        hamd.pyscf.initial_guess(gto.M(atom="O 0 0 0.117; H 0 0.757 -0.467; ghost-H 0 -0.757 -0.467",
                                       basis="sto-3g", spin=1, verbose=0), client=client)
    with pytest.raises(hamd.InvalidArgument, match="no model 'no-such-model'"):
        hamd.pyscf.initial_guess(make_mol("water", "sto-3g"), client=client, model="no-such-model")
    with pytest.raises(TypeError, match="pyscf.gto.Mole"):
        hamd.pyscf.initial_guess("O 0 0 0; H 0 0 1", client=client)
    from pyscf.pbc import gto as pbcgto
    cell = pbcgto.M(atom="H 0 0 0; H 0 0 0.74", basis="sto-3g", a=np.eye(3) * 5, verbose=0)
    with pytest.raises(hamd.InvalidArgument, match="periodic"):
        hamd.pyscf.initial_guess(cell, client=client)
    with pytest.raises(TypeError, match="GHF"):
        hamd.pyscf.attach(scf.GHF(make_mol("water", "sto-3g")), client=client)
    open_shell = make_mol("water", "sto-3g", charge=1, spin=1)
    rhf = scf.hf.RHF(open_shell)  # scf.RHF() itself would pick ROHF for an open shell
    with pytest.raises(hamd.InvalidArgument, match="UHF"):
        hamd.pyscf._density_for(rhf, hamd.pyscf.initial_guess(open_shell, client=client))


class _Misbehaving:
    """A client whose daemon answers in another order or normalisation than asked for."""

    def __init__(self, client, fault):
        self.client, self.fault = client, fault

    def models(self):
        return self.client.models()

    def predict(self, *args, **kwargs):
        if self.fault == "order":
            kwargs["order"] = "hamd"
        result = self.client.predict(*args, **kwargs)
        result["order"] = "pyscf"
        if self.fault == "normalisation":
            scale = np.sqrt(np.diag(result["overlap"]) * np.linspace(0.9, 1.1, len(result["overlap"])))
            result["overlap"] = result["overlap"] / np.outer(scale, scale)
        return result


@pytest.mark.parametrize("fault,pattern", [("order", "not PySCF's"), ("normalisation", "normalisation")])
def test_a_mismatched_order_or_normalisation_is_an_error(client, fault, pattern):
    with pytest.raises(hamd.pyscf.OrbitalOrderError, match=pattern):
        hamd.pyscf.initial_guess(make_mol("ethanol", "def2-svp"), client=_Misbehaving(client, fault))
