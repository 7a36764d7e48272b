"""Concurrency benchmark (issue 9 item 7): requests per second and p99 latency for 1, 8, 32 and 64
concurrent clients of one daemon.

    npx tsc -p tsconfig.json && python3 bench/concurrency.py [ADDRESS] [--clients 1,8,32,64] [--seconds 10]
        [--warmup 1] [--mix mixed|descriptors|predict|session] [--threads T] [--json OUT]

Without ADDRESS it starts its own daemon (`hamd serve --listen unix:DIR/h.sock --threads T`, T
default: the number of cores) on a temporary Unix socket; the daemon loads the package's models/
(default-energy: H C O; default-hamiltonian). With ADDRESS it uses the daemon running there (its
RSS is then not sampled).

Each concurrency level runs that many client processes (spawn context, each with its own
hamd.connect channel). Every client loops over a fixed sequence of requests, seeded by its index:
ComputeDescriptors (power spectrum of ethanol), Predict (energy and forces, the daemon's default
energy model) and turns of SESSION_TURN steps of a simulation session (one session per client,
opened before the clock starts), all on seeded perturbations of ethanol; --mix restricts it to one
kind. All clients start together, warm up for --warmup seconds, then time --seconds. Latency is
measured by the client (perf_counter) per request; a session step counts as one request.
Requests/s: the requests sent and answered within the timed window (one for all clients), over its
length.

Errors (warm-up included) are counted by gRPC code, and any fails the run (exit status 1). The
Python client retries a busy daemon's refusals (RESOURCE_EXHAUSTED "busy: ...") by itself: those
are not errors, and the table counts them apart ("busy (retried)": the daemon's RESOURCE_EXHAUSTED
answers during the level, from GetStatistics, less those a client saw as errors; a running
daemon's other clients would count too).
"""
import argparse
import json
import multiprocessing
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hamd  # noqa: E402
from session_systems import ETHANOL, trajectory  # noqa: E402

KINDS = ("descriptors", "predict", "session")
SESSION_TURN = 20            # session steps per turn of the request sequence
SEQUENCE_LENGTH = 30         # requests in each client's sequence (a mixed one: 10 of each kind)
GEOMETRIES = 16              # seeded perturbations of ethanol per client
# The descriptor hypers of docs/performance.md's descriptor benchmark.
HYPERS = dict(cutoff=5.0, max_radial=7, max_angular=6, density_width=0.3)
SPECIES = [1, 6, 8]
CALL_TIMEOUT_S = 60.0        # per call, busy retries included
START_TIMEOUT_S = 60.0       # for the daemon started here to answer


# ---------------------------------------------------------------- the daemon

def start_daemon(directory: Path, threads: int) -> Tuple[subprocess.Popen, str]:
    """`hamd serve` on DIR/h.sock with the package's models; returns once it answers."""
    address = f"unix:{directory / 'h.sock'}"
    log_path = directory / "hamd.log"
    env = {k: v for k, v in os.environ.items() if k not in ("HAMD_ADDRESS", "HAMD_MODELS")}
    with open(log_path, "w") as log:
        process = subprocess.Popen(["node", str(ROOT / "bin" / "hamd.js"), "serve", "--listen", address,
                                    "--threads", str(threads)],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daemon exited: {log_path.read_text()[-2000:]}")
        if (directory / "h.sock").exists():
            try:
                with hamd.connect(address, timeout=2) as client:
                    client.info()
                    return process, address
            except hamd.HamdError:
                pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"daemon did not answer within {START_TIMEOUT_S:.0f} s")


def require_energy_model(address: str, kinds: Tuple[str, ...]) -> None:
    """Predict and sessions use the daemon's default energy model: it must have one ready."""
    if set(kinds) & {"predict", "session"}:
        with hamd.connect(address, timeout=10) as client:
            if not any(m["kind"] == "energy" and m["state"] == "ready" for m in client.models()):
                raise SystemExit(f"{address} serves no energy model (predict and session requests need one)")


