"""tools/stda_reference.py: the reference sTDA (Grimme, J. Chem. Phys. 138, 244104 (2013)).

Physics and behaviour rather than stored results: the monopole integrals and the A matrix against
a slow, independent loop implementation written here; the symmetry of A; the selection redone
with loops, and reducing to a full diagonalisation when every configuration is primary (huge
E_thr) or every candidate is kept (zero PT threshold); invariance of the excitation energies and
oscillator strengths under rotation and translation; the kernels' limits and the hardness units;
the same roots as Grimme's stda program on its own regression case (the only stored numbers: that
program's published output); agreement with PySCF's TDA on the same orbitals within the method's
error; clear errors for bad input. Orbitals from PySCF (RHF/STO-3G and 6-31G, B3LYP/def2-SVP;
at most 2 heavy atoms); skips without PySCF. Runs in about 15 s on one thread.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import stda_reference as sr  # noqa: E402

pytest.importorskip("pyscf")
from pyscf import dft, gto, scf  # noqa: E402


# Geometries: ASE's G2 set (MP2/6-31G(d)), Angstrom. Formaldehyde: C2v, no degenerate orbitals, so which orbital
# becomes which is unambiguous under rotations (see test_invariant_under_rotation_and_translation).
FORMALDEHYDE = [("O", (0.0, 0.0, 0.683501)), ("C", (0.0, 0.0, -0.536614)),
                ("H", (0.0, 0.934390, -1.124164)), ("H", (0.0, -0.934390, -1.124164))]
WATER = [("O", (0.0, 0.0, 0.119262)), ("H", (0.0, 0.763239, -0.477047)),
         ("H", (0.0, -0.763239, -0.477047))]
ETHYLENE = [("C", (0.0, 0.0, 0.667480)), ("C", (0.0, 0.0, -0.667480)),
            ("H", (0.0, 0.922832, 1.237695)), ("H", (0.0, -0.922832, 1.237695)),
            ("H", (0.0, 0.922832, -1.237695)), ("H", (0.0, -0.922832, -1.237695))]

# RHF convergence of the invariance test: energy to 1e-12 Eh, orbital gradient to 1e-8 Eh.
SCF_CONV_TOL, SCF_CONV_TOL_GRAD = 1e-12, 1e-8
A_X_HF = 1.0  # sTDA on Hartree-Fock orbitals: all exchange is Fock exchange


def rhf(atoms, basis="sto-3g"):
    # RHF, not DFT: PySCF's DFT integration grids are not rotationally invariant, which would
    # blur the invariance test by grid errors that have nothing to do with sTDA.
    mf = scf.RHF(gto.M(atom=atoms, basis=basis, unit="Angstrom", verbose=0))
    mf.conv_tol, mf.conv_tol_grad = SCF_CONV_TOL, SCF_CONV_TOL_GRAD
    mf.kernel()
    assert mf.converged
    return mf


@pytest.fixture(scope="module")
def formaldehyde():
    return rhf(FORMALDEHYDE)


# ---- an independent, slow implementation: explicit loops over AOs, atoms and orbitals ----

def slow_loewdin(mo_coeff, overlap):
    from scipy.linalg import sqrtm  # a different square root than the module's eigh
    return np.real(sqrtm(overlap)) @ mo_coeff


def slow_charges(c_orth, ao_atom, n_atoms, p, q):
    charges = np.zeros(n_atoms)
    for mu in range(c_orth.shape[0]):
        charges[ao_atom[mu]] += c_orth[mu, p] * c_orth[mu, q]
    return charges


def slow_gammas(z, xyz, a_x):
    alpha, beta = 1.42 + 0.48 * a_x, 0.20 + 1.83 * a_x
    eta = sr.chemical_hardness(z)
    n = len(z)
    g_j, g_k = np.zeros((n, n)), np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            r = np.sqrt(sum((xyz[a][k] - xyz[b][k]) ** 2 for k in range(3)))
            eta_ab = 0.5 * (eta[a] + eta[b])
            g_j[a, b] = 1.0 / (r ** beta + (a_x * eta_ab) ** (-beta)) ** (1.0 / beta)
            g_k[a, b] = 1.0 / (r ** alpha + eta_ab ** (-alpha)) ** (1.0 / alpha)
    return g_j, g_k


def slow_integral(q1, gamma, q2):
    return sum(q1[a] * gamma[a, b] * q2[b] for a in range(len(q1)) for b in range(len(q2)))


def slow_integrals(args, a_x=A_X_HF):
    """(ia|jb)'_K as k[i, a, j, b] and (ij|ab)'_J as j[i, j, a, b], every MO in the window."""
    c, n_occ = args["mo_coeff"], args["n_occ"]
    n_vir = c.shape[1] - n_occ
    c_orth = slow_loewdin(c, args["ao_overlap"])
    n_atoms = len(args["atomic_numbers"])
    g_j, g_k = slow_gammas(args["atomic_numbers"], args["coords_bohr"], a_x)
    q = {(p, r): slow_charges(c_orth, args["ao_atom"], n_atoms, p, r)
         for p in range(c.shape[1]) for r in range(c.shape[1])}
    k = np.zeros((n_occ, n_vir, n_occ, n_vir))
    j = np.zeros((n_occ, n_occ, n_vir, n_vir))
    for i in range(n_occ):
        for a in range(n_vir):
            for jj in range(n_occ):
                for b in range(n_vir):
                    k[i, a, jj, b] = slow_integral(q[i, n_occ + a], g_k, q[jj, n_occ + b])
                    j[i, jj, a, b] = slow_integral(q[i, jj], g_j, q[n_occ + a, n_occ + b])
    return k, j


def slow_a_matrix(args, a_x=A_X_HF):
    k, j = slow_integrals(args, a_x)
    eps, n_occ = args["mo_energy"], args["n_occ"]
    n_vir = len(eps) - n_occ
    a = np.zeros((n_occ * n_vir, n_occ * n_vir))
    for i in range(n_occ):
        for av in range(n_vir):
            for jj in range(n_occ):
                for b in range(n_vir):
                    value = 2.0 * k[i, av, jj, b] - j[i, jj, av, b]
                    if i == jj and av == b:
                        value += eps[n_occ + av] - eps[i]
                    a[i * n_vir + av, jj * n_vir + b] = value
    return a


def module_window_matrix(args, a_x=A_X_HF):
    """The module's building blocks over every MO (what stda() does inside its window)."""
    n_occ = args["n_occ"]
    c_orth = sr.loewdin_orthogonalise(args["mo_coeff"], args["ao_overlap"])
    g_j, g_k = sr.gamma_matrices(args["atomic_numbers"], args["coords_bohr"], a_x)
    k, j, _ = sr.monopole_integrals(c_orth[:, :n_occ], c_orth[:, n_occ:], args["ao_atom"], g_j, g_k)
    eps = args["mo_energy"]
    return k, j, sr.singlet_a_matrix(eps[:n_occ], eps[n_occ:], k, j)


