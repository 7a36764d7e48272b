"""Registered shared-memory regions (docs/shared-memory.md): descriptors without a copy.

On the daemon's host, the client creates a memfd (anonymous shared memory), seals it against
shrinking, maps it, and registers it with the daemon (RegisterSharedMemory, the path
/proc/<pid>/fd/<fd>). A descriptor request then names the region as its output: the daemon's
engine writes the values and gradients straight into it, and the result's arrays are numpy
views of the region (read-only), with no copy on either side.

A region is reused by the next request only when no array of an earlier result still points
into it (the pool counts the references to the region's buffer); otherwise the next request
gets another region, so a result never changes under the caller's feet. The daemon unmaps the
regions of a client process that exits, whatever way it exits.
"""
import fcntl
import itertools
import mmap
import os
import sys
import threading
from typing import Any, Callable, List, Optional, Sequence

import numpy as np

from ._proto import hamd_pb2
from .arrays import bytes_view

# A first region's size, before any answer told how much a request needs.
DEFAULT_REGION_BYTES = 64 << 20
# Regions one client holds at most (more results alive at once travel in the message).
MAX_REGIONS = 4
_names = itertools.count()


def supported() -> bool:
    """Whether this platform has sealed memfds (Linux)."""
    return hasattr(os, "memfd_create") and hasattr(fcntl, "F_ADD_SEALS")


class Region:
    """One registered region: a sealed memfd mapped here and in the daemon."""

    def __init__(self, register: Callable[[hamd_pb2.RegisterSharedMemoryRequest], Any], byte_size: int) -> None:
        """Creates, seals, maps and registers a region of byte_size bytes (rounded up to pages)."""
        self.byte_size = -(-int(byte_size) // mmap.PAGESIZE) * mmap.PAGESIZE
        self.name = f"py-{os.getpid()}-{id(self) & 0xffffff:x}-{next(_names)}"
        fd = os.memfd_create(self.name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.ftruncate(fd, self.byte_size)
            # Sealed against shrinking: the daemon maps only such files (a truncation would make
            # its writes fault); growing is sealed too, the size is fixed.
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
            self._map = mmap.mmap(fd, self.byte_size)
            register(hamd_pb2.RegisterSharedMemoryRequest(
                name=self.name, path=f"/proc/{os.getpid()}/fd/{fd}", byte_size=self.byte_size, owner_pid=os.getpid()))
        finally:
            os.close(fd)  # the mappings keep the memory; the daemon opened its own descriptor
        self._bytes = np.frombuffer(self._map, dtype=np.uint8)
        self._baseline = sys.getrefcount(self._bytes)

    def in_use(self) -> bool:
        """Whether an array of an earlier result still views this region."""
        return sys.getrefcount(self._bytes) > self._baseline

    def view(self, offset: int, dtype: str, shape: Sequence[int]) -> np.ndarray:
        """A read-only array of `shape` at byte `offset` (from a response's Array.region_offset)."""
        return bytes_view(self._bytes, offset, dtype, shape, f"region {self.name}")


class RegionPool:
    """The client's regions: a free one of the right size per request, grown from what the
    daemon says the last request needed, never more than MAX_REGIONS. Threads of one client
    share the pool: a region is leased to one request from lease() until release(), and after
    that it is free once no array of the result views it."""

    def __init__(self, register: Callable[[Any], Any], unregister: Callable[[Any], Any]) -> None:
        self._register = register
        self._unregister = unregister
        self._regions: List[Region] = []
        self._leased: List[Region] = []
        self._wanted = DEFAULT_REGION_BYTES
        self._lock = threading.Lock()

    def lease(self) -> Optional[Region]:
        """A region no request holds and no result views, of at least the size last needed;
        None when every region is in use and no more may be made (the request then travels in
        the message). Give it back with release() once the result's arrays view it."""
        with self._lock:
            region = self._lease()
            if region is not None:
                self._leased.append(region)
            return region

    def release(self, region: Region) -> None:
        """Ends a lease: the region is free again once no array of its result views it."""
        with self._lock:
            if region in self._leased:
                self._leased.remove(region)

    def _lease(self) -> Optional[Region]:
        free = [r for r in self._regions if r not in self._leased and not r.in_use()]
        fitting = [r for r in free if r.byte_size >= self._wanted]
        if fitting:
            return min(fitting, key=lambda r: r.byte_size)
        for small in free:  # too small for what requests need now: give its memory back
            self._drop(small)
        if len(self._regions) >= MAX_REGIONS:
            return None
        region = Region(self._register, self._wanted)
        self._regions.append(region)
        return region

    def needed(self, output_bytes: int) -> None:
        """An answer said its arrays need output_bytes in a region: later leases are that large
        (plus a quarter, for structures that grow)."""
        with self._lock:
            if output_bytes > self._wanted:
                self._wanted = int(output_bytes * 1.25)

    def close(self) -> None:
        """Unregisters every region (arrays still viewing one keep its memory until they go)."""
        with self._lock:
            for region in list(self._regions):
                self._drop(region)

    def _drop(self, region: Region) -> None:
        self._regions.remove(region)
        try:
            self._unregister(hamd_pb2.UnregisterSharedMemoryRequest(name=region.name))
        except Exception:  # noqa: BLE001 - the daemon may be gone; it forgets our regions then
            pass
