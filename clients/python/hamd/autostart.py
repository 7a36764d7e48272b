"""Finding a daemon, or starting one: one shared `hamd serve` per user.

connect(autostart=True) asks the daemon at the address (default: the per-user socket) for its
health; when nothing answers on a Unix socket it starts `hamd serve --listen unix:PATH` in the
background (its log: hamd.log beside the socket), waits until it reports SERVING, and connects.
Several clients starting at once are safe: the daemon refuses a socket that another one answers
on, and every client keeps polling the socket until the winner serves.

The `hamd` command is $HAMD_COMMAND (a command line, e.g. "node /path/to/hamd/bin/hamd.js"),
else `hamd` on the PATH, else bin/hamd.js of the repository this client was imported from.
"""
import os
import shlex
import shutil
import subprocess
import time
from typing import Any, List
from pathlib import Path

from .errors import HamdError, Unavailable


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


def _socket_path(address):
    if address.startswith("unix:"):
        path = address[len("unix:"):]
        return path[2:] if path.startswith("//") else path
    if address.startswith("/"):
        return address
    return None


def _healthy(client_class, address, timeout):
    try:
        client = client_class(address, timeout=timeout)
    except Exception:  # noqa: BLE001 - any failure to connect means "not serving"
        return None
    try:
        client.info()
        return client
    except HamdError:
        client.close()
        return None


def connect_or_start(client_class: Any, address: str, timeout: float = 300.0, start_timeout: float = 60.0) -> Any:
    """A client of the daemon at `address`; starts one on a Unix socket when none answers."""
    client = _healthy(client_class, address, 2.0)
    if client is not None:
        client.timeout = timeout
        return client
    path = _socket_path(address)
    if path is None:
        raise Unavailable(f"no hamd daemon answers at {address} (start one with `hamd serve --listen {address}`)")
    directory = Path(path).parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    log_path = directory / "hamd.log"
    with open(log_path, "a") as log:
        process = subprocess.Popen(hamd_command() + ["serve", "--listen", f"unix:{path}", "--pid-file", str(directory / "hamd.pid")],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline:
        client = _healthy(client_class, address, 1.0)
        if client is not None:
            client.timeout = timeout
            return client
        # Another client's daemon may have won the socket: keep polling while the file exists.
        if process.poll() is not None and not os.path.exists(path):
            raise Unavailable(f"the hamd daemon exited with code {process.returncode} before serving; see {log_path}")
        time.sleep(0.1)
    raise Unavailable(f"the hamd daemon did not start serving within {start_timeout:.0f} s; see {log_path}")
