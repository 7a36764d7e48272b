"""PySCF reference calculations: B3LYP in the minimal basis (the direct-fit target) and in def2-TZVP
with density fitting (the orbital energies the indirect model is trained on)."""
import time

import numpy as np
from pyscf import dft, gto


def build_molecule(symbols, positions, basis):
    atoms = [(s, tuple(float(x) for x in p)) for s, p in zip(symbols, positions)]
    return gto.M(atom=atoms, basis=basis, unit="Angstrom", charge=0, spin=0, verbose=0)


def converged_rks(mol, settings, density_fit):
    mf = dft.RKS(mol, xc=settings["functional"])
    if density_fit:
        mf = mf.density_fit(auxbasis=settings["auxbasis"])
    mf.grids.level = settings["grid_level"]
    mf.conv_tol = settings["conv_tol"]
    mf.max_cycle = 100
    mf.kernel()
    if not mf.converged:  # rare for closed-shell organics; second-order SCF from where DIIS stopped
        dm = mf.make_rdm1()
        mf = mf.newton()
        mf.kernel(dm0=dm)
    if not mf.converged:
        raise RuntimeError(f"SCF did not converge ({mol.basis})")
    return mf


def minimal_basis(symbols, positions, settings):
    """F, S and orbital energies in the minimal basis, PySCF AO order.

    F is rebuilt from the final density and re-diagonalised, so the stored orbital energies are
    exactly the generalised eigenvalues of the stored (F, S) rather than those of the previous cycle."""
    start = time.perf_counter()
    mol = build_molecule(symbols, positions, settings["minimal_basis"])
    mf = converged_rks(mol, settings, density_fit=False)
    overlap = mf.get_ovlp()
    fock = mf.get_fock(dm=mf.make_rdm1())
    fock = 0.5 * (fock + fock.T)
    mo_energy, _ = mf.eig(fock, overlap)
    labels = mol.ao_labels(fmt=False)  # (atom index, symbol, "2p", "x")
    return {
        "fock": np.asarray(fock, dtype=np.float64),
        "overlap": np.asarray(overlap, dtype=np.float64),
        "mo_energies": np.asarray(mo_energy, dtype=np.float64),
        "energy": float(mf.e_tot),
        "n_electrons": int(mol.nelectron),
        "ao_atom": np.array([l[0] for l in labels], dtype=np.int32),
        "ao_shell": np.array([l[2] for l in labels], dtype="<U4"),
        "ao_m": np.array([l[3] for l in labels], dtype="<U8"),
        "ao_labels": np.array([s.strip() for s in mol.ao_labels()], dtype="<U24"),
        "ao_l": np.array([mol.bas_angular(b) for b in range(mol.nbas)
                          for _ in range(2 * mol.bas_angular(b) + 1)], dtype=np.int32),
        "seconds": time.perf_counter() - start,
    }


def loewdin_charges(mol, density, overlap):
    """Loewdin atomic charges q_A = Z_A - sum_{mu on A} (S^1/2 D S^1/2)_{mu mu}, elementary charges.

    D is the total (alpha + beta) AO density matrix and S the AO overlap; S^1/2 is the symmetric
    square root (eigendecomposition of S). The populations sum to tr(D S) = the electron count, so
    the charges sum to the molecular charge. Z_A is the nuclear charge of atom A (all-electron
    basis: no ECP for H, C, N, O in def2-TZVP)."""
    s_values, s_vectors = np.linalg.eigh(overlap)
    s_half = (s_vectors * np.sqrt(s_values)) @ s_vectors.T
    populations = np.einsum("ij,jk,ki->i", s_half, density, s_half)
    atom_of_ao = np.array([label[0] for label in mol.ao_labels(fmt=False)])
    per_atom = np.bincount(atom_of_ao, weights=populations, minlength=mol.natm)
    return np.asarray(mol.atom_charges(), dtype=np.float64) - per_atom


def minimal_basis_character(mol_large, mo_coeff, minimal_basis):
    """Per large-basis MO, the squared norm of its projection onto the span of the minimal basis
    (0..1): c_a = b_a^T S_mm^-1 b_a with b_a = <minimal AOs|phi_a> = S_ml C_a.

    Valence levels (what a minimal-basis model can represent) have c near 1; diffuse,
    Rydberg-like virtuals, which no minimal basis holds, have c near 0. Training pairs the
    predicted virtual levels with the large-basis virtuals of high character, in order."""
    from pyscf import gto
    mol_min = mol_large.copy()
    mol_min.basis = minimal_basis
    mol_min.build(verbose=0)
    s_mm = mol_min.intor("int1e_ovlp")
    s_ml = gto.intor_cross("int1e_ovlp", mol_min, mol_large)
    b = s_ml @ mo_coeff
    return np.einsum("ia,ia->a", b, np.linalg.solve(s_mm, b))


def large_basis(symbols, positions, settings):
    """Orbital energies, total energy and Loewdin atomic charges in the large basis with density
    fitting. The charges are those of the converged large-basis density (loewdin_charges)."""
    start = time.perf_counter()
    mol = build_molecule(symbols, positions, settings["large_basis"])
    mf = converged_rks(mol, settings, density_fit=True)
    charges = loewdin_charges(mol, mf.make_rdm1(), mf.get_ovlp())
    return {
        "mo_energies": np.asarray(mf.mo_energy, dtype=np.float64),
        "loewdin_charges": charges,
        "minimal_character": minimal_basis_character(mol, mf.mo_coeff, settings["minimal_basis"]),
        "energy": float(mf.e_tot),
        "n_electrons": int(mol.nelectron),
        "seconds": time.perf_counter() - start,
    }
