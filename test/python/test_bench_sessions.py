"""bench/sessions.py --quick runs end to end: it starts its daemon and the Node worker, prints
both tables and reports no failed step. Timings are not asserted (shared, noisy CI machines).

The model is a tiny one trained here on 40 ethanol structures (seconds), so the benchmark does
not train its own default-sized model (minutes)."""
import subprocess
import sys

import numpy as np

from conftest import ROOT, require_addon

WORKER = ROOT / "dist" / "bench" / "session-inprocess.js"


def tiny_model(directory):
    """40 structures of data/ethanol-500K.npz (every array sliced consistently), small hypers."""
    full = np.load(ROOT / "data" / "ethanol-500K.npz")
    keep = 40
    atoms = int(full["atom_offsets"][keep])
    arrays = {}
    for name in full.files:
        value = full[name]
        if name == "atom_offsets":
            value = value[:keep + 1]
        elif value.ndim and value.shape[0] == len(full["energy"]):
            value = value[:keep]
        elif value.ndim and value.shape[0] == len(full["species"]):
            value = value[:atoms]
        arrays[name] = value
    data = directory / "ethanol-40.npz"
    np.savez(data, **arrays)
    model = directory / "tiny.npz"
    run = subprocess.run(["node", str(ROOT / "bin" / "hamd.js"), "train", "energy", "--data", str(data), "-o", str(model),
                          "--cutoff", "3.5", "--max-radial", "3", "--max-angular", "3", "--threads", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return model


def test_quick_session_benchmark_runs(tmp_path):
    require_addon()
    if not WORKER.exists():
        # bin/hamd.js needs dist/ too; a checkout whose dist/ predates the benchmark gets it here.
        subprocess.run(["node", str(ROOT / "node_modules" / "typescript" / "bin" / "tsc"), "-p", "tsconfig.json"],
                       cwd=ROOT, check=True)
    model = tiny_model(tmp_path)
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "sessions.py"), "--quick", "--model", str(model)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "| ethanol | 9 |" in out and "| water box (33 H2O) | 99 |" in out, out
    assert "| concurrent sessions (99 atoms) |" in out, out
    for sessions in (1, 8):
        assert f"\n| {sessions} | " in out, out
    assert "\nerrors: 0\n" in out, out