def rss_mb(pid: Optional[int]) -> Optional[float]:
    """VmRSS of process `pid` in MB (None without a pid)."""
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def busy_refusals(address: str) -> int:
    """RESOURCE_EXHAUSTED answers the daemon has given so far, to any client (GetStatistics)."""
    with hamd.connect(address, timeout=10) as client:
        return sum(m["failure_codes"].get("RESOURCE_EXHAUSTED", 0) for m in client.statistics()["methods"])


# ---------------------------------------------------------------- the clients

def request_sequence(kinds: Tuple[str, ...], seed: int) -> List[Tuple[str, int]]:
    """A client's fixed sequence of (kind, geometry index): equal counts of each kind, seeded order."""
    rng = np.random.default_rng(seed)
    sequence = [(kinds[k % len(kinds)], int(rng.integers(GEOMETRIES))) for k in range(SEQUENCE_LENGTH)]
    return [sequence[k] for k in rng.permutation(len(sequence))]


def geometries(seed: int) -> np.ndarray:
    """[GEOMETRIES, 9, 3]: ethanol with seeded thermal-like displacements (0.05 A rms)."""
    rng = np.random.default_rng(seed)
    return np.array(ETHANOL[1])[None] + rng.normal(scale=0.05, size=(GEOMETRIES, len(ETHANOL[0]), 3))


def session_frames(seed: int) -> np.ndarray:
    """A seeded MD-like walk there and back, so that looping over it never jumps."""
    frames = trajectory(np.array(ETHANOL[1]), 5 * SESSION_TURN, seed=seed)
    return np.concatenate([frames, frames[::-1]])


class Requests:
    """One client's requests: each call runs one kind and returns (monotonic end, latency s) per
    request it made."""

    def __init__(self, client: "hamd.Client", seed: int) -> None:
        self.client = client
        self.geometries = geometries(seed)
        self.frames = session_frames(seed)
        self.frame = 0
        self.session = None

    @staticmethod
    def timed(call, *args, **kwargs) -> Tuple[float, float]:
        start = time.perf_counter()
        call(*args, **kwargs)
        latency = time.perf_counter() - start
        return time.monotonic(), latency

    def descriptors(self, geometry: int) -> List[Tuple[float, float]]:
        return [self.timed(self.client.descriptors, (ETHANOL[0], self.geometries[geometry]), kind="power-spectrum",
                           species=SPECIES, **HYPERS)]

    def predict(self, geometry: int) -> List[Tuple[float, float]]:
        return [self.timed(self.client.predict, (ETHANOL[0], self.geometries[geometry]), outputs=("energy", "forces"))]

    def open_session(self) -> None:
        self.session = self.client.session((ETHANOL[0], self.frames[0]), outputs=("energy", "forces"),
                                           reconnect_timeout=0)

    def session_turn(self, _geometry: int) -> List[Tuple[float, float]]:
        """SESSION_TURN steps; a failed step drops the session (the next turn opens another)."""
        if self.session is None:
            self.open_session()
        steps = []
        try:
            for _ in range(SESSION_TURN):
                self.frame = (self.frame + 1) % len(self.frames)
                steps.append(self.timed(self.session.step, self.frames[self.frame]))
        except hamd.HamdError:
            self.session.abort()
            self.session = None
            raise
        return steps

    def run(self, kind: str, geometry: int) -> List[Tuple[float, float]]:
        return {"descriptors": self.descriptors, "predict": self.predict, "session": self.session_turn}[kind](geometry)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def error_name(error: "hamd.HamdError") -> str:
    """The gRPC code's name; a busy refusal that outlived the client's retries is told apart."""
    busy = error.code.name == "RESOURCE_EXHAUSTED" and error.message.startswith("busy:")
    return "RESOURCE_EXHAUSTED (busy)" if busy else error.code.name


