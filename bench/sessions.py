"""Simulation-session benchmark (issue 7 item 9): per-step wall time of a streaming Session from
Python over a Unix socket against the same evaluation in process, and the throughput of
concurrent sessions. Results and conditions: docs/performance.md, "Simulation sessions".

    npx tsc -p tsconfig.json && python3 bench/sessions.py [--model PATH] [--threads N] [--quick]

It starts its own daemon (`hamd serve --no-models --model bench=PATH`) on a temporary Unix
socket, and a Node worker (dist/bench/session-inprocess.js) that evaluates the same frames with
the addon's EnergySession directly (the in-process baseline) and through the Node client. The
three paths run interleaved, round by round, so that background load hits them alike; figures
are medians over all timed steps. The first step of every session (neighbour list from scratch)
is not timed. Outputs: energy and forces, eV.
"""
import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hamd  # noqa: E402
from session_systems import systems, trajectory, water_box  # noqa: E402

MODEL_NAME = "bench"
SKIN = 0.5
WORKER = ROOT / "dist" / "bench" / "session-inprocess.js"
# Steps per session and rounds: sized so each size takes well under a minute on 2 loaded cores.
# (The default model needs ~60 ms a step for 99 atoms and ~0.7 s for 999 on a loaded 2-core machine.)
FULL = dict(steps={9: 400, 21: 400, 99: 100, 999: 20}, rounds=4, sessions=(1, 2, 8, 32), throughput_steps=40)
QUICK = dict(steps={9: 20, 99: 4}, rounds=2, sessions=(1, 8), throughput_steps=4)
DESCRIPTOR_HYPERS = ("cutoff", "cutoff_width", "max_radial", "max_angular", "density_width", "center_atom_weight")


def train_model(directory: Path, threads: int) -> Path:
    output = directory / "e.npz"
    command = ["node", str(ROOT / "bin" / "hamd.js"), "train", "energy", "--data", str(ROOT / "data" / "ethanol-500K.npz"),
               "-o", str(output), "--threads", str(threads), "--max-radial", "5", "--max-angular", "4"]
    print(f"no models/default-energy.npz: training a small model ({' '.join(command[1:])})", flush=True)
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return output


