"""Client side of the shared-memory transport (ComputeDescriptorsRequest.shared_memory).

The daemon writes the bulk arrays of a response into a file (in /dev/shm) and names it
in the response. We map it privately (copy-on-write: pages stay shared with the file until
an array is written to) and unlink it at once: the mapping outlives the name, so nothing
is left behind and the memory goes back when the last array of it is dropped.
"""
import mmap
import os

import numpy as np

FILE_PREFIX = "hamd-shm-"


class SharedMemoryFile:
    """The arrays of one response's shared-memory file."""

    def __init__(self, path):
        if not os.path.isabs(path) or not os.path.basename(path).startswith(FILE_PREFIX):
            raise ValueError(f"response names an unexpected shared-memory file {path!r}")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                self.size = os.fstat(fd).st_size
                # MAP_PRIVATE: writable arrays whose writes never reach the file.
                self._map = mmap.mmap(fd, self.size, flags=mmap.MAP_PRIVATE,
                                      prot=mmap.PROT_READ | mmap.PROT_WRITE) if self.size else None
            finally:
                os.close(fd)
        finally:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def array(self, message):
        """The ndarray an Array message with in_shared_memory points to (no copy)."""
        if message.dtype != "<f8":
            raise ValueError(f"shared-memory array of dtype {message.dtype!r}, expected '<f8'")
        dtype = np.dtype(message.dtype)
        shape = tuple(int(d) for d in message.shape)
        count = int(np.prod(shape, dtype=np.int64))
        offset = int(message.shared_memory_offset)
        if offset < 0 or count < 0 or offset + count * dtype.itemsize > self.size:
            raise ValueError(f"shared-memory array of shape {shape} at byte {offset} does not fit "
                             f"in the {self.size}-byte file")
        if count == 0:
            return np.zeros(shape, dtype=dtype)
        return np.ndarray(shape, dtype=dtype, buffer=self._map, offset=offset)


def open_response_file(response):
    """The SharedMemoryFile a ComputeDescriptorsResponse names, or None."""
    path = response.shared_memory_path
    return SharedMemoryFile(path) if path else None
