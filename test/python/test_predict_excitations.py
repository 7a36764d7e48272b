"""The daemon's sTDA excitations (Predict outputs excitation_energies, oscillator_strengths,
excitation_valid_weight) against the independent Python reference tools/stda_reference.py,
run here on the same predicted orbitals: F' from the daemon (PySCF order), C = S^-1/2 C',
PySCF's own STO-3G overlap and dipole integrals, and the threshold rule the proto documents
(E_thr = 7 eV x 1.5^k until the n-th root lies inside it). This checks the C++ port, the
dipole integrals, the orbital hand-over and the threshold search in one comparison.

Also: the Python client's view of a withheld LUMO (a KeyError that says why).
"""
import sys

import numpy as np
import pytest

from conftest import ROOT

pyscf = pytest.importorskip("pyscf")
from pyscf import gto  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import stda_reference  # noqa: E402

MODEL = ROOT / "models" / "default-hamiltonian.npz"
HARTREE_EV = 27.211386245988
BOHR = 0.52917721092

BUTADIENE = (["C", "C", "C", "C", "H", "H", "H", "H", "H", "H"], [
    [-1.8067, -0.4466, 0], [-0.6215, 0.1861, 0], [0.6215, -0.1861, 0], [1.8067, 0.4466, 0], [-2.7486, 0.0902, 0],
    [-1.8630, -1.5318, 0], [-0.5961, 1.2741, 0], [0.5961, -1.2741, 0], [2.7486, -0.0902, 0], [1.8630, 1.5318, 0]])
FORMALDEHYDE = (["O", "C", "H", "H"], [[0, 0, 0.683501], [0, 0, -0.536614], [0, 0.934390, -1.124164],
                                       [0, -0.934390, -1.124164]])
ACROLEIN = (["C", "C", "C", "O", "H", "H", "H", "H"], [
    [-1.8060, -0.3430, 0.0], [-0.6180, 0.2630, 0.0], [0.6530, -0.4620, 0.0], [1.7470, 0.0800, 0.0],
    [-2.7350, 0.2180, 0.0], [-1.8530, -1.4300, 0.0], [-0.5670, 1.3500, 0.0], [0.5470, -1.5680, 0.0]])
WATER = (["O", "H", "H"], [[0, 0, 0.117], [0, 0.757, -0.467], [0, -0.757, -0.467]])

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="models/default-hamiltonian.npz is missing")


def reference_excitations(structure, fock_orthogonal, n_states):
    """sTDA of tools/stda_reference.py on the daemon's F' (PySCF order), with the daemon's
    threshold rule. Returns the reference dict."""
    symbols, positions = structure
    mol = gto.M(atom=list(zip(symbols, positions)), basis="sto-3g", unit="Angstrom", verbose=0)
    s = mol.intor("int1e_ovlp")
    values, vectors = np.linalg.eigh(s)
    s_inv_sqrt = vectors @ np.diag(values ** -0.5) @ vectors.T
    eps, c_orth = np.linalg.eigh(fock_orthogonal)
    mo_coeff = s_inv_sqrt @ c_orth
    n_occ = mol.nelectron // 2
    ao_atom = np.array([label[0] for label in mol.ao_labels(fmt=False)])
    coords_bohr = np.asarray(positions, dtype=float) / BOHR
    return stda_reference.stda_lowest_states(
        n_states, mo_coeff=mo_coeff, mo_energy=eps, n_occ=n_occ, ao_overlap=s, ao_atom=ao_atom,
        atomic_numbers=mol.atom_charges(), coords_bohr=coords_bohr, ao_dipole=mol.intor("int1e_r"), a_x=0.2)


@pytest.mark.parametrize("name,structure", [("butadiene", BUTADIENE), ("formaldehyde", FORMALDEHYDE),
                                            ("acrolein", ACROLEIN), ("water", WATER)])
def test_excitations_equal_the_python_reference(client, name, structure):
    n_states = 6
    got = client.predict(structure, outputs=["fock_orthogonal", "valid_orbitals", "excitation_energies",
                                             "oscillator_strengths"], order="pyscf", n_states=n_states)
    ref = reference_excitations(structure, got["fock_orthogonal"], n_states)
    # Same orbitals, same method: only rounding separates the two (A entries O(1) Eh, summed over
    # a few hundred configurations: ~1e-14); 1e-9 Eh leaves room for the eigensolvers' different
    # orderings of operations, far below anything physical (1e-9 Eh = 3e-8 eV).
    np.testing.assert_allclose(got["excitation_energies"], ref["energies_eh"], rtol=0, atol=1e-9,
                               err_msg=f"{name}: excitation energies")
    np.testing.assert_allclose(got["oscillator_strengths"], ref["oscillator_strengths"], rtol=0, atol=1e-8,
                               err_msg=f"{name}: oscillator strengths")
    valid = got["valid_orbitals"]
    weights = [sum(v * v for v, (i, a) in zip(ref["eigenvectors"][:, s], ref["configurations"]) if valid[i] and valid[a])
               for s in range(len(ref["energies_eh"]))]
    np.testing.assert_allclose(got["excitation_valid_weight"], weights, rtol=0, atol=1e-9,
                               err_msg=f"{name}: share of each state on valid orbitals")


def test_withheld_lumo_raises_a_key_error_that_says_why(client):
    water = client.predict(WATER)
    assert "lumo" not in water and "gap" not in water
    assert water["valid_orbitals"].tolist() == [True] * 5 + [False] * 2
    with pytest.raises(KeyError, match="withheld by the daemon: structure 0: lumo and gap withheld"):
        water["gap"]
    formaldehyde = client.predict(FORMALDEHYDE)
    assert formaldehyde["warnings"] == []
    assert formaldehyde["gap"] == formaldehyde["lumo"] - formaldehyde["homo"]


def test_n_states_is_checked_by_the_client(client):
    with pytest.raises(ValueError, match="n_states"):
        client.predict(WATER, outputs=["excitation_energies"], n_states=51)
