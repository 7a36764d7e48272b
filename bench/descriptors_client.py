"""The Python client's side of bench/descriptors.ts: best time per atom of client.descriptors()
for one data set, with the arrays in the gRPC message and in a registered shared-memory region
(docs/shared-memory.md), against a running daemon; on a TCP daemon, the streamed answer only.
Prints one JSON line.

    python3 bench/descriptors_client.py ADDRESS FILE.xyz [--gradients positions] [--repeats N]
        [--hypers JSON]

Timed: the whole call, from the structures to the returned arrays (the shared-memory answer's
arrays are views; the message answer's are decoded from the message), best of N after one
warm-up call per transport (which sizes the client's region).
"""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))

import ase.io  # noqa: E402
import hamd  # noqa: E402


def best_us_per_atom(call, atoms: int, repeats: int) -> float:
    call()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
        del result  # the region is free again for the next call
    return 1e6 * best / atoms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address")
    parser.add_argument("xyz")
    parser.add_argument("--gradients", default="")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--shared-memory-only", action="store_true", help="skip the message figure (later rounds)")
    parser.add_argument("--hypers", default='{"cutoff": 5, "cutoff_width": 0.5, "max_radial": 7, "max_angular": 6, '
                                            '"density_width": 0.3, "center_atom_weight": 1}')
    args = parser.parse_args()
    frames = ase.io.read(args.xyz, ":")
    atoms = sum(len(f) for f in frames)
    hypers = json.loads(args.hypers)
    gradients = [args.gradients] if args.gradients else []
    with hamd.connect(args.address, timeout=600) as client:
        def call(shared):
            return lambda: client.descriptors(frames, kind="power-spectrum", gradients=gradients, shared_memory=shared, **hypers)
        # On a TCP daemon the client streams the answer (ComputeDescriptorsStream): that is the
        # "message" figure there, and shared memory does not apply.
        out = {"atoms": atoms}
        if not (args.shared_memory_only and client.is_unix_socket):
            out["message_us_per_atom"] = best_us_per_atom(call(False), atoms, args.repeats)
        if client.is_unix_socket:
            out["shared_memory_us_per_atom"] = best_us_per_atom(call(True), atoms, args.repeats)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
