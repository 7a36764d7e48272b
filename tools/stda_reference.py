"""Reference implementation of Grimme's simplified Tamm-Dancoff approach (sTDA), singlets only.

S. Grimme, J. Chem. Phys. 138, 244104 (2013), doi:10.1063/1.4811331; docs SCIENCE.md section 6.
This is the slow, readable version that the project's C++ implementation (issue 10) is tested
against: numpy/scipy only, float64 throughout, dense matrices over the whole orbital window. It
takes any closed-shell set of orbitals (PySCF's, or a model's predicted ones) and needs nothing
but the MO coefficients and energies, the AO overlap, which atom each AO sits on, and the atoms.

Units: lengths in Bohr, energies in Hartree (Eh) internally; the public thresholds say their unit
in their name (``e_thr_ev``, ``pt_threshold_eh``). Excitation energies are returned in both eV
and Eh; transition dipoles in atomic units (e Bohr); oscillator strengths are dimensionless.
eV per Hartree is CODATA 2018 (27.211386245988), the value PySCF uses, so that differences to
PySCF's TDA are not polluted by a conversion constant.

The method, as implemented here (and in Grimme's ``stda`` program, github.com/grimme-lab/stda):

* Loewdin-orthogonalised MOs C' = S^(1/2) C give transition charges
  q_pq^A = sum_{mu on A} C'_{mu p} C'_{mu q}; they sum over atoms to <p|q> (0 or 1).
* Two-electron integrals are monopole expansions (pq|rs)' = sum_AB q_pq^A gamma_AB q_rs^B with
  Mataga-Nishimoto-Ohno-Klopman kernels (R_AB in Bohr, eta in Eh):
  gamma^J_AB = (R^beta + (a_x eta_AB)^-beta)^(-1/beta)  for the Coulomb-type (ij|ab),
  gamma^K_AB = (R^alpha + eta_AB^-alpha)^(-1/alpha)      for the exchange-type (ia|jb),
  eta_AB = (eta_A + eta_B)/2, alpha = 1.42 + 0.48 a_x, beta = 0.20 + 1.83 a_x.
  a_x enters only through the J kernel (no separate a_x factor in front of (ij|ab)'), as in the
  paper and the program.
* Singlet TDA matrix A_ia,jb = delta_ij delta_ab (eps_a - eps_i) + 2 (ia|jb)'_K - (ij|ab)'_J.
* Orbital window: occupied MOs with eps_i > eps_LUMO - dE, virtual MOs with
  eps_a < eps_HOMO + dE, dE = 2 (1 + 0.8 a_x) E_thr.
* Configuration selection: primary configurations (P-CSFs) have A_ia,ia <= E_thr. Every other
  configuration u of the window is a candidate secondary one; it is kept when its summed
  second-order contribution to the primaries, E_u^(2) = sum_{v in P} |A_uv|^2 / (A_uu - A_vv),
  exceeds pt_threshold_eh (1e-4 Eh by default). The contributions of the candidates that are
  not kept are subtracted from the diagonal of the primaries they couple to (second-order
  energy lowering), as Grimme's program does (routine ``ptselect``). The block of primaries plus
  kept secondaries is diagonalised.
* Oscillator strengths f_n = 2/3 omega_n |mu_0n|^2 (length gauge, atomic units) with
  mu_0n = sqrt(2) sum_ia X_ia^n <i|r|a>: sqrt(2) is the spin-adaptation factor of a singlet
  configuration built from a closed shell. <i|r|a> comes from AO dipole integrals when they are
  given (what Grimme's program and PySCF use, so f is comparable to PySCF's TDA), otherwise from
  the same monopoles as the integrals, <i|r|a> ~ sum_A q_ia^A R_A (origin independent because
  sum_A q_ia^A = <i|a> = 0; cheaper and needs no integrals, but a cruder approximation).

Not implemented: triplets, open shells, range-separated hybrids, sTD-DFT (RPA), the optional
K(ia,ia)-dependent diagonal shift of sTDA-xTB, and the program's single-precision arithmetic.
"""
from __future__ import annotations

import numpy as np

EV_PER_HARTREE = 27.211386245988  # CODATA 2018, the same constant as pyscf.data.nist.HARTREE2EV

