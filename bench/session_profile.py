"""Where a Python session step's time goes (bench/sessions.py measures the total): simple timers
around the phases of hamd.session.Session.step, for one small molecule (ethanol or aspirin), against a daemon this
script starts (same as bench/sessions.py).

    python3 bench/session_profile.py --model PATH [--steps N] [--system ethanol|aspirin]

Phases per step (10th percentile, median, 90th, µs):
  build     positions -> SessionRequest (array_to_proto, message construction)
  handoff   the request queued by the caller until gRPC's request-iterator thread takes it
  exchange  queued -> response returned by next(responses) (includes handoff, transport, daemon)
  decode    SessionResult -> dict (structure_result)
  daemon    compute_us reported by the daemon (the native step alone)
and a plain unary GetServerInfo round trip for scale (a gRPC call with no work behind it).
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sessions as bench  # noqa: E402  (also puts clients/python on sys.path)
import hamd  # noqa: E402
from hamd import session as session_module  # noqa: E402
from hamd._proto import hamd_pb2  # noqa: E402
from session_systems import ETHANOL, aspirin, trajectory  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--system", choices=("ethanol", "aspirin"), default="ethanol")
    args = parser.parse_args()
    numbers, positions = (ETHANOL[0], np.array(ETHANOL[1])) if args.system == "ethanol" else aspirin()
    frames = trajectory(positions, args.steps + 1, seed=0)
    taken: list = []
    # Timestamps where gRPC's sender thread takes each request from the session's queue.
    original_next = session_module._Requests.__next__

    def timed_next(self):
        message = original_next(self)
        taken.append(time.perf_counter_ns())
        return message

    session_module._Requests.__next__ = timed_next
    phases = {k: [] for k in ("build", "handoff", "exchange", "decode", "total", "daemon", "unary")}
    with tempfile.TemporaryDirectory(prefix="hamd-profile-") as tmp:
        daemon, address = bench.start_daemon(Path(tmp), Path(args.model).resolve(), args.threads)
        try:
            with hamd.connect(address, timeout=60) as client:
                session = client.session((numbers, frames[0]), outputs=("energy", "forces"), model=bench.MODEL_NAME)
                for k, x in enumerate(frames):
                    t0 = time.perf_counter_ns()
                    step = hamd_pb2.SessionStep(positions=session_module.array_to_proto(np.asarray(x, dtype=np.float64), "<f8"))
                    request = hamd_pb2.SessionRequest(step=step)
                    t1 = time.perf_counter_ns()
                    reply = session._exchange(request).result
                    t2 = time.perf_counter_ns()
                    result = session_module.structure_result(reply.prediction)
                    result.update(step=int(reply.step), neighbors_rebuilt=bool(reply.neighbors_rebuilt), compute_us=reply.compute_us)
                    t3 = time.perf_counter_ns()
                    if k == 0:
                        continue
                    phases["build"].append((t1 - t0) / 1e3)
                    phases["handoff"].append((taken[-1] - t1) / 1e3)
                    phases["exchange"].append((t2 - t1) / 1e3)
                    phases["decode"].append((t3 - t2) / 1e3)
                    phases["total"].append((t3 - t0) / 1e3)
                    phases["daemon"].append(reply.compute_us)
                session.close()
                for _ in range(500):
                    t0 = time.perf_counter_ns()
                    client.info()
                    phases["unary"].append((time.perf_counter_ns() - t0) / 1e3)
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
    print(f"{args.system} ({len(numbers)} atoms), {args.steps} steps, energy+forces; µs:")
    print(f"  {'phase':9s} {'p10':>8s} {'median':>8s} {'p90':>8s}")
    for name, values in phases.items():
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        print(f"  {name:9s} {p10:8.0f} {p50:8.0f} {p90:8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
