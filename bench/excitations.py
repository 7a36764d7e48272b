#!/usr/bin/env python3
"""Excitation energies of the larger test molecules: the model's sTDA (Predict outputs
excitation_energies, oscillator_strengths) against sTDA on B3LYP/def2-TZVP orbitals.

Issue 10's goal: "lowest singlet excitation energies within 0.15 eV MAE of sTDA on def2-TZVP
orbitals". For each structure of the test set (default: structure 0 of every molecule in
data/test.npz, never used in training or in any choice of hyper-parameters):

  reference  PySCF RKS B3LYP/def2-TZVP with the dataset's settings (density fitting with
             def2-universal-jkfit, grid level 2, conv_tol 1e-9), then tools/stda_reference.py
             on those orbitals (a_x 0.2, AO dipole integrals);
  baseline   the same for B3LYP/STO-3G (no density fitting): what the minimal basis gives
             without a model;
  model      the daemon's Predict (default model), n_states 3, eV; or, with --model LABEL=FILE
             (repeatable), each model file served by a private daemon, compared in one table;
  --tda      also PySCF's TDA-B3LYP/def2-TZVP (tdscf.TDA on the same SCF, the full response, no
             sTDA approximations): every method, the sTDA on def2-TZVP orbitals included, is then
             compared with it as well (states in energy order). Roughly 3-10x the SCF time.

Every sTDA here uses the threshold rule of Predict: E_thr = 7 eV x 1.5^k until the n-th root lies
below it. States are compared in energy order (the lowest three of each), as the goal states it;
each row also shows the model's valid weight (the share of the state on orbitals the model was
trained to reproduce) and the oscillator strengths.

    OMP_NUM_THREADS=1 python3 bench/excitations.py [--test data/test.npz] [--all] [--states 3]
        [--cache build/bench-excitations] [--address ADDR | --model LABEL=FILE ...] [--json OUT]

PySCF results are cached per structure in --cache (keyed by the geometry and settings), so a
rerun does no quantum chemistry. About 2-4 minutes per test structure on one thread here.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "clients" / "python"))
sys.path.insert(0, str(ROOT / "bench"))

import stda_reference  # noqa: E402

HARTREE_EV = 27.211386245988
SYMBOLS = {1: "H", 6: "C", 7: "N", 8: "O"}
SETTINGS = {"functional": "b3lyp", "auxbasis": "def2-universal-jkfit", "grid_level": 2, "conv_tol": 1e-9}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--test", default=str(ROOT / "data" / "test.npz"))
    p.add_argument("--all", action="store_true", help="every structure, not only structure 0 of each molecule")
    p.add_argument("--molecules", help="comma-separated names (default: all of the file)")
    p.add_argument("--states", type=int, default=3)
    p.add_argument("--cache", default=str(ROOT / "build" / "bench-excitations"))
    p.add_argument("--address", help="daemon address (default: the per-user daemon, started if needed)")
    p.add_argument("--model", action="append",
                   help="LABEL=MODEL.npz: serve this Hamiltonian model from a private daemon instead (repeat to compare models in one run)")
    p.add_argument("--tda", action="store_true", help="also TDA-B3LYP/def2-TZVP as a reference column (slow)")
    p.add_argument("--json", help="write the rows and summary here")
    return p.parse_args()


def structures(path, everything, names):
    d = np.load(path, allow_pickle=False)
    molecule_names = d["molecule_names"]
    wanted = set(names.split(",")) if names else None
    for s in range(len(d["structure_molecule"])):
        name = str(molecule_names[d["structure_molecule"][s]])
        if (not everything and d["structure_index"][s] != 0) or (wanted and name not in wanted):
            continue
        a, b = d["atom_offsets"][s], d["atom_offsets"][s + 1]
        yield name, int(d["structure_index"][s]), d["species"][a:b].astype(int), d["positions"][a:b].astype(float)


def valence_lumo_flags(path, plan):
    """Per planned structure: whether its def2-TZVP LUMO is a valence level (minimal-basis
    character >= 0.6, the benchmark's and training's rule), or None when the dataset has no
    characters. Saturated molecules have a diffuse Rydberg-like LUMO that a minimal-basis model
    cannot represent, and Predict says so (valid weight 0)."""
    d = np.load(path, allow_pickle=False)
    if "large_minimal_character" not in d.files:
        return [None] * len(plan)
    names = [str(n) for n in d["molecule_names"]]
    flags = []
    for name, index, numbers, _ in plan:
        s = next(k for k in range(len(d["structure_molecule"]))
                 if names[d["structure_molecule"][k]] == name and d["structure_index"][k] == index)
        occupied = int(d["n_electrons"][s]) // 2
        lumo = d["large_mo_offsets"][s] + occupied
        flags.append(bool(d["large_minimal_character"][lumo] >= 0.6))
    return flags


def scf(numbers, positions, basis):
    from pyscf import dft, gto, lib
    lib.num_threads(1)
    mol = gto.M(atom=[(SYMBOLS[z], p) for z, p in zip(numbers, positions)], basis=basis, unit="Angstrom", verbose=0)
    mf = dft.RKS(mol, xc=SETTINGS["functional"])
    if basis.lower() != "sto-3g":
        mf = mf.density_fit(auxbasis=SETTINGS["auxbasis"])
    mf.grids.level = SETTINGS["grid_level"]
    mf.conv_tol = SETTINGS["conv_tol"]
    mf.max_cycle = 100
    mf.kernel()
    if not mf.converged:
        mf = mf.newton()
        mf.kernel()
    if not mf.converged:
        raise RuntimeError(f"SCF did not converge ({basis})")
    return mol, mf


def reference(numbers, positions, basis, n_states, cache):
    key = hashlib.sha256(json.dumps({"z": numbers.tolist(), "r": np.round(positions, 8).tolist(), "basis": basis,
                                     "settings": SETTINGS, "states": n_states, "version": 1}).encode()).hexdigest()[:20]
    path = Path(cache) / f"{basis.lower()}-{key}.npz"
    if path.exists():
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
    start = time.perf_counter()
    mol, mf = scf(numbers, positions, basis)
    scf_seconds = time.perf_counter() - start
    start = time.perf_counter()
    result = stda_reference.stda_lowest_states(
        n_states, mo_coeff=mf.mo_coeff, mo_energy=mf.mo_energy, n_occ=mol.nelectron // 2, ao_overlap=mf.get_ovlp(),
        ao_atom=[l[0] for l in mol.ao_labels(fmt=False)], atomic_numbers=mol.atom_charges(),
        coords_bohr=mol.atom_coords(), ao_dipole=mol.intor("int1e_r"), a_x=0.2)
    e_thr = result["e_thr_ev_used"]
    out = {"energies_ev": np.asarray(result["energies_ev"][:n_states]),
           "oscillator_strengths": np.asarray(result["oscillator_strengths"][:n_states]),
           "e_thr_ev": np.float64(e_thr), "scf_seconds": np.float64(scf_seconds),
           "stda_seconds": np.float64(time.perf_counter() - start),
           "homo_ev": np.float64(mf.mo_energy[mol.nelectron // 2 - 1] * HARTREE_EV),
           "lumo_ev": np.float64(mf.mo_energy[mol.nelectron // 2] * HARTREE_EV)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def tda_reference(numbers, positions, n_states, cache):
    """TDA-B3LYP/def2-TZVP (PySCF tdscf.TDA, singlets, on the SCF of scf()): energies in eV and
    oscillator strengths of the lowest n_states, cached like reference()."""
    key = hashlib.sha256(json.dumps({"z": numbers.tolist(), "r": np.round(positions, 8).tolist(), "basis": "def2-TZVP",
                                     "settings": SETTINGS, "states": n_states, "method": "tda", "version": 1}).encode()).hexdigest()[:20]
    path = Path(cache) / f"tda-def2-tzvp-{key}.npz"
    if path.exists():
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
    from pyscf import tdscf
    start = time.perf_counter()
    _, mf = scf(numbers, positions, "def2-TZVP")
    td = tdscf.TDA(mf)
    td.nstates = n_states
    td.conv_tol = 1e-6
    td.kernel()
    if not all(td.converged):
        raise RuntimeError("TDA did not converge")
    out = {"energies_ev": np.asarray(td.e[:n_states]) * HARTREE_EV,
           "oscillator_strengths": np.asarray(td.oscillator_strength()[:n_states]),
           "seconds": np.float64(time.perf_counter() - start)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def mae(rows, method, against="def2-TZVP"):
    diffs = [abs(a - b) for r in rows for a, b in zip(r[method], r[against])]
    return float(np.mean(diffs)) if diffs else float("nan")


def model_excitations(client, plan, n_states):
    """Predict's excitations (and the time of each call) for every structure of the plan."""
    out = []
    for name, index, numbers, positions in plan:
        start = time.perf_counter()
        got = client.predict((numbers, positions), outputs=["excitation_energies", "oscillator_strengths"],
                             units="ev", n_states=n_states)
        out.append((got, time.perf_counter() - start))
    return out