# Chemical hardness eta_A (Hartree) for Z = 1..94, index Z-1.
# Source: D. C. Ghosh and N. Islam, "Semiempirical evaluation of the global hardness of the
# atoms of 103 elements of the periodic table using the most probable radii as their size
# descriptors", Int. J. Quantum Chem. (2010), doi:10.1002/qua.22202, in the form Grimme's stda
# program uses (subroutine setrep in stda.f, github.com/grimme-lab/stda): the paper tabulates
# eta = (IP - EA)/2 in eV (hydrogen 6.43 eV); stda doubles it and converts to Hartree, so that
# eta_A = IP - EA = d^2E/dN^2, the one-centre repulsion (AA|AA) the kernels need at R = 0.
# Check: hydrogen 0.47259 Eh = 12.86 eV against the experimental IP - EA = 13.598 - 0.754 =
# 12.844 eV. The same numbers are DFT-D4's chemical_hardness table.
_HARDNESS_EH = (
    0.47259288, 0.92203391, 0.17452888, 0.25700733, 0.33949086,  # H  He Li Be B
    0.42195412, 0.50438193, 0.58691863, 0.66931351, 0.75191607,  # C  N  O  F  Ne
    0.17964105, 0.22157276, 0.26348578, 0.30539645, 0.34734014,  # Na Mg Al Si P
    0.38924725, 0.43115670, 0.47308269, 0.17105469, 0.20276244,  # S  Cl Ar K  Ca
    0.21007322, 0.21739647, 0.22471039, 0.23201501, 0.23933969,  # Sc Ti V  Cr Mn
    0.24665638, 0.25398255, 0.26128863, 0.26859476, 0.27592565,  # Fe Co Ni Cu Zn
    0.30762999, 0.33931580, 0.37235985, 0.40273549, 0.43445776,  # Ga Ge As Se Br
    0.46611708, 0.15585079, 0.18649324, 0.19356210, 0.20063311,  # Kr Rb Sr Y  Zr
    0.20770522, 0.21477254, 0.22184614, 0.22891872, 0.23598621,  # Nb Mo Tc Ru Rh
    0.24305612, 0.25013018, 0.25719937, 0.28784780, 0.31848673,  # Pd Ag Cd In Sn
    0.34912431, 0.37976593, 0.41040808, 0.44105777, 0.05019332,  # Sb Te I  Xe Cs
    0.06762570, 0.08504445, 0.10247736, 0.11991105, 0.13732772,  # Ba La Ce Pr Nd
    0.15476297, 0.17218265, 0.18961288, 0.20704760, 0.22446752,  # Pm Sm Eu Gd Tb
    0.24189645, 0.25932503, 0.27676094, 0.29418231, 0.31159587,  # Dy Ho Er Tm Yb
    0.32902274, 0.34592298, 0.36388048, 0.38130586, 0.39877476,  # Lu Hf Ta W  Re
    0.41614298, 0.43364510, 0.45104014, 0.46848986, 0.48584550,  # Os Ir Pt Au Hg
    0.12526730, 0.14268677, 0.16011615, 0.17755889, 0.19497557,  # Tl Pb Bi Po At
    0.21240778, 0.07263525, 0.09422158, 0.09920295, 0.10418621,  # Rn Fr Ra Ac Th
    0.14235633, 0.16394294, 0.18551941, 0.22370139,              # Pa U  Np Pu
)

# Global-hybrid parameters of the kernels (Grimme 2013): alpha = A1 + A2 a_x, beta = B1 + B2 a_x.
_ALPHA_0, _ALPHA_AX = 1.42, 0.48
_BETA_0, _BETA_AX = 0.20, 1.83

# Default largest deviation of C^T S C from the identity. A deviation d changes the transition
# charges, and through them every monopole integral, by about d * max(gamma) <= d * 1 Eh; with
# d = 1e-4 that is < 3 meV, far below the method's own error (tenths of an eV) and comparable to
# the 1e-4 Eh selection threshold. Orbitals straight from an eigensolver are orthonormal to
# ~1e-12; orbitals read from text files with 5-6 significant digits (molden files; the water
# test file of Grimme's stda repository deviates by 1e-5) must still pass. The mistakes this
# check is for (C and S from different bases, AO orders or normalisations, Cartesian vs
# spherical functions, unnormalised predicted orbitals) give deviations of 1e-3..1.
ORTHONORMALITY_TOLERANCE = 1e-4


