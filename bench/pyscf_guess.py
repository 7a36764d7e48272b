#!/usr/bin/env python3
"""SCF iterations and time from PySCF's default guess (minao) and from the hamd guess
(hamd.pyscf.initial_guess), on the test molecules (docs/performance.md, "PySCF initial guess").

    OMP_NUM_THREADS=1 nice python3 bench/pyscf_guess.py [--data data/test.npz] [--structures 1]
        [--bases sto-3g,def2-svp] [--methods rhf,b3lyp] [--variants direct] [--conv-tol 1e-9]
        [--ceiling] [--address unix:/path/hamd.sock] [--json OUT.json]
    python3 bench/pyscf_guess.py --summarize OUT.json      # the table of a run (also an interrupted one)

Geometries: the structures of data/test.npz (RDKit ETKDG + MMFF94 minima of the SMILES in
tools/molecules-test.txt, made by tools/make-dataset through tools/dataset/conformers.py; the
molecules are larger than every training molecule of the model). Without --address a daemon is
started for the run (`node bin/hamd.js serve` serving models/ in a temporary directory).

For each structure, target basis and method the SCF runs once from PySCF's default guess and
once from the hamd guess of each --variants (same conv_tol, DIIS, grids). Iterations are counted
with mf.callback (one call per SCF cycle, the extra convergence-check cycle not included, the same
for both). Times: SCF wall and CPU time of mf.kernel(); the hamd guess time (Predict + projection)
separately and included in "total". --ceiling adds the guess a perfect minimal-basis model would
give: the converged density of the same method in STO-3G, projected the same way (its STO-3G SCF
time not counted), for the bases other than STO-3G; in STO-3G, the density of the reference
B3LYP/STO-3G Fock matrix stored in the dataset (the model's training target).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))

import hamd  # noqa: E402
import hamd.pyscf  # noqa: E402


def structures(path, per_molecule):
    """(name, atomic numbers, positions, reference B3LYP/STO-3G Fock in PySCF order) per structure."""
    data = np.load(path)
    names = [str(n) for n in data["molecule_names"]]
    out = []
    for s in range(len(data["structure_molecule"])):
        molecule, index = int(data["structure_molecule"][s]), int(data["structure_index"][s])
        if index >= per_molecule:
            continue
        a, b = data["atom_offsets"][s], data["atom_offsets"][s + 1]
        m0, m1 = data["minimal_matrix_offsets"][s], data["minimal_matrix_offsets"][s + 1]
        n = int(round(np.sqrt(m1 - m0)))
        out.append((f"{names[molecule]}/{index}", data["species"][a:b].tolist(), data["positions"][a:b].copy(),
                    data["minimal_fock"][m0:m1].reshape(n, n)))
    return out


def make_mf(mol, method, conv_tol):
    from pyscf import dft, scf
    mf = scf.RHF(mol) if method == "rhf" else dft.RKS(mol, xc=method)
    mf.conv_tol = conv_tol
    mf.max_cycle = 100
    mf.verbose = 0
    return mf


def run_scf(mol, method, conv_tol, dm0):
    mf = make_mf(mol, method, conv_tol)
    count = [0]
    mf.callback = lambda _: count.__setitem__(0, count[0] + 1)
    wall, cpu = time.perf_counter(), time.process_time()
    energy = mf.kernel(dm0=dm0)
    return {"iterations": count[0], "energy": float(energy), "converged": bool(mf.converged),
            "scf_wall_s": time.perf_counter() - wall, "scf_cpu_s": time.process_time() - cpu}


def projected(minimal_dm_orbitals, minimal_mol, mol):
    from pyscf.scf import addons
    occupied = addons.project_mo_nr2nr(minimal_mol, minimal_dm_orbitals, mol)
    s = mol.intor_symmetric("int1e_ovlp")
    w, v = np.linalg.eigh(occupied.T @ s @ occupied)
    occupied = occupied @ (v * w ** -0.5) @ v.T
    return 2 * occupied @ occupied.T


def start_daemon(directory):
    address = f"unix:{directory}/hamd.sock"
    log = open(Path(directory) / "hamd.log", "w")
    env = {k: v for k, v in os.environ.items() if k != "HAMD_ADDRESS"}
    process = subprocess.Popen(["node", str(ROOT / "bin" / "hamd.js"), "serve", "--listen", address, "--threads", "1"],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with hamd.connect(address, timeout=2) as client:
                client.info()
                return process, address
        except hamd.HamdError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"hamd daemon not serving: {(Path(directory) / 'hamd.log').read_text()[-2000:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "test.npz"))
    parser.add_argument("--structures", type=int, default=1, help="structures per molecule (data/test.npz has 2)")
    parser.add_argument("--molecules", default="", help="comma-separated names (default: all)")
    parser.add_argument("--bases", default="sto-3g,def2-svp")
    parser.add_argument("--methods", default="rhf,b3lyp")
    parser.add_argument("--variants", default="direct", help="model weights for the hamd guess: direct,best,indirect")
    parser.add_argument("--baseline", default="minao", help="PySCF guess to compare with (its default: minao)")
    parser.add_argument("--conv-tol", type=float, default=1e-9)
    parser.add_argument("--ceiling", action="store_true",
                        help="also start from the converged STO-3G density (projected), or in STO-3G from the dataset's reference Fock")
    parser.add_argument("--address", default=None, help="a running daemon (default: start one for the run)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--summarize", default=None, metavar="JSON", help="only print the table of an earlier --json")
    args = parser.parse_args()
    if args.summarize:
        rows = json.loads(Path(args.summarize).read_text())["rows"]
        args.bases = ",".join(dict.fromkeys(r["basis"] for r in rows))
        args.methods = ",".join(dict.fromkeys(r["method"] for r in rows))
        args.variants = ",".join(dict.fromkeys(k[5:] for r in rows for k in r if k.startswith("hamd-")))
        args.ceiling = any("ceiling" in r for r in rows)
        args.baseline = rows[0]["default"]["guess"] if rows else args.baseline
        print(summary(rows, args))
        return

    from pyscf import gto
    process = None
    directory = tempfile.TemporaryDirectory(prefix="hamd-pyscf-bench-")
    address = args.address
    if address is None:
        process, address = start_daemon(directory.name)
    client = hamd.connect(address, timeout=120)
    wanted = set(filter(None, args.molecules.split(",")))
    rows = []
    try:
        for name, numbers, positions, reference_fock in structures(args.data, args.structures):
            if wanted and name.split("/")[0] not in wanted:
                continue
            atoms = [(int(z), tuple(p)) for z, p in zip(numbers, positions)]
            for method in args.methods.split(","):
                minimal_converged = None
                for basis in args.bases.split(","):
                    mol = gto.M(atom=atoms, basis=basis, unit="Angstrom", verbose=0)
                    row = {"structure": name, "atoms": len(numbers), "basis": basis, "nao": mol.nao_nr(),
                           "method": method, "conv_tol": args.conv_tol}
                    baseline_dm = make_mf(mol, method, args.conv_tol).get_init_guess(mol, args.baseline)
                    row["default"] = run_scf(mol, method, args.conv_tol, baseline_dm)
                    row["default"]["guess"] = args.baseline
                    for variant in args.variants.split(","):
                        start = time.perf_counter()
                        dm0 = hamd.pyscf.initial_guess(mol, client=client, variant=variant)
                        guess_s = time.perf_counter() - start
                        result = run_scf(mol, method, args.conv_tol, dm0)
                        result.update(guess_s=guess_s, total_wall_s=guess_s + result["scf_wall_s"],
                                      delta_energy=result["energy"] - row["default"]["energy"])
                        row[f"hamd-{variant}"] = result
                    if args.ceiling and basis.lower() == "sto-3g":
                        # the dataset's converged B3LYP/STO-3G Fock matrix: what a perfect model would predict
                        from scipy.linalg import eigh
                        _, c = eigh(reference_fock, mol.intor_symmetric("int1e_ovlp"))
                        occupied = c[:, :mol.nelectron // 2]
                        row["ceiling"] = run_scf(mol, method, args.conv_tol, 2 * occupied @ occupied.T)
                    elif args.ceiling:
                        if minimal_converged is None:
                            small = gto.M(atom=atoms, basis="sto-3g", unit="Angstrom", verbose=0)
                            mf = make_mf(small, method, args.conv_tol)
                            mf.kernel()
                            minimal_converged = (small, mf.mo_coeff[:, mf.mo_occ > 0])
                        dm0 = projected(minimal_converged[1], minimal_converged[0], mol)
                        row["ceiling"] = run_scf(mol, method, args.conv_tol, dm0)
                    rows.append(row)
                    if args.json:  # after every row, so that an interrupted run keeps what it measured
                        Path(args.json).write_text(json.dumps({"argv": sys.argv, "rows": rows}, indent=1))
                    cells = [f"{name:16s} {basis:9s} {method:6s} {args.baseline} {row['default']['iterations']:3d}"]
                    for key in row:
                        if key.startswith("hamd-") or key == "ceiling":
                            r = row[key]
                            cells.append(f"{key} {r['iterations']:3d} (dE {r['energy'] - row['default']['energy']:+.1e}"
                                         f"{'' if r['converged'] else ' NOT CONVERGED'})")
                    cells.append(f"wall {row['default']['scf_wall_s']:.1f} s vs "
                                 + " ".join(f"{row[k]['total_wall_s']:.1f} s" for k in row if k.startswith("hamd-")))
                    print("  ".join(cells), flush=True)
    finally:
        client.close()
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        directory.cleanup()

    print()
    print(summary(rows, args))


def summary(rows, args):
    """Markdown table: per basis and method, total iterations and time of each guess."""
    lines = ["| basis | method | structures | guess | SCF iterations (total) | saved | per structure: fewer / equal / more | SCF wall s | SCF CPU s | guess s | max abs dE (Eh) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    keys = [f"hamd-{v}" for v in args.variants.split(",")] + (["ceiling"] if args.ceiling else [])
    for basis in args.bases.split(","):
        for method in args.methods.split(","):
            group = [r for r in rows if r["basis"] == basis and r["method"] == method]
            if not group:
                continue
            base = sum(r["default"]["iterations"] for r in group)
            wall = sum(r["default"]["scf_wall_s"] for r in group)
            cpu = sum(r["default"]["scf_cpu_s"] for r in group)
            lines.append(f"| {basis} | {method} | {len(group)} | {args.baseline} (PySCF default) | {base} | | | {wall:.1f} | {cpu:.1f} | | |")
            for key in keys:
                members = [r for r in group if key in r]
                if not members:
                    continue
                its = sum(r[key]["iterations"] for r in members)
                fewer = sum(r[key]["iterations"] < r["default"]["iterations"] for r in members)
                more = sum(r[key]["iterations"] > r["default"]["iterations"] for r in members)
                equal = len(members) - fewer - more
                w = sum(r[key]["scf_wall_s"] for r in members)
                c = sum(r[key]["scf_cpu_s"] for r in members)
                g = sum(r[key].get("guess_s", 0.0) for r in members)
                de = max(abs(r[key]["energy"] - r["default"]["energy"]) for r in members)
                saved = 100.0 * (1 - its / sum(r["default"]["iterations"] for r in members))
                label = key if key != "ceiling" else ("reference B3LYP/STO-3G Fock" if basis.lower() == "sto-3g"
                                                      else "converged STO-3G, projected")
                lines.append(f"| {basis} | {method} | {len(members)} | {label} | {its} | {saved:.0f} % | {fewer} / {equal} / {more} "
                             f"| {w:.1f} | {c:.1f} | {g:.2f} | {de:.1e} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
