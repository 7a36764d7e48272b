#!/usr/bin/env python3
"""Writes the fixtures of test/native/test_stda.cpp: test/native/data/stda_<name>.npz.

Each archive holds every input of tools/stda_reference.stda() for one closed-shell molecule
(orbitals from PySCF) and that reference's outputs, so that the C++ sTDA (addon/core/qc/stda.cpp)
can be compared with it without Python. Only float64 and int64 arrays (what hamd's npz reader
reads), C-ordered (the reader rejects Fortran order); scalars are 0-d arrays.

Entries:
  inputs     mo_coeff (nao, nmo), mo_energy (nmo,), n_occ, ao_overlap (nao, nao), ao_atom (nao,),
             atomic_numbers (natm,), coords_bohr (natm, 3), ao_dipole (3, nao, nao) [only when
             has_dipole = 1], a_x, e_thr_ev, pt_threshold_eh, n_states (0: every root <= E_thr)
  outputs    energies_eh, oscillator_strengths, transition_dipoles_au (n, 3), n_primary,
             n_secondary, n_window_occ, n_window_vir
Transition dipoles carry the arbitrary sign of each eigenvector: compare them up to sign.

Usage: OMP_NUM_THREADS=1 python3 tools/make-stda-fixtures.py   (a few seconds)
"""
import sys
from pathlib import Path

import numpy as np
from pyscf import dft, gto, scf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import stda_reference as sr  # noqa: E402

# Geometries (Angstrom) from ASE's G2 set, as in test/python/test_stda_reference.py.
WATER = [("O", (0.0, 0.0, 0.119262)), ("H", (0.0, 0.763239, -0.477047)),
         ("H", (0.0, -0.763239, -0.477047))]
FORMALDEHYDE = [("O", (0.0, 0.0, 0.683501)), ("C", (0.0, 0.0, -0.536614)),
                ("H", (0.0, 0.934390, -1.124164)), ("H", (0.0, -0.934390, -1.124164))]
ETHYLENE = [("C", (0.0, 0.0, 0.667480)), ("C", (0.0, 0.0, -0.667480)),
            ("H", (0.0, 0.922832, 1.237695)), ("H", (0.0, -0.922832, 1.237695)),
            ("H", (0.0, 0.922832, -1.237695)), ("H", (0.0, -0.922832, -1.237695))]


def rhf(atoms, basis):
    mf = scf.RHF(gto.M(atom=atoms, basis=basis, unit="Angstrom", verbose=0))
    mf.conv_tol = 1e-11
    mf.kernel()
    assert mf.converged
    return mf


def b3lyp(atoms, basis):
    mf = dft.RKS(gto.M(atom=atoms, basis=basis, unit="Angstrom", verbose=0))
    mf.xc = "b3lyp"
    mf.conv_tol = 1e-11
    mf.kernel()
    assert mf.converged
    return mf


# name, SCF, a_x, E_thr (eV), PT threshold (Eh), n_states (None: all <= E_thr), AO dipoles?
CASES = [
    ("water_rhf_sto3g", lambda: rhf(WATER, "sto-3g"), 1.0, 20.0, 1e-4, None, True),
    # Monopole transition dipoles (no AO dipole integrals) and a fixed number of states.
    ("formaldehyde_rhf_sto3g", lambda: rhf(FORMALDEHYDE, "sto-3g"), 1.0, 14.0, 1e-4, 6, False),
    ("ethylene_b3lyp_def2svp", lambda: b3lyp(ETHYLENE, "def2-svp"), 0.2, 10.0, 1e-4, None, True),
]


def main():
    out_dir = ROOT / "test" / "native" / "data"
    for name, make_scf, a_x, e_thr_ev, pt_eh, n_states, with_dipole in CASES:
        args = sr.pyscf_arguments(make_scf())
        if not with_dipole:
            args["ao_dipole"] = None
        result = sr.stda(**args, a_x=a_x, e_thr_ev=e_thr_ev, pt_threshold_eh=pt_eh,
                         n_states=n_states)
        arrays = {
            "mo_coeff": np.ascontiguousarray(args["mo_coeff"], dtype=np.float64),
            "mo_energy": np.asarray(args["mo_energy"], dtype=np.float64),
            "n_occ": np.int64(args["n_occ"]),
            "ao_overlap": np.ascontiguousarray(args["ao_overlap"], dtype=np.float64),
            "ao_atom": np.asarray(args["ao_atom"], dtype=np.int64),
            "atomic_numbers": np.asarray(args["atomic_numbers"], dtype=np.int64),
            "coords_bohr": np.ascontiguousarray(args["coords_bohr"], dtype=np.float64),
            "has_dipole": np.int64(1 if with_dipole else 0),
            "a_x": np.float64(a_x),
            "e_thr_ev": np.float64(e_thr_ev),
            "pt_threshold_eh": np.float64(pt_eh),
            "n_states": np.int64(0 if n_states is None else n_states),
            "energies_eh": np.asarray(result["energies_eh"], dtype=np.float64),
            "oscillator_strengths": np.asarray(result["oscillator_strengths"], dtype=np.float64),
            "transition_dipoles_au": np.ascontiguousarray(result["transition_dipoles_au"], dtype=np.float64),
            "n_primary": np.int64(result["n_primary"]),
            "n_secondary": np.int64(result["n_secondary"]),
            "n_window_occ": np.int64(result["n_window_occ"]),
            "n_window_vir": np.int64(result["n_window_vir"]),
        }
        if with_dipole:
            arrays["ao_dipole"] = np.ascontiguousarray(args["ao_dipole"], dtype=np.float64)
        path = out_dir / f"stda_{name}.npz"
        np.savez(path, **arrays)
        print(f"{path.relative_to(ROOT)}: nao {args['mo_coeff'].shape[0]}, "
              f"window {result['n_window_occ']}x{result['n_window_vir']}, "
              f"{result['n_primary']} primary + {result['n_secondary']} secondary, "
              f"{len(result['energies_eh'])} states, lowest "
              f"{result['energies_ev'][:3].round(3).tolist()} eV, f "
              f"{result['oscillator_strengths'][:3].round(4).tolist()}, "
              f"{path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
