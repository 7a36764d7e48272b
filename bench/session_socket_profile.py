"""Where a step over the session socket spends its time, from Python: building the request,
the round trip (send, daemon, receive) and decoding the result, with the generic protobuf path
and with the session's own codec (hamd.session_codec), in alternating blocks of steps; then the
daemon's own view (GetStatistics: queue, compute and total per step). Against a running daemon:

    python3 bench/session_socket_profile.py [ADDRESS] [--steps N]   (default: the per-user daemon)

System: aspirin (21 atoms, bench/session_systems.py), energy and forces, the default energy model.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "clients" / "python"), str(Path(__file__).resolve().parent)]

import hamd  # noqa: E402
from hamd._proto import hamd_pb2  # noqa: E402
from hamd.arrays import array_to_proto  # noqa: E402
from hamd.predict import structure_result  # noqa: E402
from hamd.session_codec import StepEncoder, step_result  # noqa: E402
from session_systems import systems  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", nargs="?", default=None)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    system = next(s for s in systems(False) if len(s["numbers"]) == 21)
    positions = np.asarray(system["positions"], dtype=np.float64)
    with hamd.connect(args.address) as client:
        with client.session((system["numbers"], positions), outputs=("energy", "forces"), transport="socket") as session:
            exchange = session._channel  # the socket exchange: its frames, timed piece by piece
            encoder = StepEncoder(len(positions))
            times = {"generic": [0.0, 0.0, 0.0], "codec": [0.0, 0.0, 0.0]}
            block = max(1, args.steps // 10)
            for k in range(2 * args.steps):
                path = "generic" if (k // block) % 2 == 0 else "codec"
                t0 = time.perf_counter()
                if path == "generic":
                    payload = hamd_pb2.SessionRequest(step=hamd_pb2.SessionStep(positions=array_to_proto(positions, "<f8"))).SerializeToString()
                else:
                    payload = encoder.encode(positions)
                t1 = time.perf_counter()
                exchange._connection.send([payload])
                data = bytes(exchange._connection.read_frame())
                t2 = time.perf_counter()
                prediction = hamd_pb2.SessionSocketFrame.FromString(data).response.result.prediction
                structure_result(prediction) if path == "generic" else step_result(prediction)
                t3 = time.perf_counter()
                for i, dt in enumerate((t1 - t0, t2 - t1, t3 - t2)):
                    times[path][i] += dt
            start = time.perf_counter()
            for _ in range(args.steps):
                session.step(positions)
            whole = (time.perf_counter() - start) / args.steps
        n = args.steps
        for path, (build, trip, decode) in times.items():
            print(f"Python, {path:7s}: build {1e6 * build / n:.1f} us, round trip {1e6 * trip / n:.1f} us, decode {1e6 * decode / n:.1f} us")
        print(f"session.step(): {1e6 * whole:.1f} us")
        for m in client.statistics()["methods"]:
            if m["method"] == "SessionStep" and m["success"]:
                k = m["success"]
                print(f"daemon ({m['model']}, {k} steps so far): queue {m['queue_us'] / k:.0f} us, compute {m['compute_us'] / k:.0f} us, "
                      f"message to answer {m['total_us'] / k:.0f} us per step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
