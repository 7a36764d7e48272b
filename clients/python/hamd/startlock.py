"""The start lock: when several clients find no daemon at once, only the holder starts one.

The lock is a file beside the socket (hamd.sock.lock) created with O_CREAT|O_EXCL and holding the
holder's pid: the protocol of the Node CLI (server/cli/start-lock.ts), so that Python and Node
clients exclude each other (flock would be simpler, but Node has none). A lock is stale when its
holder has died or it is older than STALE_AFTER_S (a holder holds it only while a daemon starts).
A stale lock is broken by renaming it away and deleting it only if the renamed file is the one
judged stale (same inode); a fresh lock renamed by mistake is put back.
"""
import os
import secrets
import time
from pathlib import Path
from typing import Callable, Optional

STALE_AFTER_S = 600.0
POLL_S = 0.05


def start_lock_path(socket_path: str) -> str:
    """The lock file of the socket at `socket_path`."""
    return socket_path + ".lock"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def _holder(path: str) -> Optional[tuple]:
    """(pid or None, os.stat_result) of the lock, or None when it is gone."""
    try:
        stat = os.lstat(path)
        text = Path(path).read_text().strip()
    except FileNotFoundError:
        return None
    pid = int(text) if text.isdigit() and int(text) > 0 else None
    return pid, stat


def _is_stale(pid: Optional[int], stat: os.stat_result) -> bool:
    age = time.time() - stat.st_mtime
    if age > STALE_AFTER_S:
        return True
    if pid is None:
        return age > 1.0  # created, pid not written yet: give the holder a second
    return not _process_alive(pid)


def _break_stale(path: str, judged: os.stat_result) -> None:
    aside = f"{path}.stale-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return  # someone else broke or released it
    moved = os.lstat(aside)
    if (moved.st_ino, moved.st_dev) != (judged.st_ino, judged.st_dev):
        try:
            os.link(aside, path)  # a fresh lock: put it back (unless yet another one exists)
        except FileExistsError:
            pass
    os.unlink(aside)


class StartLock:
    """A held start lock; release() (or leaving the `with` block) removes it."""

    def __init__(self, path: str, identity: os.stat_result) -> None:
        self.path = path
        self._identity = (identity.st_ino, identity.st_dev)
        self._released = False

    def release(self) -> None:
        """Removes the lock file if it is still this lock (idempotent)."""
        if self._released:
            return
        self._released = True
        try:
            now = os.lstat(self.path)
            if (now.st_ino, now.st_dev) == self._identity:
                os.unlink(self.path)
        except FileNotFoundError:
            pass  # broken as stale meanwhile

    def __enter__(self) -> "StartLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire_start_lock(path: str, timeout: float,
                       on_wait: Optional[Callable[[Optional[int]], None]] = None) -> StartLock:
    """Waits up to `timeout` seconds for the lock at `path`; TimeoutError when another client
    holds it longer. on_wait(pid) is called once when another client holds it."""
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass
        else:
            try:
                os.write(fd, f"{os.getpid()}\n".encode())
                return StartLock(path, os.fstat(fd))
            finally:
                os.close(fd)
        holder = _holder(path)
        if holder is not None and _is_stale(*holder):
            _break_stale(path, holder[1])
            continue
        if holder is not None and not waited:
            waited = True
            if on_wait is not None:
                on_wait(holder[0])
        if time.monotonic() > deadline:
            pid = holder[0] if holder else None
            raise TimeoutError(f"another client (pid {pid or '?'}) has been starting the hamd daemon for over "
                               f"{timeout:.0f} s (lock {path}); remove the lock file if that process is not a hamd client")
        time.sleep(POLL_S)
