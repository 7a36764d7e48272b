"""Local against long-range energy models on dimers whose monomers separate far beyond the cutoff
(issue 11, item 6): for each system of data/dimers/ (tools/make-dimer-dataset), two energy
models are trained on the random-orientation structures with `hamd train energy`: the local one
(power spectrum, cutoff 5 A) and the same plus a multi-scale family (local density x LODE
potential). Both are then evaluated, through a daemon serving them, on the fixed-orientation
curve that nothing trained on; the energy errors are reported by separation, relative to the
curve's far end so that a constant offset (per-species baselines) does not count, and as MAE
beyond the cutoff.

    python3 bench/long_range_dimers.py [--systems water-dimer,lif-dimer] [--threads 2]
        [--multi-scale "max_radial=2,max_angular=2"] [--out build/long-range]
        [--extra-training water-dimer=build/datasets/water-dimer-seed2.npz]

About 2-5 minutes on 2 cores. Prints one table per system and a summary line
"<system>: MAE beyond 5 A local X meV, multi-scale Y meV, ratio X/Y".
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))
sys.path.insert(0, str(ROOT / "tools"))

from dataset import energy_store  # noqa: E402
from serving import serve_models  # noqa: E402

CUTOFF = 5.0


def read_dimers(path):
    """The random structures of a dimer dataset as energy records, and its curve as
    (numbers, positions, energy eV, R)."""
    data = np.load(path, allow_pickle=False)
    separations = json.loads(str(data["provenance"]))["separations"]
    offsets = data["atom_offsets"]
    records, curve = [], []
    for s in range(len(data["energy"])):
        a, b = offsets[s], offsets[s + 1]
        numbers, positions = data["species"][a:b], data["positions"][a:b]
        if int(data["structure_molecule"][s]) == 0:
            records.append({"molecule": 0, "numbers": numbers, "positions": positions,
                            "energy_hartree": float(data["energy_hartree"][s]),
                            "forces_hartree_per_bohr": data["forces_hartree_per_bohr"][a:b]})
        else:
            curve.append((numbers, positions, float(data["energy"][s]), float(separations[s])))
    return records, curve


def split(path, out_dir, extra=()):
    """The random structures (plus those of the `extra` datasets of the same system, whose curves
    are not used) as a training dataset; the curve of `path` as (numbers, positions, energy eV, R)."""
    records, curve = read_dimers(path)
    for more in extra:
        records += read_dimers(more)[0]
    for k, record in enumerate(records):
        record["structure"] = k
    suffix = "-random" if not extra else f"-random-plus{len(extra)}"
    train = out_dir / (Path(path).stem + suffix + ".npz")
    provenance = {"tool": "bench/long_range_dimers.py", "source": str(path), "subset": "random orientations",
                  "extra_sources": [str(e) for e in extra]}
    energy_store.write(train, energy_store.assemble([{"name": Path(path).stem}], records, provenance))
    return train, curve


def train(data, model, threads, features=None):
    command = ["node", str(ROOT / "bin" / "hamd.js"), "train", "energy", "--data", str(data), "-o", str(model),
               "--cutoff", str(CUTOFF), "--max-radial", "4", "--max-angular", "3", "--validation-fraction", "0.2",
               "--seed", "1", "--threads", str(threads)]
    if features:
        command += ["--features", features]
    start = time.time()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.time() - start


def predict(models, curve, threads):
    """{name: [energy per curve point]} through one daemon serving every model."""
    with serve_models(models, threads) as client:
        return {name: [client.predict((z, x), outputs=("energy",), model=name)["energy"] for z, x, _, _ in curve]
                for name in models}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default="water-dimer,lif-dimer")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--multi-scale", default="max_radial=2,max_angular=2",
                        help="hyper-parameters of the multi-scale family (hamd train energy --features)")
    parser.add_argument("--out", default="build/long-range")
    parser.add_argument("--extra-training", action="append", default=[], metavar="SYSTEM=FILE",
                        help="more random structures for SYSTEM's training set from another dimer dataset of the same "
                             "system (e.g. made with another --seed; its curve is not used); repeatable")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    for system in args.systems.split(","):
        extra = [f.split("=", 1)[1] for f in args.extra_training if f.split("=", 1)[0] == system]
        train_set, curve = split(ROOT / "data" / "dimers" / f"{system}.npz", out, extra)
        models = {"local": out / f"{system}-local.npz", "multi-scale": out / f"{system}-multi-scale.npz"}
        seconds = {"local": train(train_set, models["local"], args.threads),
                   "multi-scale": train(train_set, models["multi-scale"], args.threads, f"multi-scale:{args.multi_scale}")}
        predicted = predict(models, curve, args.threads)
        reference = np.array([e for _, _, e, _ in curve])
        r = np.array([d for _, _, _, d in curve])
        far = int(np.argmax(r))
        print(f"\n{system}: trained on {train_set.name} ({len(np.load(train_set)['energy'])} random orientations); curve of {len(curve)} points; "
              f"training {seconds['local']:.0f} s (local), {seconds['multi-scale']:.0f} s (multi-scale)")
        print("| R (A) | reference E - E(far) (meV) | local error (meV) | multi-scale error (meV) |")
        print("|---:|---:|---:|---:|")
        errors = {}
        for name, values in predicted.items():
            v = np.array(values)
            errors[name] = (v - v[far]) - (reference - reference[far])
        for k in range(len(curve)):
            print(f"| {r[k]:.2f} | {1e3 * (reference[k] - reference[far]):.2f} | {1e3 * errors['local'][k]:.2f} | "
                  f"{1e3 * errors['multi-scale'][k]:.2f} |")
        beyond = r > CUTOFF
        mae = {name: 1e3 * float(np.abs(e[beyond]).mean()) for name, e in errors.items()}
        ratio = mae["local"] / mae["multi-scale"] if mae["multi-scale"] > 0 else float("inf")
        summary.append(f"{system}: MAE beyond {CUTOFF:g} A local {mae['local']:.2f} meV, multi-scale "
                       f"{mae['multi-scale']:.2f} meV, ratio {ratio:.1f}")
    print()
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
