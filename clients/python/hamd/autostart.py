"""Finding a daemon, or starting one: one shared `hamd serve` per user.

connect(autostart=True) asks the daemon at the address (default: the per-user socket) for its
server info; when nothing answers on a Unix socket it starts `hamd serve --listen unix:PATH` in
the background (its log: hamd.log, its pid: hamd.pid, beside the socket), waits until it serves,
and connects. The protocol is the Node CLI's (server/cli/autostart.ts; docs/cli.md):

- Concurrent first starts: only the holder of the start lock beside the socket (hamd.sock.lock,
  the same for Node and Python clients: hamd.startlock) starts a daemon; the others wait for the
  lock, then find that daemon.
- A stale socket file (nobody accepts connections on it) is replaced: the daemon started removes
  it. Something that accepts connections but never answers as a serving hamd daemon is reported
  and left alone.
- A daemon of another version is reported (VersionMismatchWarning, with both versions and the
  socket) and used when it speaks the same API; one of another API is an error. A daemon started
  by a client exits when idle, and the next client then starts its own version; `hamd stop`
  replaces it at once.
- The daemon started exits after `idle_exit` seconds without calls or open streams (default
  $HAMD_IDLE_EXIT, else 900; 0: never).

The `hamd` command is $HAMD_COMMAND (a command line, e.g. "node /path/to/hamd/bin/hamd.js"),
else `hamd` on the PATH, else bin/hamd.js of the repository this client was imported from.
"""
import logging
import os
import shlex
import shutil
import socket
import subprocess
import threading
import time
import warnings
from pathlib import Path
from typing import Any, List, Optional, Tuple

from ._proto import hamd_pb2
from ._version import __version__
from .errors import HamdError, Unavailable
from .startlock import acquire_start_lock, start_lock_path

DEFAULT_IDLE_EXIT_S = 900.0
API_VERSION = hamd_pb2.DESCRIPTOR.package  # "hamd.v1": the API this client speaks
_log = logging.getLogger("hamd")


class VersionMismatchWarning(UserWarning):
    """The daemon that answers is of another hamd version than this client (same API)."""


def hamd_command() -> List[str]:
    """The command line that runs the hamd CLI, as a list; Unavailable when there is none."""
    if os.environ.get("HAMD_COMMAND"):
        return shlex.split(os.environ["HAMD_COMMAND"])
    on_path = shutil.which("hamd")
    if on_path:
        return [on_path]
    repository_cli = Path(__file__).resolve().parents[3] / "bin" / "hamd.js"
    node = shutil.which("node")
    if repository_cli.exists() and node:
        return [node, str(repository_cli)]
    raise Unavailable("no hamd daemon answers and the `hamd` command was not found to start one "
                      "(install hamd, put `hamd` on the PATH, or set HAMD_COMMAND)")


def idle_exit_seconds(idle_exit: Optional[float] = None) -> float:
    """Seconds of idleness after which a daemon started here exits (0: never): `idle_exit`,
    else $HAMD_IDLE_EXIT, else DEFAULT_IDLE_EXIT_S."""
    if idle_exit is None:
        text = os.environ.get("HAMD_IDLE_EXIT", "")
        if not text:
            return DEFAULT_IDLE_EXIT_S
        try:
            idle_exit = float(text)
        except ValueError:
            raise ValueError(f"HAMD_IDLE_EXIT={text!r}: expected a number of seconds (0: never)") from None
    if not idle_exit >= 0:
        raise ValueError(f"idle_exit must be a number of seconds >= 0 (0: never), got {idle_exit!r}")
    return float(idle_exit)


def _socket_path(address: str) -> Optional[str]:
    if address.startswith("unix:"):
        path = address[len("unix:"):]
        return path[2:] if path.startswith("//") else path
    if address.startswith("/"):
        return address
    return None


