"""bench/concurrency.py runs end to end against the test daemon: 1 and 2 client processes with the
mixed requests, a table row per level and kind, and no failed request. Timings are not asserted
(shared, noisy CI machines)."""
import subprocess
import sys

from conftest import ROOT


def test_concurrency_benchmark_runs(daemon_address, tmp_path):
    report = tmp_path / "concurrency.json"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "concurrency.py"), daemon_address, "--clients", "1,2",
                          "--seconds", "1", "--warmup", "0.5", "--json", str(report)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert out.startswith("command: ") and "\nmachine: nproc " in out, out
    for clients in (1, 2):
        for kind in ("descriptors", "predict", "session", "all"):
            row = next((line for line in out.splitlines() if line.startswith(f"| {clients} | {kind} | ")), None)
            assert row is not None, out
            requests, errors = row.split(" | ")[2:4]
            assert int(requests) > 0 and errors == "0", row
    assert "\nfailed requests: 0\n" in out, out
    assert report.exists()
