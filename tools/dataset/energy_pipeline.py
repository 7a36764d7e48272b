"""tools/make-energy-dataset: command line, plan, cache and workers (the help text is the tool's
docstring; format: docs/dataset-format.md#energyforce-datasets)."""
import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import energy, energy_store, sampling, structures

TOOL = "tools/make-energy-dataset"
TOOL_VERSION = "1"


def parse_args(argv, description):
    p = argparse.ArgumentParser(prog="make-energy-dataset", description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("molecules", nargs="?", help="file of 'name SMILES' lines (tools/molecules-train.txt)")
    p.add_argument("--xyz", action="append", default=[], metavar="FILE",
                   help="start geometry (first frame, Angstrom); molecule name = file stem; repeatable")
    p.add_argument("--from-extxyz", metavar="FILE",
                   help="convert a labelled extended XYZ (no calculation); needs --units")
    p.add_argument("-o", "--output", required=True, help="output .npz")
    g = p.add_argument_group("user data (--from-extxyz)")
    g.add_argument("--units", choices=["eV", "ev", "hartree"],
                   help="units of the file: eV (energy eV, forces eV/A) or hartree (Hartree, Hartree/Bohr)")
    g.add_argument("--energy-key", help="property name of the energy (default REF_energy, else energy)")
    g.add_argument("--forces-key", help="property name of the forces (default REF_forces, else forces)")
    g.add_argument("--name-key", help="info field naming each frame's molecule (default: chemical formula)")
    g = p.add_argument_group("sampling (molecular dynamics)")
    g.add_argument("--structures", type=int, default=100, help="structures per molecule (default 100)")
    g.add_argument("--temperature", type=float, default=500.0, help="K (default 500)")
    g.add_argument("--timestep", type=float, default=0.5, help="fs (default 0.5)")
    g.add_argument("--friction", type=float, default=0.01, help="Langevin friction, 1/fs (default 0.01)")
    g.add_argument("--equilibration-steps", type=int, default=2000, help="steps before frame 0 (default 2000)")
    g.add_argument("--stride", type=int, default=40, help="steps between frames (default 40)")
    g.add_argument("--seed", type=int, default=20240601, help="base seed (start geometry, MD)")
    g.add_argument("--driver", choices=sorted(sampling.DRIVERS), default="gfn2-xtb",
                   help="potential for the MD (default gfn2-xtb; hf-sto-3g is a labelled fallback)")
    g.add_argument("--xtb-accuracy", type=float, default=1.0, help="xtb --acc (default 1.0)")
    g.add_argument("--xtb-etemp", type=float, default=300.0, help="xtb --etemp, K (default 300)")
    g.add_argument("--embed", type=int, default=10, help="RDKit embeddings for the start geometry")
    g.add_argument("--rdkit-python", default=os.environ.get("HAMD_RDKIT_PYTHON", "/usr/bin/python3"))
    g.add_argument("--sample-only", action="store_true", help="run the MD only; write no dataset")
    g = p.add_argument_group("reference calculation (PySCF)")
    g.add_argument("--functional", default=energy.DEFAULTS["functional"], help="default b3lyp")
    g.add_argument("--basis", default=energy.DEFAULTS["basis"], help="default def2-svp")
    g.add_argument("--conv-tol", type=float, default=energy.DEFAULTS["conv_tol"],
                   help="SCF energy convergence, Hartree (default 1e-10)")
    g.add_argument("--grid-level", type=int, default=None, help="DFT grid level (default: PySCF's)")
    g.add_argument("--no-grid-response", action="store_true",
                   help="leave out the grid response of the forces (then not exactly -dE/dx)")
    g = p.add_argument_group("running")
    g.add_argument("--workers", type=int, default=1, help="parallel processes, one thread each")
    g.add_argument("--cache", help="cache directory (default build/dataset-cache/<output stem>)")
    g.add_argument("--no-resume-from-output", action="store_true",
                   help="do not reuse results stored in an existing OUTPUT file (by default they "
                        "seed the cache when settings and positions match)")
    g.add_argument("--allow-partial", action="store_true",
                   help="compute nothing; write what is cached (per molecule, structures 0..j)")
    g.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    modes = sum([bool(args.molecules or args.xyz), bool(args.from_extxyz)])
    if modes != 1:
        p.error("give a molecule list and/or --xyz files, or --from-extxyz (not both)")
    if args.from_extxyz and not args.units:
        p.error("--from-extxyz needs --units eV|hartree")
    if args.structures < 1 or args.workers < 1:
        p.error("--structures and --workers must be at least 1")
    return args


def log(message):
    print(message, file=sys.stderr, flush=True)


def progress_bar(**kwargs):
    """tqdm's bar (rate and ETA); a silent stand-in where tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        class Silent:
            def __init__(self, **_):
                pass

            def update(self, n=1):
                pass

            def set_postfix_str(self, s):
                pass

            def close(self):
                pass
        if not kwargs.get("disable"):
            log("(tqdm is not installed: no progress bar; pip install tqdm)")
        return Silent()
    return tqdm(mininterval=1.0, dynamic_ncols=True, **kwargs)


# ---------------------------------------------------------------- user data

def command_line(argv):
    return " ".join([TOOL, *argv] if argv is not None else sys.argv)


def import_extxyz(args, started, argv):
    try:
        molecules, records, info = energy_store.read_extxyz(args.from_extxyz, args.units, args.energy_key,
                                                            args.forces_key, args.name_key)
    except (ValueError, OSError) as error:
        sys.exit(f"make-energy-dataset: {error}")
    import ase
    provenance = {"tool": TOOL, "tool_version": TOOL_VERSION, "kind": "imported",
                  "command": command_line(argv), "created_utc": utc_now(), "import": info,
                  "ase_version": ase.__version__, "numpy_version": np.__version__,
                  "generation_seconds_this_run": time.time() - started}
    arrays = energy_store.assemble(molecules, records, provenance)
    energy_store.write(args.output, arrays)
    log(f"wrote {args.output}: {len(records)} structures of {len(molecules)} molecule(s) "
        f"from {args.from_extxyz} ({info['declared_units']})")
    return {"structures": len(records), "computed": 0, "cached": 0, "md_steps": 0}


# ---------------------------------------------------------------- start geometries

def start_geometries(args, cache):
    """[{"name", "smiles", "identity", "numbers", "positions", "source"}]"""
    from ase.data import atomic_numbers
    molecules = []
    if args.molecules:
        listed = structures.read_molecule_list(args.molecules)
        request = {"smiles": [m["smiles"] for m in listed], "embed": args.embed, "seed": args.seed}
        path = cache / "conformers.json"
        reply = None
        if path.exists():
            saved = json.loads(path.read_text())
            if saved["request"] == request:
                reply = saved["reply"]
        if reply is None:
            if args.allow_partial:
                sys.exit(f"--allow-partial: no cached start geometries in {path}")
            reply = structures.generate_conformers(listed, args.embed, args.seed, args.rdkit_python,
                                                   0.1, 15.0)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"request": request, "reply": reply}))
        for m, conf in zip(listed, reply["molecules"]):
            molecules.append({"name": m["name"], "smiles": m["smiles"], "identity": m["smiles"],
                              "numbers": np.array([atomic_numbers[s] for s in conf["symbols"]]),
                              "positions": np.asarray(conf["conformers"][0], dtype=np.float64),
                              "source": f"RDKit {reply['rdkit_version']} ETKDGv3 ({args.embed} "
                                        "embeddings) + MMFF94, lowest minimum"})
    for path in args.xyz:
        import ase.io
        atoms = ase.io.read(path, index=0)
        name = Path(path).stem
        molecules.append({"name": name, "smiles": "", "identity": name,
                          "numbers": atoms.numbers.copy(), "positions": atoms.positions.copy(),
                          "source": f"{path} (sha256 {hashlib.sha256(Path(path).read_bytes()).hexdigest()})"})
    names = [m["name"] for m in molecules]
    if len(set(names)) != len(names):
        sys.exit(f"duplicate molecule names: {names}")
    for m in molecules:
        if int(m["numbers"].sum()) % 2:
            sys.exit(f"{m['name']}: odd electron count; the reference is a neutral singlet (RKS)")
    return molecules


# ---------------------------------------------------------------- sampling

def md_job(job):
    """Runs in a worker process: one molecule's trajectory; progress through a queue."""
    molecule, md, n_frames, checkpoint, queue = job
    report = (lambda k: queue.put(k)) if queue is not None else None
    sampling.sample(molecule["numbers"], molecule["positions"], md, molecule["identity"], n_frames,
                    checkpoint, progress=report)
    return molecule["name"]


def run_sampling(args, molecules, md, cache):
    need = sampling.md_steps_needed(md, args.structures)
    todo, done_steps = [], 0
    for m in molecules:
        path = cache / m["name"] / "md.npz"
        have = sampling.sample(m["numbers"], m["positions"], md, m["identity"], args.structures, path,
                               run=False)
        steps = sampling.steps_done(md, m["identity"], m["numbers"], m["positions"], path)
        if len(have["positions"]) < args.structures:
            todo.append((m, md, args.structures, path))
        done_steps += min(steps, need)
    if not todo or args.allow_partial:
        return 0
    total = need * len(molecules)
    bar = progress_bar(total=total, initial=done_steps, unit="step", desc="MD", disable=args.quiet)
    before = done_steps
    if args.workers > 1 and len(todo) > 1:
        import multiprocessing
        ctx = multiprocessing.get_context("spawn")
        with ctx.Manager() as manager, ctx.Pool(min(args.workers, len(todo))) as pool:
            queue = manager.Queue()
            pending = pool.map_async(md_job, [job + (queue,) for job in todo])
            while not pending.ready() or not queue.empty():
                try:
                    k = queue.get(timeout=0.5)
                except Exception:  # queue.Empty from the manager
                    continue
                bar.update(k)
                done_steps += k
            pending.get()  # re-raises a worker's error
    else:
        for job in todo:
            def report(k):
                nonlocal done_steps
                bar.update(k)
                done_steps += k
            sampling.sample(job[0]["numbers"], job[0]["positions"], md, job[0]["identity"], job[2], job[3],
                            progress=report)
    bar.close()
    return done_steps - before


# ---------------------------------------------------------------- reference calculations

def basis_size(numbers):
    """def2-SVP function count (spherical), the cost proxy that orders the work."""
    return sum(5 if z <= 2 else 14 if z <= 10 else 18 for z in numbers)


def reference_key(settings, numbers, positions):
    blob = json.dumps({"settings": settings, "numbers": [int(z) for z in numbers],
                       "positions": np.round(np.asarray(positions, dtype=np.float64), 10).tolist()},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def reference_path(cache, name, k):
    return cache / name / "reference" / f"{k:04d}.npz"


def load_reference(path, key):
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            if str(f["key"]) != key:
                return None
            return {"energy_hartree": float(f["energy_hartree"]),
                    "gradient_hartree_per_bohr": f["gradient_hartree_per_bohr"],
                    "seconds": float(f["seconds"])}
    except (OSError, ValueError, KeyError):
        return None  # a file cut short by an interruption is recomputed


def compute_reference(job):
    """Runs in a worker: one structure's energy and gradient, written atomically to the cache."""
    item, settings, key, path = job
    result = energy.calculate(item["numbers"], item["positions"], settings, gradient=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, key=np.array(key), energy_hartree=np.array(result["energy_hartree"]),
             gradient_hartree_per_bohr=result["gradient_hartree_per_bohr"],
             seconds=np.array(result["seconds"]))
    os.replace(tmp, path)
    return item["name"], item["structure"], result["seconds"]


def seed_cache_from_dataset(output, settings, plan, keys, paths):
    """Resume from an earlier (partial) output file when the cache is gone, as on a fresh machine:
    a stored structure is reused only if the same reference settings produced it and its positions
    give the same cache key as the planned structure (so a changed trajectory is recomputed)."""
    if not output.exists():
        return 0
    try:
        with np.load(output, allow_pickle=False) as f:
            stored = {k: f[k] for k in ("provenance", "molecule_names", "structure_molecule",
                                        "structure_index", "atom_offsets", "species", "positions",
                                        "energy_hartree", "forces_hartree_per_bohr", "reference_seconds")}
        reference = json.loads(str(stored["provenance"])).get("reference", {})
    except (OSError, ValueError, KeyError) as error:
        log(f"not resuming from {output}: {error}")
        return 0
    if any(reference.get(k) != v for k, v in settings.items()):
        return 0
    by_slot = {}
    for i, (m, k) in enumerate(zip(stored["structure_molecule"], stored["structure_index"])):
        by_slot[(str(stored["molecule_names"][m]), int(k))] = i
    seeded = 0
    for it, key, path in zip(plan, keys, paths):
        i = by_slot.get((it["name"], it["structure"]))
        if i is None or load_reference(path, key) is not None:
            continue
        at = slice(stored["atom_offsets"][i], stored["atom_offsets"][i + 1])
        if reference_key(settings, stored["species"][at], stored["positions"][at]) != key:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez(tmp, key=np.array(key), energy_hartree=np.array(stored["energy_hartree"][i]),
                 gradient_hartree_per_bohr=-stored["forces_hartree_per_bohr"][at],
                 seconds=np.array(stored["reference_seconds"][i]))
        os.replace(tmp, path)
        seeded += 1
    return seeded


def run_references(args, todo, n_plan):
    bar = progress_bar(total=n_plan, initial=n_plan - len(todo), unit="structure",
                       desc=f"{args.functional}/{args.basis}", disable=args.quiet)
    if args.workers > 1 and len(todo) > 1:
        import multiprocessing
        with multiprocessing.get_context("spawn").Pool(min(args.workers, len(todo))) as pool:
            for name, k, seconds in pool.imap_unordered(compute_reference, todo):
                bar.set_postfix_str(f"{name}#{k} {seconds:.1f}s")
                bar.update()
    else:
        for job in todo:
            name, k, seconds = compute_reference(job)
            bar.set_postfix_str(f"{name}#{k} {seconds:.1f}s")
            bar.update()
    bar.close()


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def main(argv=None, description=None):
    """Returns {"structures", "computed", "cached", "md_steps"} (the tests read it)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    args = parse_args(argv, description)
    started = time.time()
    if args.from_extxyz:
        return import_extxyz(args, started, argv)

    output = Path(args.output)
    cache = Path(args.cache) if args.cache else Path("build/dataset-cache") / output.stem
    if args.driver == "gfn2-xtb":
        from .xtb import find_xtb
        if find_xtb() is None:
            sys.exit("xtb (GFN2-xTB) not found: install Debian's package (apt-get install xtb) or set "
                     "HAMD_XTB; or pass --driver hf-sto-3g for the labelled, cheaper and different "
                     "HF/STO-3G fallback (recorded in the provenance)")
    molecules = start_geometries(args, cache)
    md = sampling.md_settings(args.driver, args.temperature, args.timestep, args.friction,
                              args.equilibration_steps, args.stride, args.seed,
                              args.xtb_accuracy, args.xtb_etemp)
    log(f"{len(molecules)} molecule(s), {args.structures} structures each; MD {args.driver} at "
        f"{args.temperature:g} K, {sampling.md_steps_needed(md, args.structures)} steps of "
        f"{args.timestep:g} fs per molecule; cache {cache}")
    md_steps = run_sampling(args, molecules, md, cache)

    trajectories = {}
    for m in molecules:
        t = sampling.sample(m["numbers"], m["positions"], md, m["identity"], args.structures,
                            cache / m["name"] / "md.npz", run=False)
        t["bond_changes"] = int(sum(sampling.bond_graph_changed(m["numbers"], m["positions"], x)
                                    for x in t["positions"]))
        trajectories[m["name"]] = t
    if args.sample_only:
        for name, t in trajectories.items():
            log(f"{name}: {len(t['positions'])} frames, {t['step']} MD steps, {t['seconds']:.0f} s, "
                f"{t['bond_changes']} frame(s) with a bond graph unlike the start")
        return {"structures": 0, "computed": 0, "cached": 0, "md_steps": md_steps}

    settings = energy.settings(args.functional, args.basis, args.conv_tol, args.grid_level,
                               not args.no_grid_response)
    plan = []
    for index, m in enumerate(molecules):
        t = trajectories[m["name"]]
        for k, (positions, step) in enumerate(zip(t["positions"], t["steps"])):
            plan.append({"name": m["name"], "molecule": index, "structure": k, "md_step": int(step),
                         "numbers": m["numbers"], "positions": positions})
    # Round-major, cheapest molecule first within a round: an interrupted run has spent its time
    # evenly, and any shortfall falls on the largest molecules.
    plan.sort(key=lambda it: (it["structure"], basis_size(it["numbers"]), it["molecule"]))
    keys = [reference_key(settings, it["numbers"], it["positions"]) for it in plan]
    paths = [reference_path(cache, it["name"], it["structure"]) for it in plan]
    if not args.no_resume_from_output:
        seeded = seed_cache_from_dataset(output, settings, plan, keys, paths)
        if seeded:
            log(f"{seeded} reference results taken from the existing {output} (same settings and positions)")
    todo = [(it, settings, k, p) for it, k, p in zip(plan, keys, paths) if load_reference(p, k) is None]
    log(f"{len(plan)} structures sampled, {len(plan) - len(todo)} cached, {len(todo)} to compute "
        f"({settings['functional']}/{settings['basis']})")
    if todo and not args.allow_partial:
        run_references(args, todo, len(plan))

    records = []
    for it, k, p in zip(plan, keys, paths):
        cached = load_reference(p, k)
        if cached is not None:
            records.append(dict(it, energy_hartree=cached["energy_hartree"],
                                forces_hartree_per_bohr=-cached["gradient_hartree_per_bohr"],
                                seconds=cached["seconds"]))
    expected = len(molecules) * args.structures
    if args.allow_partial:  # per molecule, the cached structures 0..j without gaps
        done = {(r["molecule"], r["structure"]) for r in records}
        records = [r for r in records if all((r["molecule"], j) in done for j in range(r["structure"] + 1))]
    elif len(records) != expected:
        sys.exit(f"{expected - len(records)} structures missing (sampling or reference incomplete)")
    if not records:
        sys.exit("nothing cached yet")
    records.sort(key=lambda r: (r["molecule"], r["structure"]))

    import ase
    import pyscf
    from .xtb import find_xtb
    per_molecule = {m["name"]: {"smiles": m["smiles"], "start_geometry": m["source"],
                                "structures": sum(r["molecule"] == i for r in records),
                                "md_steps_run": trajectories[m["name"]]["step"],
                                "driver_calls": trajectories[m["name"]]["driver_calls"],
                                "md_seconds": round(trajectories[m["name"]]["seconds"], 1),
                                "frames_with_changed_bond_graph": trajectories[m["name"]]["bond_changes"]}
                    for i, m in enumerate(molecules)}
    times = np.array([r["seconds"] for r in records])
    provenance = {
        "tool": TOOL, "tool_version": TOOL_VERSION, "kind": "computed",
        "command": command_line(argv), "created_utc": utc_now(),
        "molecule_list": str(args.molecules) if args.molecules else None, "xyz": args.xyz,
        "molecules": per_molecule, "structures_requested": args.structures,
        "sampling": dict(md, driver_description=sampling.DRIVERS[args.driver],
                         xtb_path=find_xtb() if args.driver == "gfn2-xtb" else None,
                         frame_rule="frame k = structure after equilibration_steps + k * stride MD steps"),
        "reference": dict(settings, program="PySCF", pyscf_version=pyscf.__version__,
                          grids=energy.grid_description(settings),
                          conv_tol_grad="PySCF default, sqrt(conv_tol)",
                          gradient="analytic nuclear gradient (pyscf.grad.rks), forces = -gradient",
                          scf_fallback="second-order SCF (mf.newton()) if DIIS does not converge",
                          omp_num_threads=os.environ.get("OMP_NUM_THREADS"),
                          note="PySCF >= 2.3 'b3lyp' uses VWN-RPA (VWN3) like Gaussian",
                          seconds_per_structure={"mean": float(times.mean()), "max": float(times.max())}),
        "ase_version": ase.__version__, "numpy_version": np.__version__,
        "generation_seconds_this_run": time.time() - started,
    }
    arrays = energy_store.assemble(
        [{"name": m["name"], "smiles": m["smiles"]} for m in molecules], records, provenance)
    energy_store.write(output, arrays)
    log(f"wrote {output}: {len(records)} structures, {output.stat().st_size / 1e6:.2f} MB")
    return {"structures": len(records), "computed": 0 if args.allow_partial else len(todo),
            "cached": len(plan) - len(todo), "md_steps": md_steps}