def _socket_accepts(path: str) -> bool:
    """True when something accepts connections on the Unix socket at `path`."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _healthy(client_class: Any, address: str, timeout: float) -> Optional[Tuple[Any, dict]]:
    """(client, server info) of a daemon that answers at `address`, else None."""
    try:
        client = client_class(address, timeout=timeout)
    except Exception:  # noqa: BLE001 - any failure to connect means "not serving"
        return None
    try:
        return client, client.info()
    except HamdError:
        client.close()
        return None


def _checked(found: Tuple[Any, dict], address: str, timeout: float) -> Any:
    """The client, after comparing the daemon's version and API with this client's."""
    client, info = found
    if info["api_version"] != API_VERSION:
        client.close()
        raise Unavailable(f"the hamd daemon at {address} is version {info['version']} (API {info['api_version']}), "
                          f"this client is {__version__} (API {API_VERSION}): they cannot talk; stop that daemon "
                          f"(hamd stop --address {address}) or use another address")
    if info["version"] != __version__:
        warnings.warn(f"the hamd daemon at {address} is version {info['version']}, this client is {__version__}; "
                      f"using it (same API {API_VERSION}). A daemon started by a client exits when idle and the "
                      f"next start brings {__version__}; to replace it now: hamd stop --address {address}",
                      VersionMismatchWarning, stacklevel=4)
    client.timeout = timeout
    return client


def _serving_or_gone(client_class: Any, address: str, path: str, patience: float) -> Optional[Tuple[Any, dict]]:
    """The daemon at `path` once it serves, or None once nobody accepts connections there (free to
    start one). A daemon that is stopping (its idle exit) refuses calls for a moment; anything
    that keeps accepting connections without serving is reported, not replaced."""
    deadline = time.monotonic() + patience
    while True:
        found = _healthy(client_class, address, 1.0)
        if found is not None:
            return found
        if not os.path.exists(path) or not _socket_accepts(path):
            return None
        if time.monotonic() > deadline:
            raise Unavailable(f"something accepts connections on {path} but does not answer as a serving hamd "
                              f"daemon within {patience:.0f} s; not replacing it (stop that process, or use another address)")
        time.sleep(0.1)


def _log_tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def _start_daemon(path: str, idle_exit: float) -> Tuple[subprocess.Popen, Path]:
    directory = Path(path).parent
    log_path = directory / "hamd.log"
    command = hamd_command() + ["serve", "--listen", f"unix:{path}", "--pid-file", str(directory / "hamd.pid")]
    if idle_exit > 0:
        command += ["--idle-exit", f"{idle_exit:g}"]
    with open(log_path, "a") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    _log.info("started hamd daemon (pid %d) on unix:%s; log: %s", process.pid, path, log_path)
    return process, log_path


def _reap_when_it_exits(process: subprocess.Popen) -> None:
    # The daemon outlives this call but is this process's child: without a wait() it would stay a
    # zombie after it exits (idle exit, hamd stop) for as long as this process runs.
    threading.Thread(target=process.wait, name=f"hamd-reap-{process.pid}", daemon=True).start()


def connect_or_start(client_class: Any, address: str, timeout: float = 300.0, start_timeout: float = 60.0,
                     idle_exit: Optional[float] = None) -> Any:
    """A client of the daemon at `address`; starts one on a Unix socket when none answers.

    client_class(address, timeout=...) makes the client (hamd.Client). start_timeout: seconds to
    wait for the start lock and for the daemon to serve. idle_exit: see idle_exit_seconds()."""
    found = _healthy(client_class, address, 2.0)
    if found is not None:
        return _checked(found, address, timeout)
    path = _socket_path(address)
    if path is None:
        raise Unavailable(f"no hamd daemon answers at {address} (start one with `hamd serve --listen {address}`)")
    idle_exit = idle_exit_seconds(idle_exit)
    Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        lock = acquire_start_lock(start_lock_path(path), start_timeout + 10.0, on_wait=lambda pid: _log.info(
            "waiting for another client (pid %s) that is starting the hamd daemon", pid))
    except TimeoutError as error:
        raise Unavailable(str(error)) from None
    with lock:
        # Whoever held the lock before may have started the daemon meanwhile.
        found = _serving_or_gone(client_class, address, path, 30.0)
        if found is not None:
            return _checked(found, address, timeout)
        process, log_path = _start_daemon(path, idle_exit)
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            found = _healthy(client_class, address, 1.0)
            if found is not None:
                _reap_when_it_exits(process)
                return _checked(found, address, timeout)
            if process.poll() is not None:
                raise Unavailable(f"the hamd daemon exited with code {process.returncode} before serving; "
                                  f"{log_path} ends with:\n{_log_tail(log_path)}")
            time.sleep(0.1)
        _reap_when_it_exits(process)
        raise Unavailable(f"the hamd daemon did not start serving within {start_timeout:.0f} s; see {log_path}")