# ---- (a) integrals, (b) symmetry ----

def test_monopole_integrals_match_slow_loops(formaldehyde):
    args = sr.pyscf_arguments(formaldehyde)
    k, j, _ = module_window_matrix(args)
    k_slow, j_slow = slow_integrals(args)
    # Both are sums of O(100) products of O(1) numbers in float64: 1e-12 Eh is rounding level.
    assert np.abs(k).max() > 1e-2 and np.abs(j).max() > 1e-2  # not vacuously zero
    np.testing.assert_allclose(k, k_slow, rtol=0, atol=1e-12)
    np.testing.assert_allclose(j, j_slow, rtol=0, atol=1e-12)


def test_transition_charges_sum_to_orbital_overlaps(formaldehyde):
    # Loewdin charges partition <p|q>: 1 on the diagonal, 0 between different orbitals.
    args = sr.pyscf_arguments(formaldehyde)
    c_orth = sr.loewdin_orthogonalise(args["mo_coeff"], args["ao_overlap"])
    q = sr.transition_charges(c_orth, c_orth, args["ao_atom"], len(args["atomic_numbers"]))
    np.testing.assert_allclose(q.sum(axis=0), np.eye(c_orth.shape[1]), atol=1e-10)


def test_a_matrix_is_symmetric_and_matches_slow_loops(formaldehyde):
    args = sr.pyscf_arguments(formaldehyde)
    _, _, a = module_window_matrix(args)
    # eigh reads one triangle only: an asymmetric A (e.g. (ij|ab) reshaped with the wrong axes)
    # would be silently symmetrised, so symmetry is checked on the matrix itself.
    assert np.abs(a - a.T).max() < 1e-13
    assert np.abs(a - np.diag(np.diag(a))).max() > 1e-3  # a real coupling, not a diagonal
    np.testing.assert_allclose(a, slow_a_matrix(args), rtol=0, atol=1e-12)


