"""tools/make-dataset on Dask: end to end on water and methane (cheap STO-3G in both "bases"),
Loewdin charges in the output, resuming after a deleted cache file, the order Dask runs the
tasks in, and a clear message for --scheduler without the 'distributed' package."""
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "make-dataset"
RDKIT_PYTHON = os.environ.get("HAMD_RDKIT_PYTHON", "/usr/bin/python3")

pytest.importorskip("pyscf", reason="tools/make-dataset needs PySCF")
pytest.importorskip("dask", reason="tools/make-dataset needs dask (pip install dask)")
pytest.importorskip("tqdm", reason="tools/make-dataset needs tqdm")


def rdkit_available():
    try:
        return subprocess.run([RDKIT_PYTHON, "-c", "import rdkit"], capture_output=True).returncode == 0
    except OSError:
        return False


needs_rdkit = pytest.mark.skipif(not rdkit_available(),
                                 reason=f"RDKit is not importable by {RDKIT_PYTHON} (python3-rdkit)")

CHEAP = ["--structures", "2", "--minimal-basis", "sto-3g", "--large-basis", "sto-3g",
         "--auxbasis", "weigend", "--embed", "4"]


def make_dataset(tmp_path, *extra):
    cmd = [sys.executable, str(TOOL), str(tmp_path / "molecules.txt"), "-o", str(tmp_path / "out.npz"),
           "--cache", str(tmp_path / "cache"), "--rdkit-python", RDKIT_PYTHON, *CHEAP, *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def counts(stderr):
    m = re.search(r"(\d+) cached, (\d+) to compute", stderr)
    assert m, stderr
    return int(m.group(1)), int(m.group(2))


def load(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


@needs_rdkit
def test_end_to_end_charges_and_resume(tmp_path):
    (tmp_path / "molecules.txt").write_text("water O\nmethane C\n")
    first = make_dataset(tmp_path, "--workers", "2")
    assert first.returncode == 0, first.stderr
    assert counts(first.stderr) == (0, 4)
    a = load(tmp_path / "out.npz")
    assert len(a["structure_molecule"]) == 4
    assert a["structure_molecule"].tolist() == [0, 0, 1, 1]

    charges = a["large_loewdin_charges"]
    assert charges.dtype == np.float64 and charges.shape == a["species"].shape
    off = a["atom_offsets"]
    for i in range(4):
        assert abs(charges[off[i]:off[i + 1]].sum()) < 1e-8
    oxygens = a["species"] == 8
    assert oxygens.sum() == 2 and np.all(charges[oxygens] < 0)
    # Here the "large" basis is the minimal one: every MO lies wholly in its span.
    character = a["large_minimal_character"]
    assert character.shape == a["large_mo_energies"].shape
    np.testing.assert_allclose(character, 1.0, rtol=0, atol=1e-8)

    sys.path.insert(0, str(ROOT / "tools"))
    from dataset.check import check
    _, failures = check(tmp_path / "out.npz")
    # Both "bases" are STO-3G here, so only the def2-TZVP-specific comparisons may fail.
    assert not [f for f in failures if "Loewdin" in f or "loewdin" in f], failures

    cached = sorted((tmp_path / "cache").glob("*/*.npz"))
    assert len(cached) == 4
    (tmp_path / "cache" / "water" / "001.npz").unlink()
    second = make_dataset(tmp_path, "--workers", "2")
    assert second.returncode == 0, second.stderr
    assert counts(second.stderr) == (3, 1)
    b = load(tmp_path / "out.npz")
    assert set(a) == set(b)
    for key in a:
        if key == "provenance" or key.endswith("_seconds"):
            continue
        if a[key].dtype.kind in "fiub":
            np.testing.assert_allclose(b[key], a[key], rtol=0, atol=1e-10, err_msg=key)
        else:
            assert np.array_equal(a[key], b[key]), key

    # Everything cached: nothing computed, and a run without the charges in the cache (an older
    # tool's files) still writes the file, leaving the optional array out with a warning.
    for path in cached:
        with np.load(path, allow_pickle=False) as f:
            old = {k: f[k] for k in f.files if k != "large_loewdin_charges"}
        np.savez(path, **old)
    third = make_dataset(tmp_path, "--allow-partial")
    assert third.returncode == 0, third.stderr
    assert counts(third.stderr) == (4, 0)
    assert "large_loewdin_charges is left out" in third.stderr
    c = load(tmp_path / "out.npz")
    assert "large_loewdin_charges" not in c and len(c["structure_molecule"]) == 4


def test_scheduler_without_distributed(tmp_path):
    try:
        import distributed  # noqa: F401
        pytest.skip("the 'distributed' package is installed; this checks the message without it")
    except ImportError:
        pass
    (tmp_path / "molecules.txt").write_text("water O\n")
    done = make_dataset(tmp_path, "--scheduler", "tcp://127.0.0.1:1")
    assert done.returncode != 0
    assert "--scheduler needs the 'distributed' package: pip install distributed" in done.stderr
    assert "Traceback" not in done.stderr


FAKE_DISTRIBUTED = """
# Stand-in for the 'distributed' package: the client side of tools/make-dataset --scheduler.
import sys, dask
log = open(sys.argv[sys.argv.index("-o") + 1] + ".scheduler-log", "w")

class Future:
    def __init__(self, task):
        self.key = task.key
        self.value = dask.compute(task, scheduler="synchronous")[0]
    def result(self):
        return self.value
    def release(self):
        log.write(f"released {self.key}\\n")

class Client:
    def __init__(self, address, timeout=None):
        log.write(f"connected {address}\\n")
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        log.write("closed\\n")
    def compute(self, tasks):
        return [Future(t) for t in tasks]

def as_completed(futures):
    return iter(futures[::-1])
"""


@needs_rdkit
def test_scheduler_path_with_a_stand_in_client(tmp_path):
    """--scheduler: tasks go through Client.compute, results come back (write=False) and the client
    writes its own cache, so workers need no shared file system. The stand-in runs them here."""
    fake = tmp_path / "fake"
    (fake / "distributed").mkdir(parents=True)
    (fake / "distributed" / "__init__.py").write_text(FAKE_DISTRIBUTED)
    (tmp_path / "molecules.txt").write_text("water O\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, str(TOOL), str(tmp_path / "molecules.txt"), "-o", str(tmp_path / "out.npz"),
           "--cache", str(tmp_path / "cache"), "--rdkit-python", RDKIT_PYTHON, *CHEAP,
           "--scheduler", "tcp://example:8786"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert counts(done.stderr) == (0, 2)
    log = (tmp_path / "out.npz.scheduler-log").read_text().splitlines()
    assert log[0] == "connected tcp://example:8786" and log[-1] == "closed"
    assert sum(line.startswith("released hamd-structure-") for line in log) == 2
    assert len(list((tmp_path / "cache" / "water").glob("*.npz"))) == 2
    a = load(tmp_path / "out.npz")
    assert len(a["structure_molecule"]) == 2 and a["large_loewdin_charges"][0] < 0


def test_tasks_run_in_plan_order():
    """Round-major, cheapest-first order survives Dask: its local scheduler runs independent
    ready tasks in the order dask.order gives them."""
    import dask
    from dask.callbacks import Callback
    from dask.order import order

    loader = importlib.machinery.SourceFileLoader("make_dataset", str(TOOL))
    spec = importlib.util.spec_from_loader("make_dataset", loader)
    tool = importlib.util.module_from_spec(spec)
    loader.exec_module(tool)

    todo = [({"name": f"m{i}", "structure": 0}, {}, f"{i:064x}", None) for i in range(25)]
    tasks = tool.structure_tasks(todo)
    keys = [t.key for t in tasks]
    graph = dict(dask.base.collections_to_expr(tasks).__dask_graph__()) \
        if hasattr(dask.base, "collections_to_expr") else dict(dask.base.collections_to_dsk(tasks))
    priority = order(graph)
    ranks = [getattr(priority[k], "priority", priority[k]) for k in keys]
    assert ranks == sorted(ranks)

    # The synchronous scheduler (--workers 1) in the same order, with stand-in tasks.
    ran = []

    class Record(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            ran.append(key)

    stand_ins = [dask.delayed(lambda i: i, pure=False)(i, dask_key_name=k) for i, k in enumerate(keys)]
    with Record():
        dask.compute(*stand_ins, scheduler="synchronous")
    assert ran == keys
