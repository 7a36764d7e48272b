"""Per-call time of the Python client's unary calls: gRPC vs the framed socket (docs/sessions.md,
"Framed calls"), on one daemon in one run.

    python3 bench/unary_transports.py [--address unix:/path] [--calls 400]

Without --address a daemon is started on a temporary socket (--no-models, 1 compute thread).
Prints, per call kind, the median and p99 microseconds of each transport and the ratio
framed / gRPC. The calls alternate between the transports in blocks of 20, so a slow spell of
the machine weighs on both alike.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))
import hamd  # noqa: E402
from hamd._proto import hamd_pb2  # noqa: E402


def water(n):
    positions, numbers = [], []
    side = int(np.ceil(n ** (1 / 3)))
    for i in range(n):
        a, b, c = 3.1 * (i % side), 3.1 * ((i // side) % side), 3.1 * (i // side // side)
        positions += [[a, b, c + 0.12], [a, b + 0.75, c - 0.46], [a, b - 0.77, c - 0.47]]
        numbers += [8, 1, 1]
    return (numbers, np.array(positions))


def start_daemon(directory):
    address = f"unix:{directory}/hamd.sock"
    log = open(Path(directory) / "hamd.log", "w")
    process = subprocess.Popen(["node", str(ROOT / "bin" / "hamd.js"), "serve", "--listen", address, "--no-models",
                                "--threads", "1", "--log-level", "error"], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        if os.path.exists(f"{directory}/hamd.sock.sessions"):
            return process, address
        time.sleep(0.05)
    process.kill()
    raise SystemExit("the daemon did not start; see " + str(Path(directory) / "hamd.log"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address")
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="hamd-bench-")
    process = None
    address = args.address
    if address is None:
        process, address = start_daemon(directory)
    try:
        os.environ["HAMD_CALL_TRANSPORT"] = "grpc"
        grpc_client = hamd.connect(address)
        del os.environ["HAMD_CALL_TRANSPORT"]
        framed_client = hamd.connect(address)
        framed_client.info()
        kinds = {
            "GetServerInfo": lambda c: c.info(),
            "descriptors, 1 water (3 atoms)": lambda c: c.descriptors(water(1), max_radial=4, max_angular=3, cutoff=4.0),
            "descriptors, 64 waters (192 atoms)": lambda c: c.descriptors(water(64), max_radial=6, max_angular=4, cutoff=5.0),
        }
        print("| call | gRPC median us | gRPC p99 us | framed median us | framed p99 us | framed / gRPC (median) |")
        print("|---|---|---|---|---|---|")
        for name, call in kinds.items():
            times = {"grpc": [], "framed": []}
            for client in (grpc_client, framed_client):
                for _ in range(10):
                    call(client)  # warm-up: caches, regions, connections
            assert framed_client._framed is not None and grpc_client._framed is None
            for block in range(max(1, args.calls // 20)):
                for label, client in (("grpc", grpc_client), ("framed", framed_client))[::(1 if block % 2 == 0 else -1)]:
                    for _ in range(20):
                        start = time.perf_counter()
                        call(client)
                        times[label].append(1e6 * (time.perf_counter() - start))
            g, f = np.array(times["grpc"]), np.array(times["framed"])
            print(f"| {name} | {np.median(g):.0f} | {np.percentile(g, 99):.0f} | {np.median(f):.0f} | "
                  f"{np.percentile(f, 99):.0f} | {np.median(f) / np.median(g):.2f} |")
        grpc_client.close()
        framed_client.close()
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