# ---- (d) selection limits ----

def test_huge_threshold_is_full_diagonalisation(formaldehyde):
    # E_thr = 1e4 eV puts every MO in the window and every configuration (core ones included,
    # ~540 eV in formaldehyde) in the primary space: no selection, no perturbative shift.
    args = sr.pyscf_arguments(formaldehyde)
    res = sr.stda(**args, a_x=A_X_HF, e_thr_ev=1e4)
    n_conf = args["n_occ"] * (args["mo_coeff"].shape[1] - args["n_occ"])
    assert res["n_primary"] == n_conf and res["n_secondary"] == 0
    expected = np.linalg.eigvalsh(slow_a_matrix(args))
    np.testing.assert_allclose(res["energies_eh"], expected, rtol=0, atol=1e-10)


def test_zero_pt_threshold_keeps_every_candidate(formaldehyde):
    # With pt_threshold 0 every configuration of the window coupled to a primary one is kept, so
    # the lowest roots are those of the whole window's A (no perturbative diagonal shift left).
    args = sr.pyscf_arguments(formaldehyde)
    res = sr.stda(**args, a_x=A_X_HF, e_thr_ev=12.0, pt_threshold_eh=0.0, n_states=3)
    window = res["mo_window"]
    n_occ_w = res["n_window_occ"]
    sub = dict(args, mo_coeff=args["mo_coeff"][:, window], mo_energy=args["mo_energy"][window],
               n_occ=n_occ_w)
    assert res["n_primary"] + res["n_secondary"] == n_occ_w * (len(window) - n_occ_w)
    expected = np.linalg.eigvalsh(slow_a_matrix(sub))[:3]
    np.testing.assert_allclose(res["energies_eh"], expected, rtol=0, atol=1e-10)


