#!/usr/bin/env python3
"""sTDA (tools/stda_reference.py) on PySCF's orbitals against PySCF's TDA on the same orbitals.

Issue 10's first validation step: "sTDA applied to PySCF's def2-TZVP orbitals vs PySCF's
TDA-B3LYP/def2-TZVP". For each molecule: RKS B3LYP (PySCF's "b3lyp", a_x = 0.20) with
conv_tol 1e-10 Eh, then (a) pyscf.tdscf.TDA, lowest 5 singlets, and (b) sTDA on the same
orbitals (a_x = 0.20, AO dipole integrals for the oscillator strengths). Prints one markdown table
per molecule and the mean absolute deviation over the lowest 3 TDA states of all molecules.

Matching states: both methods expand a state in the same configurations i -> a of the same
orbitals, so each TDA state is paired with the sTDA state (among the lowest 10) whose normalised
excitation vector overlaps it most, |<X_TDA|X_sTDA>| (a one-to-one assignment maximising the sum
of squared overlaps, scipy's linear_sum_assignment). Pairing by energy order alone swaps close
states of different character (ethylene's bright pi -> pi* state and its dark neighbours);
the table shows the overlap, and the summary gives the MAE both ways. Overlaps inside a
degenerate pair are arbitrary; none of the default molecules has degenerate states.

    OMP_NUM_THREADS=1 python3 bench/stda_validation.py [--basis def2-TZVP]
        [--molecules water,formaldehyde,ethylene,butadiene] [--cache DIR] [--e-thr auto|EV]

Molecules: water, formaldehyde, ethylene, butadiene (trans), pyridine, benzene. Geometries are
ASE's G2 set (ase.build.molecule; MP2(full)/6-31G(d) structures, names H2O, H2CO, C2H4,
butadiene, C5H5N, C6H6), in Angstrom. The default list (about 3.5 minutes on one thread) leaves
out pyridine and benzene: PySCF's TDA alone takes 8-9 minutes for pyridine in def2-TZVP on one
thread here (density fitting hardly helps: 450 s instead of 550 s), which would break the
~10 minute budget of the default run; ask for them with --molecules.

E_thr: the sTDA spectral range. With "auto" (default) it is the program default 7 eV, raised to
(the 5th TDA state + 1 eV) when that is higher, so that the compared states lie inside the
spectral range and 1 eV below its edge, where they are built from primary configurations
(states above E_thr see only the perturbatively selected ones). A number fixes it for every
molecule.

Each molecule's SCF + TDA result and the integrals sTDA needs are cached as one npz in --cache
(default: a new temporary directory), keyed by molecule, basis and settings; a rerun with the same
--cache does no quantum chemistry. Threads: OMP_NUM_THREADS=1 and pyscf.lib.num_threads(1)
(the machine is shared).
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy/pyscf load their BLAS

import argparse  # noqa: E402
import hashlib  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import stda_reference  # noqa: E402

MOLECULES = {  # name -> ASE G2 name
    "water": "H2O",
    "formaldehyde": "H2CO",
    "ethylene": "C2H4",
    "butadiene": "butadiene",
    "pyridine": "C5H5N",
    "benzene": "C6H6",
}
DEFAULT_MOLECULES = "water,formaldehyde,ethylene,butadiene"
N_STATES = 5
N_STDA_STATES = 10  # sTDA roots offered to the matching
N_MAE = 3
CACHE_VERSION = 2
XC, A_X = "b3lyp", 0.20
CONV_TOL = 1e-10  # Hartree


def progress(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def geometry(name):
    from ase.build import molecule

    atoms = molecule(MOLECULES[name])
    return list(zip(atoms.get_chemical_symbols(), atoms.positions.tolist()))


def reference(name, basis, cache_dir):
    """SCF + TDA of one molecule, and the stda() inputs, from the cache or computed (then cached)."""
    atoms = geometry(name)
    key = hashlib.sha256(repr((CACHE_VERSION, atoms, basis.lower(), XC, CONV_TOL, N_STATES))
                         .encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{name}-{basis.lower()}-{key}.npz"
    if path.exists():
        progress(f"{name}: cached {path}")
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    from pyscf import dft, gto, lib

    lib.num_threads(1)
    mol = gto.M(atom=atoms, basis=basis, unit="Angstrom", verbose=0)
    mf = dft.RKS(mol)
    mf.xc = XC
    mf.conv_tol = CONV_TOL
    start = time.perf_counter()
    progress(f"{name}: RKS {XC}/{basis}, {mol.natm} atoms, {mol.nao_nr()} AOs ...")
    mf.kernel()
    if not mf.converged:
        raise RuntimeError(f"{name}: SCF did not converge")
    scf_s = time.perf_counter() - start
    progress(f"{name}: SCF {scf_s:.1f} s, E = {mf.e_tot:.10f} Eh; TDA, {N_STATES} singlets ...")
    td = mf.TDA()
    td.nstates = N_STATES
    start = time.perf_counter()
    td.kernel()
    if not np.all(td.converged):
        raise RuntimeError(f"{name}: TDA did not converge")
    tda_s = time.perf_counter() - start
    progress(f"{name}: TDA {tda_s:.1f} s")
    result = dict(stda_reference.pyscf_arguments(mf))
    result.update(
        tda_energies_eh=np.asarray(td.e),
        tda_oscillator_strengths=np.asarray(td.oscillator_strength(gauge="length")),
        # X of each state, (n_occ, n_vir); PySCF normalises restricted singlets to sum X^2 = 1/2.
        tda_x=np.array([x for x, _ in td.xy]) * np.sqrt(2.0),
        e_tot=np.float64(mf.e_tot), scf_seconds=np.float64(scf_s), tda_seconds=np.float64(tda_s),
    )
    np.savez(path, **result)
    return result


def match_states(tda_x, res):
    """For each TDA state, the index of its sTDA partner and |<X_TDA|X_sTDA>|.

    tda_x: (n_tda, n_occ, n_vir) unit-norm TDA vectors; res: an stda() result on the same MOs.
    """
    from scipy.optimize import linear_sum_assignment

    n_occ = tda_x.shape[1]
    stda_x = np.zeros((res["eigenvectors"].shape[1],) + tda_x.shape[1:])
    occ, vir = res["configurations"][:, 0], res["configurations"][:, 1] - n_occ
    stda_x[:, occ, vir] = res["eigenvectors"].T
    overlap = np.abs(np.einsum("mia,nia->mn", tda_x, stda_x))
    rows, cols = linear_sum_assignment(-overlap ** 2)
    pairs = dict(zip(rows, cols))
    return [pairs[m] for m in range(len(tda_x))], [overlap[m, pairs[m]] for m in range(len(tda_x))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--basis", default="def2-TZVP")
    parser.add_argument("--molecules", default=DEFAULT_MOLECULES,
                        help=f"comma-separated, from {','.join(MOLECULES)} (default {DEFAULT_MOLECULES})")
    parser.add_argument("--cache", default=None, help="directory for the per-molecule npz cache "
                        "(default: a new temporary directory)")
    parser.add_argument("--e-thr", default="auto",
                        help="sTDA E_thr in eV, or 'auto' (max(7, 5th TDA state + 1 eV))")
    args = parser.parse_args()

    names = [m.strip() for m in args.molecules.split(",") if m.strip()]
    unknown = [m for m in names if m not in MOLECULES]
    if unknown:
        parser.error(f"unknown molecule(s) {unknown}; known: {', '.join(MOLECULES)}")
    cache = Path(args.cache) if args.cache else Path(tempfile.mkdtemp(prefix="stda-validation-"))
    cache.mkdir(parents=True, exist_ok=True)
    progress(f"cache: {cache}")

    print(f"# sTDA vs PySCF TDA, {XC.upper()}/{args.basis} (same orbitals), lowest {N_STATES} singlets\n")
    print(f"sTDA: a_x = {A_X}, alpha = {stda_reference.kernel_exponents(A_X)[0]:.3f}, "
          f"beta = {stda_reference.kernel_exponents(A_X)[1]:.3f}, PT threshold 1e-4 Eh, "
          f"E_thr {args.e_thr}{' eV' if args.e_thr != 'auto' else ''}; "
          f"f in the length gauge from AO dipole integrals for both. "
          f"States matched by excitation-vector overlap. Geometries: ASE G2 (MP2/6-31G(d)).\n")
    matched, by_order = [], []
    total_start = time.perf_counter()
    for name in names:
        ref = reference(name, args.basis, cache)
        tda_ev = ref["tda_energies_eh"] * stda_reference.EV_PER_HARTREE
        tda_f = ref["tda_oscillator_strengths"]
        e_thr = max(7.0, tda_ev[-1] + 1.0) if args.e_thr == "auto" else float(args.e_thr)
        inputs = {k: ref[k] for k in ("mo_coeff", "mo_energy", "ao_overlap", "ao_atom",
                                      "atomic_numbers", "coords_bohr", "ao_dipole")}
        start = time.perf_counter()
        res = stda_reference.stda(**inputs, n_occ=int(ref["n_occ"]), a_x=A_X, e_thr_ev=e_thr,
                                  n_states=N_STDA_STATES)
        stda_s = time.perf_counter() - start
        pairs, overlaps = match_states(ref["tda_x"], res)
        print(f"## {name} ({len(ref['atomic_numbers'])} atoms, {ref['mo_coeff'].shape[0]} AOs)\n")
        print(f"E_thr {e_thr:.2f} eV; window {res['n_window_occ']} occupied + "
              f"{res['n_window_vir']} virtual MOs; configurations: {res['n_primary']} primary + "
              f"{res['n_secondary']} secondary; time SCF {float(ref['scf_seconds']):.1f} s, "
              f"TDA {float(ref['tda_seconds']):.1f} s, sTDA {stda_s:.2f} s\n")
        print("| TDA state | TDA (eV) | f TDA | sTDA state | sTDA (eV) | f sTDA | sTDA - TDA (eV) "
              "| overlap |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for m in range(N_STATES):
            n = pairs[m]
            e, f = res["energies_ev"][n], res["oscillator_strengths"][n]
            mark = " (> E_thr)" if res["above_threshold"][n] else ""
            print(f"| {m + 1} | {tda_ev[m]:.3f} | {tda_f[m]:.4f} | {n + 1} | {e:.3f}{mark} | "
                  f"{f:.4f} | {e - tda_ev[m]:+.3f} | {overlaps[m]:.2f} |")
            if m < N_MAE:
                matched.append(e - tda_ev[m])
                by_order.append(res["energies_ev"][m] - tda_ev[m])
        print()
    for label, values in (("matched by overlap", matched), ("paired by energy order", by_order)):
        d = np.array(values)
        print(f"**Lowest {N_MAE} TDA states of {len(names)} molecules ({d.size} states), {label}: "
              f"MAE {np.abs(d).mean():.3f} eV, mean signed {d.mean():+.3f} eV, "
              f"max |dev| {np.abs(d).max():.3f} eV**\n")
    progress(f"done in {time.perf_counter() - total_start:.1f} s")


if __name__ == "__main__":
    main()