def chemical_hardness(atomic_numbers) -> np.ndarray:
    """Hardness eta_A (Hartree) of each atom, from the Ghosh-Islam table as Grimme's stda uses it.

    Raises ValueError for an atomic number outside 1..94 (no published value) or a non-integer.
    """
    z = np.asarray(atomic_numbers)
    if z.ndim != 1:
        raise ValueError(f"atomic_numbers must be a 1-D array, got shape {z.shape}")
    if z.size and not np.all(np.equal(np.mod(z, 1), 0)):
        raise ValueError(f"atomic_numbers must be integers, got {z.tolist()}")
    z = z.astype(int)
    unknown = sorted({int(x) for x in z if not 1 <= x <= len(_HARDNESS_EH)})
    if unknown:
        raise ValueError(
            f"no sTDA chemical hardness for atomic number(s) {unknown}: the Ghosh-Islam table "
            f"used by sTDA covers Z = 1..{len(_HARDNESS_EH)} (ghost atoms, Z = 0, are not supported)"
        )
    return np.array([_HARDNESS_EH[x - 1] for x in z], dtype=float)


def kernel_exponents(a_x: float) -> tuple[float, float]:
    """(alpha, beta) of the K and J kernels for a global hybrid with Fock-exchange fraction a_x."""
    return _ALPHA_0 + _ALPHA_AX * a_x, _BETA_0 + _BETA_AX * a_x


