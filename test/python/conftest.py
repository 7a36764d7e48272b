"""pytest set-up: import paths, the gRPC stubs, and a hamd daemon for the session.

Tests that need the daemon take the `daemon_address` fixture. It starts
`node bin/hamd.js serve --listen unix:<tmp>/hamd.sock` once per session and stops it with
SIGTERM at the end. It skips only when the native addon has not been built (no
build/addon/**/*.node); a built addon with a daemon that does not start is a failure.
Set HAMD_TEST_ADDRESS to test an already running daemon instead.

Energy-model tests take `model_file` (a tiny water model, tools/tiny_water_model.py, trained once
per test session) and `calculator_address` (a socket where nothing runs yet, with HAMD_COMMAND and
HAMD_MODELS set for the module, so that the client's autostart starts a daemon serving that model
there; the daemon is stopped at the end of the module).
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "test"), str(ROOT / "clients" / "python"), str(Path(__file__).parent), str(ROOT / "tools")]

_STUB = ROOT / "clients" / "python" / "hamd" / "_proto" / "hamd_pb2_grpc.py"
if not _STUB.exists() or _STUB.stat().st_mtime < (ROOT / "proto" / "hamd" / "v1" / "hamd.proto").stat().st_mtime:
    subprocess.run(["node", str(ROOT / "tools" / "gen-python-stubs.js")], check=True)

import hamd  # noqa: E402

START_TIMEOUT_S = 60
# Low limits for the session daemon, so that tests can exceed them cheaply.
TEST_LIMITS = ["--max-atoms", "2000", "--max-structures", "100", "--max-output-bytes", str(16 << 20)]


def addon_built():
    return any((ROOT / "build").glob("addon/**/*.node"))


def wait_until_serving(address, process, log_path):
    deadline = time.monotonic() + START_TIMEOUT_S
    last_error = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"hamd daemon exited with {process.returncode}:\n{Path(log_path).read_text()[-4000:]}")
        try:
            with hamd.connect(address, timeout=2) as client:
                return client.info()
        except hamd.HamdError as error:
            last_error = error
            time.sleep(0.2)
    log = Path(log_path).read_text()[-4000:] if log_path else ""
    pytest.fail(f"hamd daemon not serving at {address} after {START_TIMEOUT_S} s ({last_error}):\n{log}")


def start_daemon(directory, extra_args=(), env=None):
    """(process, log path) of `hamd serve` writing its log into `directory`."""
    log_path = Path(directory) / "hamd.log"
    log = open(log_path, "w")
    process = subprocess.Popen(["node", str(ROOT / "bin" / "hamd.js"), "serve", *extra_args],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               env=clean_environment(env))
    log.close()
    return process, log_path


def clean_environment(extra):
    """The test's environment without HAMD_ADDRESS (which `hamd serve` would listen on)."""
    env = {k: v for k, v in os.environ.items() if k != "HAMD_ADDRESS"}
    env.update(extra or {})
    return env


def stop_daemon(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def require_addon():
    if not addon_built():
        pytest.skip("hamd native addon is not built (no build/addon/**/*.node): run `npm install`")


@pytest.fixture(scope="session")
def daemon_address(tmp_path_factory):
    if os.environ.get("HAMD_TEST_ADDRESS"):
        address = os.environ["HAMD_TEST_ADDRESS"]
        wait_until_serving(address, None, None)
        yield address
        return
    require_addon()
    directory = tmp_path_factory.mktemp("daemon")
    address = f"unix:{directory / 'hamd.sock'}"
    process, log_path = start_daemon(directory, ["--listen", address, *TEST_LIMITS])
    try:
        wait_until_serving(address, process, log_path)
        yield address
    finally:
        stop_daemon(process)


@pytest.fixture
def client(daemon_address):
    with hamd.connect(daemon_address, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def model_file(tmp_path_factory):
    """The tiny water energy model (tools/tiny_water_model.py): DIR/models/default-energy.npz."""
    require_addon()
    import tiny_water_model
    try:
        return tiny_water_model.train(tmp_path_factory.mktemp("energy"))
    except RuntimeError as error:
        pytest.fail(str(error))


def autostarted_daemon(directory, models):
    """Generator of a socket address in `directory` where nothing runs yet, with HAMD_COMMAND and
    HAMD_MODELS=`models` set until it resumes, so that the client's autostart starts a daemon
    there serving `models`; resuming stops that daemon and restores the environment."""
    address = f"unix:{directory}/hamd.sock"
    saved = {name: os.environ.get(name) for name in ("HAMD_COMMAND", "HAMD_MODELS")}
    os.environ["HAMD_COMMAND"] = f"node {ROOT / 'bin' / 'hamd.js'}"
    os.environ["HAMD_MODELS"] = str(models)
    try:
        yield address
    finally:
        pid_file = Path(directory) / "hamd.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def calculator_address(model_file, tmp_path_factory):
    """(address, directory): a socket address where nothing runs yet; the client starts the
    daemon there itself (autostart), serving the tiny model as the default energy model."""
    directory = tmp_path_factory.mktemp("daemon", numbered=True)
    for address in autostarted_daemon(directory, model_file.parent):
        yield address, directory