def test_selection_follows_second_order_rule():
    """Primary/secondary sets and the second-order diagonal shift, redone here with loops.

    Formaldehyde RHF/6-31G at E_thr = 15 eV has 10 primary configurations and 68 candidates, of
    which 38 pass the 1e-4 Eh test on E_u^(2) = sum_v A_uv^2 / (A_uu - A_vv) (one of them only
    through the sum: no single primary gets 1e-4 Eh from it) and 30 do not; those 30 lower the
    primaries' diagonal elements. A wrong sign of the shift, a max instead of the sum, or a
    shift from the kept ones instead of the dropped ones changes the sets or the roots.
    """
    args = sr.pyscf_arguments(rhf(FORMALDEHYDE, "6-31g"))
    e_thr_ev, threshold = 15.0, 1e-4
    res = sr.stda(**args, a_x=A_X_HF, e_thr_ev=e_thr_ev, pt_threshold_eh=threshold)
    window, n_occ_w = res["mo_window"], res["n_window_occ"]
    sub = dict(args, mo_coeff=args["mo_coeff"][:, window], mo_energy=args["mo_energy"][window],
               n_occ=n_occ_w)
    a = slow_a_matrix(sub)
    n_vir_w = len(window) - n_occ_w
    mo_pair = [(window[u // n_vir_w], window[n_occ_w + u % n_vir_w]) for u in range(len(a))]
    e_thr = e_thr_ev / sr.EV_PER_HARTREE
    primary = [u for u in range(len(a)) if a[u, u] <= e_thr]
    kept, shift = [], {v: 0.0 for v in primary}
    for u in range(len(a)):
        if a[u, u] <= e_thr:
            continue
        terms = {v: a[u, v] ** 2 / (a[u, u] - a[v, v]) for v in primary}
        if sum(terms.values()) > threshold:
            kept.append(u)
        else:
            for v in primary:
                shift[v] += terms[v]
    assert 0 < len(primary) and 0 < len(kept) < len(a) - len(primary)  # all three kinds occur
    got = [tuple(p) for p in res["configurations"]]
    assert set(got[:res["n_primary"]]) == {mo_pair[u] for u in primary}
    assert set(got[res["n_primary"]:]) == {mo_pair[u] for u in kept}
    selected = primary + kept
    block = a[np.ix_(selected, selected)]
    block[np.arange(len(primary)), np.arange(len(primary))] -= [shift[v] for v in primary]
    roots = np.linalg.eigvalsh(block)
    np.testing.assert_allclose(res["energies_eh"], roots[roots <= e_thr], rtol=0, atol=1e-10)


def test_default_selection_uses_secondary_configurations(formaldehyde):
    # The PT2 step is exercised, and it changes the answer: a truncated primary-only space
    # without the second-order lowering is higher (variational bound by a subspace).
    args = sr.pyscf_arguments(formaldehyde)
    res = sr.stda(**args, a_x=A_X_HF, e_thr_ev=15.0)
    assert res["n_primary"] > 0 and res["n_secondary"] > 0
    primary_only = sr.stda(**args, a_x=A_X_HF, e_thr_ev=15.0, pt_threshold_eh=np.inf)
    assert primary_only["n_secondary"] == 0
    assert res["energies_eh"][0] < primary_only["energies_eh"][0] + 1e-12


# ---- (c) invariance ----

def test_invariant_under_rotation_and_translation(formaldehyde):
    """Energies and f of a rotated and translated copy agree with the original.

    Tolerance from the SCF convergence: the two SCFs stop with orbital gradients below
    conv_tol_grad = 1e-8 Eh, so their orbitals differ by rotations of that order and their
    orbital energies (first order in the orbital error) by ~1e-8 Eh. sTDA is linear in the
    orbital energies and bilinear in the (Loewdin, hence orientation-independent per atom)
    orbital coefficients, so the excitation energies differ by O(1e-8 Eh); 100 x conv_tol_grad
    = 1e-6 Eh (3e-5 eV) leaves room for the O(1) prefactors. f is a product of O(1) numbers with
    the same relative error: 1e-6 absolute. Not invariant in general: with degenerate orbitals
    the diagonal-based selection depends on how the degenerate partners are mixed, hence a
    molecule without degeneracies.
    """
    rng = np.random.default_rng(7)
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rotation *= np.sign(np.linalg.det(rotation))  # proper rotation
    shift = np.array([1.3, -2.1, 0.7])  # Angstrom
    moved = [(el, tuple(rotation @ np.array(x) + shift)) for el, x in FORMALDEHYDE]
    ref = sr.stda(**sr.pyscf_arguments(formaldehyde), a_x=A_X_HF, e_thr_ev=15.0, n_states=6)
    new = sr.stda(**sr.pyscf_arguments(rhf(moved)), a_x=A_X_HF, e_thr_ev=15.0, n_states=6)
    tolerance = 100 * SCF_CONV_TOL_GRAD
    assert (ref["n_primary"], ref["n_secondary"]) == (new["n_primary"], new["n_secondary"])
    np.testing.assert_allclose(new["energies_eh"], ref["energies_eh"], rtol=0, atol=tolerance)
    np.testing.assert_allclose(new["oscillator_strengths"], ref["oscillator_strengths"],
                               rtol=0, atol=1e-6)
    assert ref["oscillator_strengths"].max() > 1e-2  # some bright state is compared
    # Monopole transition dipoles are origin independent too (sum_A q_ia^A = 0).
    ref_m = sr.stda(**dict(sr.pyscf_arguments(formaldehyde), ao_dipole=None), a_x=A_X_HF,
                    e_thr_ev=15.0)
    new_m = sr.stda(**dict(sr.pyscf_arguments(rhf(moved)), ao_dipole=None), a_x=A_X_HF,
                    e_thr_ev=15.0)
    np.testing.assert_allclose(new_m["oscillator_strengths"], ref_m["oscillator_strengths"],
                               rtol=0, atol=1e-6)


# ---- kernels and hardness ----

def test_kernels_limits_and_hardness_units():
    z = np.array([8, 1])
    eta = sr.chemical_hardness(z)
    # Hardness in Hartree as eta = IP - EA (the one-centre (AA|AA)): for hydrogen the table must
    # reproduce the experimental IP - EA = 13.598 - 0.754 eV (NIST) within 1%; a table in eV,
    # or one using the eta = (IP - EA)/2 convention, would miss by a factor 27 or 2.
    assert eta[1] == pytest.approx((13.598 - 0.754) / sr.EV_PER_HARTREE, rel=0.01)
    a_x = 0.2
    # The J kernel's small exponent (beta = 0.57) reaches 1/R only slowly: relative deviation
    # ~ (a_x eta R)^-beta / beta, 2e-4 at R = 1e8 Bohr.
    for r in (0.0, 1e8):
        g_j, g_k = sr.gamma_matrices(z, [[0, 0, 0], [0, 0, r]], a_x)
        if r == 0.0:  # on one centre: the hardness itself, scaled by a_x for the J kernel
            assert g_k[0, 0] == pytest.approx(eta[0]) and g_j[0, 0] == pytest.approx(a_x * eta[0])
            assert g_k[0, 1] == pytest.approx(eta.mean())
        else:  # far apart: bare Coulomb 1/R (R in Bohr, Hartree)
            assert g_k[0, 1] == pytest.approx(1 / r, rel=1e-3)
            assert g_j[0, 1] == pytest.approx(1 / r, rel=1e-3)
    assert np.all(sr.gamma_matrices(z, [[0, 0, 0], [0, 0, 2.0]], 0.0)[0] == 0.0)


# ---- against Grimme's stda program ----

# Grimme's stda repository (github.com/grimme-lab/stda, tests/run_tests.sh) checks its program on
# tests/water_sto3g.molden, which holds RHF/STO-3G orbitals of water at this geometry (PySCF
# reproduces its orbital energies to 1e-5 Eh). Expected excitation energies (eV) and length-gauge
# oscillator strengths, tests/expected_results/EXCI_TEST{1,2,3}.dat, for the options
# -ax 1.0 -e 20 | -ax 0.5 -e 30 | -ax 1.0 -e 30 -al 3.0 -be 1.0:
GRIMME_WATER = [("O", (0.0, 0.0, 0.119603)), ("H", (0.0, 0.761813, -0.478410)),
                ("H", (0.0, -0.761813, -0.478410))]
GRIMME_CASES = [
    (dict(a_x=1.0, e_thr_ev=20.0), [14.0839, 16.8121, 17.5071, 19.8865],
     [0.003718, 0.140138, 0.0, 0.291637]),
    (dict(a_x=0.5, e_thr_ev=30.0), [20.4845, 23.0717, 23.9769, 26.0985, 28.5816],
     [0.005407, 0.168656, 0.0, 0.242207, 1.307409]),
    (dict(a_x=1.0, e_thr_ev=30.0, alpha=3.0, beta=1.0),
     [15.8543, 18.3873, 19.2001, 21.5984, 24.1600, 28.1492],
     [0.004185, 0.190150, 0.0, 0.427986, 0.862816, 0.601623]),
]


@pytest.mark.parametrize("options, energies_ev, strengths", GRIMME_CASES)
def test_matches_grimme_stda_program(options, energies_ev, strengths):
    """Same roots (count, energies, f) as Grimme's program on its own regression case.

    Tolerances: the molden file stores MO coefficients with 5-6 significant digits (C^T S C
    deviates from 1 by 1e-5), so its orbitals and PySCF's differ by ~1e-5; through the monopole
    integrals (<= 1 Eh kernels) that is ~1e-5 Eh = 3e-4 eV, and ~1e-4 relative in f. The program
    prints 4 decimals in eV and 6 in f and works in single precision. 1e-3 eV and 2e-4 in f.
    """
    res = sr.stda(**sr.pyscf_arguments(rhf(GRIMME_WATER)), **options)
    np.testing.assert_allclose(res["energies_ev"], energies_ev, rtol=0, atol=1e-3)
    np.testing.assert_allclose(res["oscillator_strengths"], strengths, rtol=0, atol=2e-4)


# ---- (e) against PySCF TDA ----

@pytest.mark.parametrize("atoms, pick", [(WATER, "lowest"), (ETHYLENE, "brightest")],
                         ids=["water-lowest", "ethylene-brightest"])
def test_close_to_pyscf_tda_on_same_orbitals(atoms, pick):
    """B3LYP/def2-SVP: an sTDA state within 0.5 eV of its PySCF TDA partner on the same orbitals.

    Why 0.5 eV: sTDA replaces every two-electron integral by monopoles with fitted kernels and
    drops the XC kernel; the sTDA paper's typical deviation from full TDA-DFT with B3LYP is
    0.2-0.5 eV (issue 10), and bench/stda_validation.py measures an MAE of 0.19 eV (max 0.47 eV)
    in def2-TZVP. Both methods see the same orbitals, so the bound is about the sTDA
    approximations only. Two states, because they test different terms: water's lowest state
    (1b1 -> 4a1) has zero monopole exchange (the 1b1 x 4a1 transition density is odd under the
    molecular plane, so every atomic transition charge vanishes) and checks the orbital
    energies and the J kernel; ethylene's bright pi -> pi* state is pushed up by 2 (ia|ia)'_K
    and checks the K kernel and its factor 2 (a missing factor 2, a_x in the K kernel, halved
    hardnesses or swapped exponents move it by 0.7-2 eV). The partner is the sTDA state with the
    largest overlap of excitation vectors (same configurations i -> a), which must exceed 0.9.
    f of the bright state: a single pi -> pi* configuration with the same dipole integral
    dominates both, so they agree within 25% (a lost sqrt(2) would halve it).
    """
    mf = dft.RKS(gto.M(atom=atoms, basis="def2-svp", unit="Angstrom", verbose=0))
    mf.xc, mf.conv_tol = "b3lyp", 1e-10
    mf.kernel()
    assert mf.converged
    td = mf.TDA()
    td.nstates = 4
    td.kernel()
    tda_f = td.oscillator_strength()
    m = 0 if pick == "lowest" else int(np.argmax(tda_f))
    tda_x = td.xy[m][0] * np.sqrt(2.0)  # PySCF: sum X^2 = 1/2 for restricted singlets
    res = sr.stda(**sr.pyscf_arguments(mf), a_x=0.2, e_thr_ev=12.0, n_states=6)
    n_occ = tda_x.shape[0]
    overlaps = []
    for vector in res["eigenvectors"].T:
        x = np.zeros_like(tda_x)
        x[res["configurations"][:, 0], res["configurations"][:, 1] - n_occ] = vector
        overlaps.append(abs(np.sum(x * tda_x)))
    n = int(np.argmax(overlaps))
    assert overlaps[n] > 0.9, overlaps
    tda_ev = td.e[m] * sr.EV_PER_HARTREE
    assert abs(res["energies_ev"][n] - tda_ev) < 0.5, (res["energies_ev"][n], tda_ev)
    if pick == "brightest":
        assert tda_f[m] > 0.3  # the strongly allowed pi -> pi* state
        assert res["oscillator_strengths"][n] / tda_f[m] == pytest.approx(1.0, abs=0.25)


# ---- (f) errors ----

def test_errors_for_bad_input(formaldehyde):
    args = sr.pyscf_arguments(formaldehyde)

    def call(**change):
        return sr.stda(**dict(args, **change), a_x=A_X_HF, e_thr_ev=15.0)

    assert call()["n_primary"] > 0  # the unchanged input works: each error below is the change

    for z in (0, 95):  # no hardness value: ghost atom, beyond the Ghosh-Islam table
        with pytest.raises(ValueError, match="hardness"):
            call(atomic_numbers=np.array([8, 6, 1, z]))
    with pytest.raises(ValueError, match="hardness"):
        sr.chemical_hardness([118])
    with pytest.raises(ValueError, match="mo_energy"):
        call(mo_energy=args["mo_energy"][:-1])
    with pytest.raises(ValueError, match="ao_overlap"):
        call(ao_overlap=args["ao_overlap"][:-1, :-1])
    with pytest.raises(ValueError, match="ao_atom"):
        call(ao_atom=args["ao_atom"][:-1])
    with pytest.raises(ValueError, match="ao_atom"):
        call(ao_atom=np.full_like(args["ao_atom"], 4))  # atom 4 of 4 atoms (0..3)
    with pytest.raises(ValueError, match="coords_bohr"):
        call(coords_bohr=args["coords_bohr"][:3])
    with pytest.raises(ValueError, match="atomic_numbers|coords_bohr"):
        call(atomic_numbers=np.array([8, 6, 1]))
    with pytest.raises(ValueError, match="ao_dipole"):
        call(ao_dipole=args["ao_dipole"][:2])
    with pytest.raises(ValueError, match="n_occ"):
        call(n_occ=args["mo_coeff"].shape[1])
    with pytest.raises(ValueError, match="orthonormal"):
        call(mo_coeff=args["mo_coeff"] * 1.001)  # 0.2% off in the norm: an unnormalised guess
    with pytest.raises(ValueError, match="orthonormal"):  # right shape, wrong basis order
        call(ao_overlap=args["ao_overlap"][::-1, ::-1])
    with pytest.raises(ValueError, match="e_thr_ev"):  # no configuration below 0.5 eV
        sr.stda(**args, a_x=A_X_HF, e_thr_ev=0.5)
