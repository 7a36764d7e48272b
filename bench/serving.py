"""A daemon of its own for a benchmark script: `with serve_models({"name": path}, threads) as
client:` starts `hamd serve` on a private Unix socket with only those models, waits until it
answers, yields a connected hamd.Client, and stops the daemon afterwards."""
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))

import hamd  # noqa: E402


@contextlib.contextmanager
def serve_models(models, threads=2):
    with tempfile.TemporaryDirectory() as directory:
        address = f"unix:{directory}/h.sock"
        command = ["node", str(ROOT / "bin" / "hamd.js"), "serve", "--listen", address, "--threads", str(threads),
                   "--no-models", "--log-level", "warn"]
        for name, path in models.items():
            command += ["--model", f"{name}={Path(path).resolve()}"]
        daemon = subprocess.Popen(command)
        try:
            for _ in range(300):
                try:
                    with hamd.connect(address, timeout=2) as probe:
                        probe.info()
                    break
                except hamd.HamdError:
                    time.sleep(0.1)
            with hamd.connect(address) as client:
                yield client
        finally:
            daemon.terminate()
            daemon.wait()