def start_daemon(directory: Path, model: Path, threads: int) -> "tuple[subprocess.Popen, str]":
    address = f"unix:{directory / 'hamd.sock'}"
    log = open(directory / "hamd.log", "w")
    env = {k: v for k, v in os.environ.items() if k != "HAMD_ADDRESS"}
    process = subprocess.Popen(
        ["node", str(ROOT / "bin" / "hamd.js"), "serve", "--listen", address, "--no-models",
         "--model", f"{MODEL_NAME}={model}", "--threads", str(threads), "--max-sessions", "64"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daemon exited: {(directory / 'hamd.log').read_text()[-2000:]}")
        try:
            with hamd.connect(address, timeout=2) as client:
                if any(m["state"] == "ready" for m in client.models() if m["name"] == MODEL_NAME):
                    return process, address
        except hamd.HamdError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("daemon did not serve the model within 60 s")


class Worker:
    """The Node side (bench/session-inprocess.ts): one JSON request and answer a line."""

    def __init__(self, model: Path, threads: int) -> None:
        self.process = subprocess.Popen(["node", str(WORKER), "--model", str(model), "--threads", str(threads)],
                                        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.metadata = self._read()["metadata"]

    def _read(self) -> Dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the Node worker exited ({self.process.wait()})")
        return json.loads(line)

    def run(self, **request) -> Dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def python_session(client: "hamd.Client", system: Dict, frames: np.ndarray, transport: str = "socket") -> Dict:
    timings: Dict = {"wall_us": [], "compute_us": [], "rebuilds": 0}
    atoms = (system["numbers"], frames[0], system["cell"], system["pbc"])
    with client.session(atoms, outputs=("energy", "forces"), model=MODEL_NAME, skin=SKIN, transport=transport) as session:
        for k, positions in enumerate(frames):
            start = time.perf_counter_ns()
            result = session.step(positions)
            wall = (time.perf_counter_ns() - start) / 1e3
            if k == 0:
                continue
            timings["wall_us"].append(wall)
            timings["compute_us"].append(result["compute_us"])
            timings["rebuilds"] += result["neighbors_rebuilt"]
    return timings


def latency(address: str, worker: Worker, plan: Dict, quick: bool, directory: Path) -> List[Dict]:
    rows = []
    with hamd.connect(address, timeout=120) as client:
        for index, system in enumerate(systems(quick)):
            n = len(system["numbers"])
            steps = plan["steps"][n]
            frames = trajectory(system["positions"], steps + 1, seed=index)
            frames_file = directory / f"frames-{n}.f64"
            frames.astype("<f8").tofile(frames_file)
            request = dict(numbers=list(system["numbers"]), cell=system["cell"].ravel().tolist(), pbc=system["pbc"],
                           frames=str(frames_file), steps=steps + 1, skin=SKIN, address=address, model=MODEL_NAME)
            modes = ("inprocess", "python", "python-grpc", "node")
            runs: Dict[str, Dict] = {m: {"wall_us": [], "compute_us": [], "rebuilds": 0} for m in modes}
            for r in range(plan["rounds"]):
                # Rotate the order every round so that no path always runs first (or last) after a pause.
                order = list(modes)
                order = order[r % len(order):] + order[:r % len(order)]
                for mode in order:
                    if mode == "python":  # the session socket (docs/sessions.md, framed transport)
                        got = python_session(client, system, frames, "socket")
                    elif mode == "python-grpc":
                        got = python_session(client, system, frames, "grpc")
                    else:
                        got = worker.run(mode="inprocess" if mode == "inprocess" else "node-client", **request)
                    for key in ("wall_us", "compute_us"):
                        runs[mode][key] += got[key]
                    runs[mode]["rebuilds"] += got["rebuilds"]
            median = {m: statistics.median(v["wall_us"]) for m, v in runs.items()}
            # Wall time beyond the native step's own compute_us, per step: the serving cost
            # without the compute, whose noise under background load swamps the difference of
            # the medians for large systems.
            beyond = {m: statistics.median(w - c for w, c in zip(v["wall_us"], v["compute_us"])) for m, v in runs.items()}
            rows.append(dict(
                system=system["label"], atoms=n, steps=len(runs["python"]["wall_us"]),
                inprocess_us=median["inprocess"], python_us=median["python"], node_us=median["node"],
                python_grpc_us=median["python-grpc"], beyond_grpc_us=beyond["python-grpc"] - beyond["inprocess"],
                daemon_compute_us=statistics.median(runs["python"]["compute_us"]),
                beyond_compute_us=beyond["python"] - beyond["inprocess"],
                inprocess_compute_us=statistics.median(runs["inprocess"]["compute_us"]),
                rebuilds_per_100=100 * runs["python"]["rebuilds"] / len(runs["python"]["wall_us"]),
            ))
            print(f"  {system['label']}: done", flush=True)
    return rows


def _throughput_session(address: str, steps: int, barrier, results) -> None:
    """One concurrent client (its own process and channel): opens a session on the ~100-atom box,
    waits for all the others, then times `steps` steps."""
    numbers, positions, cell = water_box(33)
    frames = trajectory(positions, steps + 1, seed=os.getpid())
    errors, done, step_us = 0, 0, []
    start = end = time.monotonic()
    try:
        with hamd.connect(address, timeout=300) as client:
            with client.session((numbers, frames[0], cell, [True] * 3), outputs=("energy", "forces"),
                                model=MODEL_NAME, skin=SKIN) as session:
                session.step(frames[0])
                barrier.wait(timeout=300)
                start = time.monotonic()
                for positions in frames[1:]:
                    t = time.perf_counter_ns()
                    try:
                        session.step(positions)
                        done += 1
                    except hamd.HamdError:
                        errors += 1
                    step_us.append((time.perf_counter_ns() - t) / 1e3)
                end = time.monotonic()
    except Exception as error:  # an open that fails counts as an error; the parent reports it
        errors += 1
        print(f"session process failed: {error!r}", file=sys.stderr)
        barrier.abort()
    results.put(dict(start=start, end=end, steps=done, errors=errors, step_us=step_us))


def throughput(address: str, plan: Dict) -> List[Dict]:
    context = multiprocessing.get_context("spawn")   # fresh processes: no gRPC state inherited by fork
    rows = []
    for count in plan["sessions"]:
        barrier, results = context.Barrier(count), context.Queue()
        processes = [context.Process(target=_throughput_session, args=(address, plan["throughput_steps"], barrier, results))
                     for _ in range(count)]
        for p in processes:
            p.start()
        got = [results.get(timeout=900) for _ in processes]
        for p in processes:
            p.join()
        steps = sum(g["steps"] for g in got)
        span = max(g["end"] for g in got) - min(g["start"] for g in got)
        all_us = [t for g in got for t in g["step_us"]]
        rows.append(dict(sessions=count, steps=steps, errors=sum(g["errors"] for g in got),
                         steps_per_s=steps / span if span > 0 else 0.0,
                         median_step_us=statistics.median(all_us) if all_us else float("nan")))
        print(f"  {count} sessions: done", flush=True)
    return rows


def print_tables(model: Path, trained: bool, metadata: Dict, threads: int, latency_rows: List[Dict], throughput_rows: List[Dict]) -> None:
    extra = metadata.get("extra", {})
    hypers = {k: v for k, v in extra.get("hyper_parameters", {}).items() if k in DESCRIPTOR_HYPERS}
    print(f"\nmodel: {model}{' (trained by this run)' if trained else ''}; kind {metadata['kind']}, species {metadata['species']}, "
          f"cutoff {metadata['cutoff']} A")
    print(f"hypers: {json.dumps(hypers, sort_keys=True)}")
    print(f"daemon and in-process engine: --threads {threads}; skin {SKIN} A; outputs energy, forces; "
          f"load average at the end {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n")
    print("| system | atoms | timed steps | in process µs/step | session from Python (socket) µs/step | overhead µs | overhead % of compute "
          "| overhead beyond compute µs (% of compute) | Python over gRPC µs/step (beyond compute) | Node client (gRPC) µs/step "
          "| compute_us in process / daemon | list rebuilds /100 steps |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in latency_rows:
        overhead = r["python_us"] - r["inprocess_us"]
        print(f"| {r['system']} | {r['atoms']} | {r['steps']} | {r['inprocess_us']:.0f} | {r['python_us']:.0f} | {overhead:.0f} "
              f"| {100 * overhead / r['inprocess_us']:.0f} % | {r['beyond_compute_us']:.0f} ({100 * r['beyond_compute_us'] / r['inprocess_us']:.1f} %) "
              f"| {r['python_grpc_us']:.0f} ({r['beyond_grpc_us']:.0f}) | {r['node_us']:.0f} "
              f"| {r['inprocess_compute_us']:.0f} / {r['daemon_compute_us']:.0f} | {r['rebuilds_per_100']:.1f} |")
    print("\n| concurrent sessions (99 atoms) | steps | errors | aggregate steps/s | median µs/step |")
    print("|---:|---:|---:|---:|---:|")
    for r in throughput_rows:
        print(f"| {r['sessions']} | {r['steps']} | {r['errors']} | {r['steps_per_s']:.0f} | {r['median_step_us']:.0f} |")
    print(f"\nerrors: {sum(r['errors'] for r in throughput_rows)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="energy model file (default models/default-energy.npz, else one trained here)")
    parser.add_argument("--threads", type=int, default=2, help="compute threads of the daemon and of the in-process engine")
    parser.add_argument("--quick", action="store_true", help="a few seconds: few steps, 9 and 99 atoms, 1 and 8 sessions")
    args = parser.parse_args()
    if not WORKER.exists():
        print(f"{WORKER} is missing: run `npx tsc -p tsconfig.json` first", file=sys.stderr)
        return 2
    plan = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="hamd-bench-") as tmp:
        directory = Path(tmp)
        trained = False
        model = Path(args.model) if args.model else ROOT / "models" / "default-energy.npz"
        if not args.model and not model.exists():
            model, trained = train_model(directory, args.threads), True
        daemon, address = start_daemon(directory, model.resolve(), args.threads)
        worker = Worker(model.resolve(), args.threads)
        try:
            print(f"per-step latency ({plan['rounds']} interleaved rounds):", flush=True)
            latency_rows = latency(address, worker, plan, args.quick, directory)
            print("throughput:", flush=True)
            throughput_rows = throughput(address, plan)
        finally:
            worker.close()
            daemon.terminate()
            daemon.wait(timeout=30)
        print_tables(model, trained, worker.metadata, args.threads, latency_rows, throughput_rows)
    return 1 if any(r["errors"] for r in throughput_rows) else 0


if __name__ == "__main__":
    sys.exit(main())
