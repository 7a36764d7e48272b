"""PySCF reference energies and forces: restricted Kohn-Sham B3LYP/def2-SVP by default.

Settings (all recorded in the dataset provenance): `dft.RKS(mol, xc=functional)`, neutral
singlet, PySCF's default DFT grid (grids.level, pruning, radial and partition schemes are read
back from the grid object and recorded), `conv_tol` 1e-10 Hartree (conv_tol_grad PySCF's default,
sqrt(conv_tol)), no density fitting, up to 100 DIIS cycles then second-order SCF from there if
needed. Analytic nuclear gradients include the grid response (`grid_response = True`) by
default: the integration grid moves with the atoms, so only then are the forces exactly minus the
derivative of the stored energy (without it they differ by ~1e-5 Hartree/Bohr for water).
"""
import time

import numpy as np

DEFAULTS = {"functional": "b3lyp", "basis": "def2-svp", "conv_tol": 1e-10, "grid_level": None,
            "grid_response": True, "max_cycle": 100}


def settings(functional=DEFAULTS["functional"], basis=DEFAULTS["basis"], conv_tol=DEFAULTS["conv_tol"],
             grid_level=DEFAULTS["grid_level"], grid_response=DEFAULTS["grid_response"],
             max_cycle=DEFAULTS["max_cycle"]):
    """The calculation settings that enter the cache key. grid_level None = PySCF's default."""
    return {"method": "RKS", "functional": functional, "basis": basis, "conv_tol": float(conv_tol),
            "grid_level": grid_level, "grid_response": bool(grid_response),
            "max_cycle": int(max_cycle), "density_fitting": False, "charge": 0, "spin": 0}


def build_molecule(numbers, positions, basis):
    from pyscf import gto
    atoms = [(int(z), tuple(float(x) for x in p)) for z, p in zip(numbers, positions)]
    return gto.M(atom=atoms, basis=basis, unit="Angstrom", charge=0, spin=0, verbose=0)


def scf(numbers, positions, s):
    """A converged RKS object for the structure (Angstrom)."""
    from pyscf import dft
    mol = build_molecule(numbers, positions, s["basis"])
    if mol.nelectron % 2:
        raise ValueError(f"{mol.nelectron} electrons: a neutral singlet (RKS) needs an even number")
    mf = dft.RKS(mol, xc=s["functional"])
    if s["grid_level"] is not None:
        mf.grids.level = s["grid_level"]
    mf.conv_tol = s["conv_tol"]
    mf.max_cycle = s["max_cycle"]
    mf.kernel()
    if not mf.converged:  # rare for closed-shell organics; second-order SCF from where DIIS stopped
        dm = mf.make_rdm1()
        mf = mf.newton()
        mf.kernel(dm0=dm)
    if not mf.converged:
        raise RuntimeError("SCF did not converge")
    return mf


def calculate(numbers, positions, s, gradient=True):
    """{"energy_hartree", "gradient_hartree_per_bohr" (n, 3) when gradient, "seconds"}."""
    start = time.perf_counter()
    mf = scf(numbers, positions, s)
    out = {"energy_hartree": float(mf.e_tot)}
    if gradient:
        g = mf.nuc_grad_method()
        g.grid_response = s["grid_response"]
        out["gradient_hartree_per_bohr"] = np.asarray(g.kernel(), dtype=np.float64)
    out["seconds"] = time.perf_counter() - start
    return out


def grid_description(s):
    """What PySCF's grid object will use for these settings (names, not objects), for provenance."""
    from pyscf import dft, gto
    mf = dft.RKS(gto.M(atom="He 0 0 0", basis="sto-3g", verbose=0), xc=s["functional"])
    if s["grid_level"] is not None:
        mf.grids.level = s["grid_level"]
    g = mf.grids

    def name(x):
        return getattr(x, "__name__", str(x))
    return {"level": g.level, "prune": name(g.prune), "radial": name(g.radi_method),
            "becke_scheme": name(g.becke_scheme), "atom_grid": g.atom_grid or "default for level",
            "set_by": "PySCF default" if s["grid_level"] is None else "--grid-level"}