def class_table(classes, methods, reference, states, title, label):
    """Per class of structures and method: MAE of the lowest `states` states and of the lowest
    state against `reference`, printed as a markdown table and returned as a dict."""
    out = {}
    print(f"\n| {title} | structures | MAE lowest {states} states | MAE lowest state |")
    print("|---|---|---|---|")
    for cls, members in classes.items():
        if not members:
            continue
        out[cls] = {m: {"mae": mae(members, m, reference),
                        "lowest": float(np.mean([abs(r[m][0] - r[reference][0]) for r in members]))}
                    for m in methods}
        for m in methods:
            print(f"| {cls}: {label(m)} | {len(members)} | {out[cls][m]['mae']:.3f} | {out[cls][m]['lowest']:.3f} |")
    return out


def main():
    args = parse_args()
    plan = list(structures(args.test, args.all, args.molecules))
    # Quantum chemistry first (minutes per structure), the models afterwards: a daemon started
    # before would sit idle that long (an autostarted one exits when idle).
    references = []
    for k, (name, index, numbers, positions) in enumerate(plan):
        print(f"[{k + 1}/{len(plan)}] {name}#{index}: def2-TZVP and STO-3G references ...", file=sys.stderr, flush=True)
        references.append((reference(numbers, positions, "def2-TZVP", args.states, args.cache),
                           reference(numbers, positions, "sto-3g", args.states, args.cache),
                           tda_reference(numbers, positions, args.states, args.cache) if args.tda else None))
    models = {}
    if args.model:
        from serving import serve_models
        for spec in args.model:
            label, _, path = spec.rpartition("=")
            label = label or Path(path).stem
            with serve_models({"hamiltonian": path}) as client:
                models[label] = model_excitations(client, plan, args.states)
    else:
        import hamd
        with hamd.connect(args.address, autostart=args.address is None, timeout=600) as client:
            models["model"] = model_excitations(client, plan, args.states)
    labels = list(models)
    rows = []
    for k, (name, index, numbers, positions) in enumerate(plan):
        large, small, tda = references[k]
        row = {"molecule": name, "structure": index, "atoms": len(numbers),
               "def2-TZVP": large["energies_ev"].tolist(), "f def2-TZVP": large["oscillator_strengths"].tolist(),
               "STO-3G": small["energies_ev"].tolist(),
               "seconds def2-TZVP scf+stda": float(large["scf_seconds"] + large["stda_seconds"])}
        if tda is not None:
            row.update({"TDA": tda["energies_ev"].tolist(), "f TDA": tda["oscillator_strengths"].tolist(),
                        "seconds def2-TZVP scf+tda": float(tda["seconds"])})
        for label in labels:
            got, seconds = models[label][k]
            row[label] = got["excitation_energies"].tolist()
            row["f " + label] = got["oscillator_strengths"].tolist()
            row["valid weight " + label] = got["excitation_valid_weight"].tolist()
            row["seconds predict " + label] = seconds
        rows.append(row)
    fmt = lambda xs: " / ".join(f"{x:.2f}" for x in xs)  # noqa: E731
    print(f"\nLowest {args.states} singlet excitation energies (eV), sTDA (a_x 0.2) on each method's orbitals")
    print("| molecule | def2-TZVP (f) | STO-3G | " + " | ".join(f"{label} (valid weight)" for label in labels) + " |")
    print("|---|---|---|" + "---|" * len(labels))
    for r in rows:
        print(f"| {r['molecule']}#{r['structure']} | {fmt(r['def2-TZVP'])} ({fmt(r['f def2-TZVP'])}) | {fmt(r['STO-3G'])} | " +
              " | ".join(f"{fmt(r[label])} ({fmt(r['valid weight ' + label])})" for label in labels) + " |")
    methods = ["STO-3G"] + labels
    summary = {"structures": len(rows), "states": args.states,
               "mae_ev_vs_def2tzvp_stda": {m: mae(rows, m) for m in methods},
               "lowest_state_mae_ev": {m: float(np.mean([abs(r[m][0] - r["def2-TZVP"][0]) for r in rows])) for m in methods},
               "median_seconds": {"def2-TZVP scf+stda": float(np.median([r["seconds def2-TZVP scf+stda"] for r in rows])),
                                  **{"predict " + label: float(np.median([r["seconds predict " + label] for r in rows]))
                                     for label in labels}}}
    flags = valence_lumo_flags(args.test, plan)
    classes = {"all structures": rows}
    if all(f is not None for f in flags):
        classes["valence def2-TZVP LUMO (conjugated, carbonyl)"] = [r for r, f in zip(rows, flags) if f]
        classes["Rydberg-like def2-TZVP LUMO (saturated)"] = [r for r, f in zip(rows, flags) if not f]
    summary["per_class"] = class_table(classes, methods, "def2-TZVP", args.states,
                                       "sTDA vs sTDA on def2-TZVP orbitals (eV)", lambda m: m)
    # The states a model vouches for: valid weight >= 0.5 (at least half of the state on levels it
    # was trained to reproduce), state k against def2-TZVP state k as above.
    summary["vouched"] = {}
    print(f"\n| states with valid weight >= 0.5 | states (of {len(rows) * args.states}) | MAE (eV) |")
    print("|---|---|---|")
    for label in labels:
        diffs = [abs(a - b) for r in rows for a, b, w in zip(r[label], r["def2-TZVP"], r["valid weight " + label]) if w >= 0.5]
        summary["vouched"][label] = {"states": len(diffs), "mae": float(np.mean(diffs)) if diffs else float("nan")}
        print(f"| {label} | {len(diffs)} | {summary['vouched'][label]['mae']:.3f} |")
    if args.tda:
        # Against the full response: the sTDA approximation itself (def2-TZVP row) and every method.
        compared = ["def2-TZVP"] + methods
        summary["mae_ev_vs_tda"] = class_table(
            classes, compared, "TDA", args.states, "vs TDA-B3LYP/def2-TZVP (eV)",
            lambda m: "sTDA on def2-TZVP orbitals" if m == "def2-TZVP" else m)
        summary["median_seconds"]["def2-TZVP scf+tda"] = float(np.median([r["seconds def2-TZVP scf+tda"] for r in rows]))
    print("\nmedian seconds per structure: " + ", ".join(f"{k} {v:.4f}" for k, v in summary["median_seconds"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