def client_process(address: str, index: int, kinds: Tuple[str, ...], warmup: float, seconds: float,
                   barrier, level_start, results) -> None:
    """One client: connects, opens its session, waits for the others, then runs its sequence
    through the level's warm-up and timed window (from the shared `level_start`, so that a client
    scheduled late does not shift it); puts {latencies: {kind: [s]}, errors: {kind: {code: n}},
    fatal}: the latencies of the requests answered within the timed window."""
    latencies: Dict[str, List[float]] = {k: [] for k in kinds}
    errors: Dict[str, Counter] = {k: Counter() for k in kinds}
    fatal = None
    try:
        with hamd.connect(address, timeout=CALL_TIMEOUT_S) as client:
            requests = Requests(client, seed=index)
            if "session" in kinds:
                requests.open_session()
            sequence = request_sequence(kinds, seed=index)
            barrier.wait(timeout=300)
            with level_start.get_lock():   # CLOCK_MONOTONIC: one clock for every process
                if level_start.value == 0.0:
                    level_start.value = time.monotonic()
            start = level_start.value + warmup
            stop = start + seconds
            k = 0
            while time.monotonic() < stop:
                kind, geometry = sequence[k % len(sequence)]
                k += 1
                try:
                    got = requests.run(kind, geometry)
                except hamd.HamdError as error:  # counted in the warm-up too
                    errors[kind][error_name(error)] += 1
                    continue
                latencies[kind] += [latency for end, latency in got if start <= end - latency and end <= stop]
            requests.close()
    except Exception as error:  # the parent reports it and fails the run
        fatal = f"client {index}: {error!r}"
        barrier.abort()
    results.put(dict(latencies=latencies, errors={k: dict(v) for k, v in errors.items()}, fatal=fatal))


# ---------------------------------------------------------------- a level

def run_level(address: str, clients: int, kinds: Tuple[str, ...], warmup: float, seconds: float,
              daemon_pid: Optional[int]) -> Dict:
    """`clients` client processes at once; the level's row (per kind and for all kinds)."""
    context = multiprocessing.get_context("spawn")   # fresh processes: no gRPC state inherited by fork
    barrier, level_start, results = context.Barrier(clients), context.Value("d", 0.0), context.Queue()
    rss_start, busy_start = rss_mb(daemon_pid), busy_refusals(address)
    processes = [context.Process(target=client_process, args=(address, i, kinds, warmup, seconds, barrier, level_start, results))
                 for i in range(clients)]
    for p in processes:
        p.start()
    # The daemon's RSS once a second while the level runs: memory must stay flat throughout,
    # not only agree at the start and the end.
    samples: List[float] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(1.0):
            value = rss_mb(daemon_pid)
            if value is not None:
                samples.append(value)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Each client reports after its warm-up and timed window; allow that plus slack for 64 starts.
    try:
        got = [results.get(timeout=warmup + seconds + 600) for _ in processes]
    finally:
        sampling.set()
        sampler.join()
    rss_end, busy_end = rss_mb(daemon_pid), busy_refusals(address)
    for p in processes:
        p.join(timeout=60)
    rows = {kind: summary([t for g in got for t in g["latencies"][kind]],
                          sum((Counter(g["errors"][kind]) for g in got), Counter()), seconds) for kind in kinds}
    if len(kinds) > 1:
        rows["all"] = summary([t for g in got for k in kinds for t in g["latencies"][k]],
                              sum((Counter(g["errors"][k]) for g in got for k in kinds), Counter()), seconds)
    # Every RESOURCE_EXHAUSTED a client saw was one refusal of the daemon's; the others, it retried.
    seen = sum(n for g in got for kind in kinds for code, n in g["errors"][kind].items() if code.startswith("RESOURCE_EXHAUSTED"))
    return dict(clients=clients, seconds=seconds, kinds=rows, fatal=[g["fatal"] for g in got if g["fatal"]],
                busy_retried=busy_end - busy_start - seen, rss_start_mb=rss_start, rss_end_mb=rss_end,
                rss_max_mb=max(samples) if samples else None, rss_samples_mb=samples)


def summary(latencies: List[float], errors: Counter, seconds: float) -> Dict:
    """Requests, errors by code, requests/s and the p50 and p99 latencies (ms) of one kind."""
    ms = np.array(latencies) * 1e3
    return dict(requests=len(ms), errors=dict(errors), requests_per_s=len(ms) / seconds,
                p50_ms=float(np.percentile(ms, 50)) if len(ms) else None,
                p99_ms=float(np.percentile(ms, 99)) if len(ms) else None)