def gamma_matrices(atomic_numbers, coords_bohr, a_x: float, alpha: float | None = None,
                   beta: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The (n_atoms, n_atoms) kernels (gamma^J, gamma^K) in Hartree for coordinates in Bohr.

    On one atom (R = 0) they are a_x eta_A and eta_A; at large R both tend to 1/R. For a_x = 0
    (pure functionals) gamma^J is zero: the Coulomb-type term is the response of the Fock
    exchange, which such functionals do not have.
    """
    z = np.asarray(atomic_numbers)
    xyz = np.asarray(coords_bohr, dtype=float)
    if xyz.ndim != 2 or xyz.shape[1] != 3 or xyz.shape[0] != z.shape[0]:
        raise ValueError(f"coords_bohr must have shape ({z.shape[0]}, 3) for {z.shape[0]} atoms, "
                         f"got {xyz.shape}")
    default_alpha, default_beta = kernel_exponents(a_x)
    alpha = default_alpha if alpha is None else float(alpha)
    beta = default_beta if beta is None else float(beta)
    eta = chemical_hardness(z)
    eta_ab = 0.5 * (eta[:, None] + eta[None, :])
    r = np.linalg.norm(xyz[:, None, :] - xyz[None, :, :], axis=-1)
    gamma_k = (r ** alpha + eta_ab ** -alpha) ** (-1.0 / alpha)
    if a_x == 0.0:
        gamma_j = np.zeros_like(gamma_k)
    else:
        gamma_j = (r ** beta + (a_x * eta_ab) ** -beta) ** (-1.0 / beta)
    return gamma_j, gamma_k


def loewdin_orthogonalise(mo_coeff, ao_overlap) -> np.ndarray:
    """C' = S^(1/2) C: the MO coefficients in the Loewdin-orthogonalised AO basis.

    S^(1/2) is the symmetric square root; its atom blocks follow the atoms under rotations, so
    per-atom sums of C' products (the transition charges) do not depend on the orientation.
    """
    s = np.asarray(ao_overlap, dtype=float)
    w, v = np.linalg.eigh(s)
    if w[0] <= 0.0:
        raise ValueError(f"ao_overlap is not positive definite (smallest eigenvalue {w[0]:.3e})")
    s_half = (v * np.sqrt(w)) @ v.T
    return s_half @ np.asarray(mo_coeff, dtype=float)


def transition_charges(c_left, c_right, ao_atom, n_atoms: int) -> np.ndarray:
    """q[A, p, q] = sum_{mu on atom A} c_left[mu, p] c_right[mu, q] for Loewdin coefficients.

    Returns an (n_atoms, n_p, n_q) array; summed over A it is c_left^T c_right (the overlap of
    the orthonormal orbitals: the identity block, or zeros between occupied and virtual MOs).
    """
    ao_atom = np.asarray(ao_atom)
    q = np.zeros((n_atoms, c_left.shape[1], c_right.shape[1]))
    for atom in range(n_atoms):
        on_atom = ao_atom == atom
        q[atom] = c_left[on_atom].T @ c_right[on_atom]
    return q


def monopole_integrals(c_orth_occ, c_orth_vir, ao_atom, gamma_j, gamma_k):
    """Monopole-approximated integrals over a window of Loewdin-orthogonalised MOs (Hartree).

    Returns (iajb_k, ijab_j, q_ia): iajb_k[i, a, j, b] = (ia|jb)' with gamma^K,
    ijab_j[i, j, a, b] = (ij|ab)' with gamma^J, and the transition charges q_ia[A, i, a].
    Dense arrays of (n_occ n_vir)^2 numbers: fine for a reference, not for large systems.
    """
    n_atoms = gamma_k.shape[0]
    q_ia = transition_charges(c_orth_occ, c_orth_vir, ao_atom, n_atoms)
    q_ij = transition_charges(c_orth_occ, c_orth_occ, ao_atom, n_atoms)
    q_ab = transition_charges(c_orth_vir, c_orth_vir, ao_atom, n_atoms)
    iajb_k = np.einsum("Aia,AB,Bjb->iajb", q_ia, gamma_k, q_ia, optimize=True)
    ijab_j = np.einsum("Aij,AB,Bab->ijab", q_ij, gamma_j, q_ab, optimize=True)
    return iajb_k, ijab_j, q_ia


def singlet_a_matrix(eps_occ, eps_vir, iajb_k, ijab_j) -> np.ndarray:
    """Singlet sTDA matrix (Hartree) over all configurations i->a, row index i * n_vir + a.

    A_ia,jb = delta_ij delta_ab (eps_a - eps_i) + 2 (ia|jb)'_K - (ij|ab)'_J. The factor 2 is the
    singlet spin adaptation of the exchange-type (response of the Coulomb) term; the J-type
    term carries its a_x through gamma^J.
    """
    n_occ, n_vir = len(eps_occ), len(eps_vir)
    n_conf = n_occ * n_vir
    gaps = (np.asarray(eps_vir)[None, :] - np.asarray(eps_occ)[:, None]).reshape(n_conf)
    coulomb_type = ijab_j.transpose(0, 2, 1, 3).reshape(n_conf, n_conf)  # (ij|ab) at [ia, jb]
    return np.diag(gaps) + 2.0 * iajb_k.reshape(n_conf, n_conf) - coulomb_type


def select_configurations(a_matrix, e_thr_eh: float, pt_threshold_eh: float = 1e-4):
    """Grimme's configuration selection on a window A matrix (Hartree).

    Returns (primary, secondary, diagonal_shift): indices of the primary configurations
    (A_uu <= e_thr_eh), of the secondary ones kept because their summed second-order
    contribution E_u^(2) = sum_{v in primary} A_uv^2 / (A_uu - A_vv) exceeds pt_threshold_eh,
    and, for each primary, the second-order lowering (>= 0, Hartree) from the candidates that
    were not kept, to be subtracted from its diagonal element.
    """
    diagonal = np.diag(a_matrix)
    primary = np.flatnonzero(diagonal <= e_thr_eh)
    candidates = np.flatnonzero(diagonal > e_thr_eh)
    if primary.size == 0 or candidates.size == 0:
        return primary, candidates[:0], np.zeros(primary.size)
    coupling = a_matrix[np.ix_(candidates, primary)]
    # Always positive: a candidate lies above E_thr, a primary at or below it.
    gaps = diagonal[candidates][:, None] - diagonal[primary][None, :]
    contribution = coupling ** 2 / gaps
    kept = contribution.sum(axis=1) > pt_threshold_eh
    diagonal_shift = contribution[~kept].sum(axis=0)
    return primary, candidates[kept], diagonal_shift


def _check_inputs(c, eps, n_occ, s, ao_atom, z, xyz, dipole):
    if c.ndim != 2:
        raise ValueError(f"mo_coeff must be (n_ao, n_mo), got shape {c.shape}")
    n_ao, n_mo = c.shape
    if eps.shape != (n_mo,):
        raise ValueError(f"mo_energy must have shape ({n_mo},) for {n_mo} MOs, got {eps.shape}")
    if not (isinstance(n_occ, (int, np.integer)) and 0 < n_occ < n_mo):
        raise ValueError(f"n_occ must be an integer in 1..{n_mo - 1} (doubly occupied MOs), "
                         f"got {n_occ!r}")
    if s.shape != (n_ao, n_ao):
        raise ValueError(f"ao_overlap must have shape ({n_ao}, {n_ao}) for {n_ao} AOs, got {s.shape}")
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"atomic_numbers must be a non-empty 1-D array, got shape {z.shape}")
    n_atoms = z.shape[0]
    if xyz.shape != (n_atoms, 3):
        raise ValueError(f"coords_bohr must have shape ({n_atoms}, 3) for {n_atoms} atoms, "
                         f"got {xyz.shape}")
    if ao_atom.shape != (n_ao,):
        raise ValueError(f"ao_atom must have shape ({n_ao},) for {n_ao} AOs, got {ao_atom.shape}")
    if not np.issubdtype(ao_atom.dtype, np.integer) or ao_atom.min() < 0 or ao_atom.max() >= n_atoms:
        raise ValueError(f"ao_atom must hold atom indices in 0..{n_atoms - 1}")
    if dipole is not None and dipole.shape != (3, n_ao, n_ao):
        raise ValueError(f"ao_dipole must have shape (3, {n_ao}, {n_ao}), got {dipole.shape}")
    for name, array in (("mo_coeff", c), ("mo_energy", eps), ("ao_overlap", s),
                        ("coords_bohr", xyz)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} has non-finite values")


def stda(mo_coeff, mo_energy, n_occ, ao_overlap, ao_atom, atomic_numbers, coords_bohr,
         ao_dipole=None, a_x: float = 0.2, e_thr_ev: float = 7.0, n_states: int | None = None,
         pt_threshold_eh: float = 1e-4, alpha: float | None = None, beta: float | None = None,
         orthonormality_tolerance: float = ORTHONORMALITY_TOLERANCE) -> dict:
    """Singlet sTDA excitation energies and oscillator strengths of a closed-shell molecule.

    Parameters (atomic units unless the name says otherwise):
      mo_coeff (n_ao, n_mo): orthonormal MOs (C^T S C = 1); columns 0..n_occ-1 doubly occupied.
      mo_energy (n_mo,): orbital energies, Hartree.
      n_occ: number of doubly occupied MOs.
      ao_overlap (n_ao, n_ao): AO overlap S of the basis mo_coeff is expressed in.
      ao_atom (n_ao,): index of the atom each AO is centred on.
      atomic_numbers (n_atoms,), coords_bohr (n_atoms, 3): the atoms, positions in Bohr.
      ao_dipole (3, n_ao, n_ao) or None: AO integrals <mu|r|nu> (Bohr; any origin). None uses
        monopole transition dipoles sum_A q_ia^A R_A instead (see the module docstring).
      a_x: Fock-exchange fraction of the functional (B3LYP 0.20, PBE0 0.25, HF 1.0).
      e_thr_ev: E_thr, eV: the spectral range; sets the orbital window and the primary space.
      n_states: None returns every root <= E_thr (what Grimme's program prints); an integer
        returns the lowest n_states roots of the selected block, flagged in "above_threshold"
        when they lie above E_thr (there the configuration space is incomplete by design).
      pt_threshold_eh: selection threshold for secondary configurations, Hartree.
      alpha, beta: override the kernel exponents (default from a_x).
      orthonormality_tolerance: largest |C^T S C - 1| accepted (see ORTHONORMALITY_TOLERANCE).

    Returns a dict: energies_ev, energies_eh (ascending), oscillator_strengths,
    transition_dipoles_au (n_states, 3), above_threshold, eigenvectors (n_selected, n_states,
    unit norm), configurations ((n_selected, 2) MO indices (i, a) into mo_coeff),
    is_primary, n_primary, n_secondary, n_window_occ, n_window_vir, mo_window (MO indices), and
    parameters (everything the result depends on, units in the names).

    Raises ValueError on inconsistent shapes, elements without a hardness value,
    non-orthonormal orbitals, or an empty configuration space.
    """
    c = np.asarray(mo_coeff, dtype=float)
    eps = np.asarray(mo_energy, dtype=float)
    s = np.asarray(ao_overlap, dtype=float)
    ao_atom = np.asarray(ao_atom)
    z = np.asarray(atomic_numbers)
    xyz = np.asarray(coords_bohr, dtype=float)
    dipole = None if ao_dipole is None else np.asarray(ao_dipole, dtype=float)
    _check_inputs(c, eps, n_occ, s, ao_atom, z, xyz, dipole)
    if not 0.0 <= a_x <= 1.0:
        raise ValueError(f"a_x must be in [0, 1], got {a_x}")
    if not e_thr_ev > 0.0:
        raise ValueError(f"e_thr_ev must be positive, got {e_thr_ev}")
    if n_states is not None and not (isinstance(n_states, (int, np.integer)) and n_states > 0):
        raise ValueError(f"n_states must be a positive integer or None, got {n_states!r}")
    chemical_hardness(z)  # the unknown-element error before any linear algebra

    metric_error = np.abs(c.T @ s @ c - np.eye(c.shape[1])).max()
    if metric_error > orthonormality_tolerance:
        raise ValueError(
            f"the orbitals are not orthonormal in ao_overlap: max |C^T S C - 1| = "
            f"{metric_error:.2e} > {orthonormality_tolerance:.0e} (wrong basis, AO order or "
            f"normalisation, or unorthogonalised predicted orbitals?)"
        )

    e_thr = e_thr_ev / EV_PER_HARTREE
    # Grimme's window: (1 + 0.8 a_x) E_thr makes room for the Coulomb-type term, which lowers a
    # configuration below its orbital-energy gap more the larger a_x is; the factor 2 is the
    # program's safety margin. Orbitals outside it make configurations far above E_thr.
    window_width = 2.0 * (1.0 + 0.8 * a_x) * e_thr
    homo, lumo = eps[:n_occ].max(), eps[n_occ:].min()
    occ = np.flatnonzero(eps[:n_occ] > lumo - window_width)
    vir = n_occ + np.flatnonzero(eps[n_occ:] < homo + window_width)
    if occ.size == 0 or vir.size == 0:
        raise ValueError(f"no orbitals in the window of {window_width * EV_PER_HARTREE:.2f} eV "
                         f"around the gap: increase e_thr_ev")

    c_orth = loewdin_orthogonalise(c[:, np.concatenate([occ, vir])], s)
    c_orth_occ, c_orth_vir = c_orth[:, :occ.size], c_orth[:, occ.size:]
    gamma_j, gamma_k = gamma_matrices(z, xyz, a_x, alpha, beta)
    iajb_k, ijab_j, q_ia = monopole_integrals(c_orth_occ, c_orth_vir, ao_atom, gamma_j, gamma_k)
    a_window = singlet_a_matrix(eps[occ], eps[vir], iajb_k, ijab_j)

    primary, secondary, shift = select_configurations(a_window, e_thr, pt_threshold_eh)
    if primary.size == 0:
        raise ValueError(f"no configuration has A_ia,ia <= E_thr = {e_thr_ev} eV: "
                         f"increase e_thr_ev")
    selected = np.concatenate([primary, secondary])
    a_block = a_window[np.ix_(selected, selected)].copy()
    a_block[np.arange(primary.size), np.arange(primary.size)] -= shift
    roots, vectors = np.linalg.eigh(a_block)
    n_keep = int(np.count_nonzero(roots <= e_thr)) if n_states is None else min(n_states, roots.size)
    roots, vectors = roots[:n_keep], vectors[:, :n_keep]

    if dipole is not None:
        c_occ, c_vir = c[:, occ], c[:, vir]
        r_ia = np.einsum("mi,xmn,na->iax", c_occ, dipole, c_vir, optimize=True)
    else:
        r_ia = np.einsum("Aia,Ax->iax", q_ia, xyz)
    r_selected = r_ia.reshape(-1, 3)[selected]
    transition_dipoles = np.sqrt(2.0) * vectors.T @ r_selected
    oscillator_strengths = 2.0 / 3.0 * roots * np.einsum("nx,nx->n", transition_dipoles,
                                                          transition_dipoles)

    alpha_used, beta_used = kernel_exponents(a_x)
    alpha_used = alpha_used if alpha is None else float(alpha)
    beta_used = beta_used if beta is None else float(beta)
    conf_occ, conf_vir = np.divmod(selected, vir.size)
    return {
        "energies_ev": roots * EV_PER_HARTREE,
        "energies_eh": roots,
        "oscillator_strengths": oscillator_strengths,
        "transition_dipoles_au": transition_dipoles,
        "above_threshold": roots > e_thr,
        "eigenvectors": vectors,
        "configurations": np.stack([occ[conf_occ], vir[conf_vir]], axis=1),
        "is_primary": np.arange(selected.size) < primary.size,
        "n_primary": int(primary.size),
        "n_secondary": int(secondary.size),
        "n_window_occ": int(occ.size),
        "n_window_vir": int(vir.size),
        "mo_window": np.concatenate([occ, vir]),
        "parameters": {
            "a_x": float(a_x),
            "alpha_k": alpha_used,
            "beta_j": beta_used,
            "e_thr_ev": float(e_thr_ev),
            "window_ev": float(window_width * EV_PER_HARTREE),
            "pt_threshold_eh": float(pt_threshold_eh),
            "hardness": "Ghosh-Islam (2010) x2, Hartree (eta = IP - EA), as in Grimme's stda",
            "dipoles": "AO dipole integrals" if dipole is not None else "monopole (q_ia^A R_A)",
            "orthonormality_error": float(metric_error),
            "ev_per_hartree": EV_PER_HARTREE,
        },
    }


def stda_lowest_states(n_states: int, first_threshold_ev: float = 7.0, growth: float = 1.5, rounds: int = 6,
                       **arguments) -> dict:
    """The lowest n_states roots with hamd's Predict rule for E_thr (addon/core/models/hamiltonian/
    prediction.cpp): start at 7 eV and grow by 1.5 (at most 6 tries) until the n-th root lies
    inside the threshold. `arguments`: those of stda() except e_thr_ev and n_states. The result
    of stda(), plus "e_thr_ev_used"."""
    e_thr = first_threshold_ev
    result = None
    for _ in range(rounds):
        try:
            result = stda(**arguments, e_thr_ev=e_thr, n_states=n_states)
        except ValueError:  # no configuration inside this threshold yet
            e_thr *= growth
            continue
        result["e_thr_ev_used"] = e_thr
        if len(result["energies_ev"]) >= n_states and result["energies_ev"][n_states - 1] <= e_thr:
            return result
        e_thr *= growth
    if result is None:
        raise ValueError(f"no singlet configuration below {e_thr / growth:.0f} eV")
    return result


def pyscf_arguments(mf) -> dict:
    """The keyword arguments of stda() for a converged closed-shell PySCF SCF object ``mf``.

    Duck-typed on PySCF's Mole API (no PySCF import here). Dipole integrals are PySCF's
    int1e_r at the mole's current common origin (origin-independent for i -> a transitions).
    """
    mol = mf.mol
    mo_occ = np.asarray(mf.mo_occ)
    n_occ = int(np.count_nonzero(mo_occ > 0))
    if mo_occ.ndim != 1 or not np.array_equal(mo_occ, np.where(np.arange(mo_occ.size) < n_occ, 2, 0)):
        raise ValueError("pyscf_arguments needs a restricted closed-shell aufbau occupation "
                         "(2, ..., 2, 0, ..., 0)")
    ao_atom = np.empty(mol.nao_nr(), dtype=int)
    for atom, (_, _, start, stop) in enumerate(mol.aoslice_by_atom()):
        ao_atom[start:stop] = atom
    return {
        "mo_coeff": np.asarray(mf.mo_coeff),
        "mo_energy": np.asarray(mf.mo_energy),
        "n_occ": n_occ,
        "ao_overlap": mol.intor_symmetric("int1e_ovlp"),
        "ao_atom": ao_atom,
        # Nuclear charges including the electrons an ECP replaces: the element, not Z_eff.
        "atomic_numbers": np.array([mol.atom_charge(k) + mol.atom_nelec_core(k)
                                    for k in range(mol.natm)]),
        "coords_bohr": np.asarray(mol.atom_coords(unit="Bohr")),
        "ao_dipole": mol.intor_symmetric("int1e_r", comp=3),
    }