# ---------------------------------------------------------------- report

def machine() -> Dict:
    """nproc and the CPU model."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    return dict(nproc=len(os.sched_getaffinity(0)), cpu=model)


def print_table(levels: List[Dict]) -> None:
    number = lambda v: "n/a" if v is None else f"{v:.1f}"  # noqa: E731
    print("| clients | kind | requests | errors | requests/s | p50 ms | p99 ms | busy (retried) | daemon RSS start / max / end MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for level in levels:
        for kind, row in level["kinds"].items():
            errors = ", ".join(f"{code} {n}" for code, n in sorted(row["errors"].items())) or "0"
            p50 = "n/a" if row["p50_ms"] is None else f"{row['p50_ms']:.2f}"
            p99 = "n/a" if row["p99_ms"] is None else f"{row['p99_ms']:.2f}"
            print(f"| {level['clients']} | {kind} | {row['requests']} | {errors} | {row['requests_per_s']:.1f} | {p50} | {p99} "
                  f"| {level['busy_retried']} | {number(level['rss_start_mb'])} / {number(level.get('rss_max_mb'))} / {number(level['rss_end_mb'])} |")
    for level in levels:
        samples = level.get("rss_samples_mb") or []
        if len(samples) >= 8:  # flat memory: the last quarter's level against the second quarter's
            q = len(samples) // 4
            print(f"{level['clients']} clients: daemon RSS sampled every second ({len(samples)} samples): median of the "
                  f"2nd quarter {np.median(samples[q:2 * q]):.1f} MB, of the last quarter {np.median(samples[-q:]):.1f} MB, "
                  f"max {max(samples):.1f} MB (at {samples.index(max(samples)) + 1} s)")
    for level in levels:
        for fatal in level["fatal"]:
            print(f"failed: {fatal}")


def failures(levels: List[Dict]) -> int:
    """Failed requests and clients over every level (busy refusals the client retried excluded)."""
    return sum(sum(row["errors"].values()) for level in levels for kind, row in level["kinds"].items() if kind != "all") \
        + sum(len(level["fatal"]) for level in levels)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", nargs="?", help="a running daemon (default: start one on a temporary socket)")
    parser.add_argument("--clients", default="1,8,32,64", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per level")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed seconds per level before the timed ones")
    parser.add_argument("--mix", choices=("mixed",) + KINDS, default="mixed", help="request kinds")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="compute threads of the daemon started")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    levels_wanted = [int(c) for c in args.clients.split(",")]
    kinds = KINDS if args.mix == "mixed" else (args.mix,)
    host = machine()
    print(f"command: {shlex.join([sys.executable] + sys.argv)}")
    print(f"machine: nproc {host['nproc']}, {host['cpu']}")
    with tempfile.TemporaryDirectory(prefix="hamd-conc-") as tmp:
        daemon = None
        address = args.address
        if address is None:
            daemon, address = start_daemon(Path(tmp), args.threads)
        try:
            require_energy_model(address, kinds)
            with hamd.connect(address, timeout=10) as client:
                info = client.info()
            print(f"daemon: {address} ({'started here' if daemon else 'running'}), version {info['version']}, "
                  f"threads {info['threads']}; mix {args.mix}; {args.warmup:g} s warm-up + {args.seconds:g} s per level\n", flush=True)
            levels = []
            for clients in levels_wanted:
                levels.append(run_level(address, clients, kinds, args.warmup, args.seconds, daemon.pid if daemon else None))
                print(f"  {clients} clients: done", flush=True)
        finally:
            if daemon is not None:
                daemon.terminate()
                daemon.wait(timeout=30)
    print()
    print_table(levels)
    failed = failures(levels)
    print(f"\nfailed requests: {failed}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(command=[sys.executable] + sys.argv, machine=host, address=address,
                                                   daemon=info, mix=args.mix, levels=levels), indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
