"""Registered shared-memory regions (docs/shared-memory.md): the daemon writes descriptors
straight into a client's sealed memfd and the client returns views of it. The numbers must be
bitwise those of the message transport; a result that is still alive is never overwritten; the
daemon refuses every unsafe or malformed region with a clear code; and it forgets the regions
of a client process that is gone."""
import fcntl
import mmap
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import grpc
import numpy as np
import pytest

import hamd
from hamd import shared_memory
from hamd._proto import hamd_pb2
from conftest import ROOT, require_addon, start_daemon, stop_daemon, wait_until_serving

pytestmark = pytest.mark.skipif(not shared_memory.supported(), reason="needs Linux memfd_create and file sealing")

HYPERS = dict(cutoff=4.0, max_radial=3, max_angular=3)


def waters(count, seed=0):
    """`count` water molecules scattered in a 9 A cube (no two atoms closer than 0.3 A)."""
    rng = np.random.default_rng(seed)
    numbers, positions = [], []
    for k in range(count):
        centre = rng.uniform(0, 9, size=3) + 20 * np.array([k % 3, k // 3 % 3, k // 9])
        numbers += [8, 1, 1]
        positions += [centre, centre + [0.96, 0, 0], centre + [-0.24, 0.93, 0]]
    return (numbers, np.array(positions))


def every_array(result):
    """Values then gradients of every block of a descriptors() result."""
    out = []
    for block in result["blocks"]:
        out.append(block.values)
        out.extend(g.values for g in block.gradients.values())
    return out


def every_label_table(result):
    """Samples and properties of every block, and the gradients' samples."""
    out = []
    for block in result["blocks"]:
        out += [block.samples, block.properties] + [g.samples for g in block.gradients.values()]
    return out


def assert_bitwise_equal(a, b):
    x, y = every_array(a), every_array(b)
    assert len(x) == len(y)
    for u, v in zip(x, y):
        assert u.shape == v.shape and u.dtype == v.dtype
        assert u.tobytes() == v.tobytes()
    for u, v in zip(every_label_table(a), every_label_table(b)):  # large ones come through the region
        assert u.names == v.names and u.values.tobytes() == v.values.tobytes()


def raw_region(byte_size, seal=True):
    """(fd, mmap) of a memfd of this process, sealed against shrinking unless seal=False."""
    fd = os.memfd_create("hamd-test", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, byte_size)
    if seal:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK)
    return fd, mmap.mmap(fd, byte_size)


def register(client, name, path, byte_size):
    client._call("RegisterSharedMemory",
                 hamd_pb2.RegisterSharedMemoryRequest(name=name, path=path, byte_size=byte_size, owner_pid=os.getpid()), 30)


def code_of(call):
    with pytest.raises(hamd.HamdError) as caught:
        call()
    return caught.value.code, str(caught.value)


def test_results_in_shared_memory_equal_the_message_transport_bitwise(client):
    assert "shared-memory" in client.info()["capabilities"]
    structures = [waters(5, seed) for seed in range(2)]
    for kind, gradients in [("power-spectrum", ()), ("power-spectrum", ("positions",)), ("lambda-soap", ("positions",)),
                            ("spherical-expansion", ())]:
        reference = client.descriptors(structures, kind=kind, gradients=gradients, shared_memory=False, **HYPERS)
        placed = client.descriptors(structures, kind=kind, gradients=gradients, shared_memory=True, **HYPERS)
        assert_bitwise_equal(placed, reference)
        viewed = [a for a in every_array(placed) if a.size and not a.flags.writeable and a.base is not None]
        assert viewed, f"{kind}: the arrays are views of the region"
        if kind == "power-spectrum":
            np.testing.assert_array_equal(placed["values"], reference["values"])


def test_a_result_that_is_alive_is_never_overwritten(client):
    first = client.descriptors([waters(6, 1)], gradients="positions", shared_memory=True, **HYPERS)
    kept = [a.copy() for a in every_array(first)]
    second = client.descriptors([waters(6, 2)], gradients="positions", shared_memory=True, **HYPERS)
    for a, b in zip(every_array(first), kept):
        assert a.tobytes() == b.tobytes(), "the first result kept its numbers after a second request"
    assert not all(a.tobytes() == b.tobytes() for a, b in zip(every_array(second), kept)), "the second result differs"
    regions = {r["name"] for r in client.shared_memory_status() if r["owner_pid"] == os.getpid()}
    assert len(regions) >= 2, "the second request wrote into another region"
    del first, second, kept
    before = {r["name"]: r["requests"] for r in client.shared_memory_status() if r["owner_pid"] == os.getpid()}
    client.descriptors([waters(6, 3)], shared_memory=True, **HYPERS)
    after = {r["name"]: r["requests"] for r in client.shared_memory_status() if r["owner_pid"] == os.getpid()}
    assert set(after) <= set(before) | set(after) and sum(after.values()) == sum(before.values()) + 1
    assert set(after) == set(before), "a released region is reused (no new region)"


def test_a_region_too_small_puts_the_rest_in_the_message_and_says_how_much_is_needed(client):
    fd, view = raw_region(1 << 16)
    try:
        name = f"small-{os.getpid()}"
        register(client, name, f"/proc/{os.getpid()}/fd/{fd}", 1 << 16)
        request = client.descriptors_request([waters(10, 4)], gradients="positions", **HYPERS)
        request.output_region.name = name
        response = client.compute_descriptors(request)
        arrays = [b.values for b in response.blocks] + [g.values for b in response.blocks for g in b.gradients]
        inside = [a for a in arrays if a.in_region]
        assert inside and len(inside) < len(arrays), "what fits is in the region, the rest in the message"
        assert all(a.region_offset % 64 == 0 for a in inside)
        assert response.output_bytes > 1 << 16
        region_bytes = sum(64 + -(-int(np.prod(a.shape)) * 8 // 64) * 64 for a in arrays)
        assert response.output_bytes == region_bytes, "output_bytes: every array, 64-byte aligned after a 64-byte header"
        reference = client.compute_descriptors(client.descriptors_request([waters(10, 4)], gradients="positions", **HYPERS))
        for a, r in zip(arrays, [b.values for b in reference.blocks] + [g.values for b in reference.blocks for g in b.gradients]):
            got = bytes(view[a.region_offset:a.region_offset + len(r.data)]) if a.in_region else a.data
            assert got == r.data
    finally:
        client._call("UnregisterSharedMemory", hamd_pb2.UnregisterSharedMemoryRequest(name=f"small-{os.getpid()}"), 30)
        view.close()
        os.close(fd)


def test_unsafe_or_malformed_regions_are_refused_with_clear_codes(client, tmp_path):
    pid = os.getpid()
    unsealed_fd, unsealed = raw_region(1 << 16, seal=False)
    sealed_fd, sealed = raw_region(1 << 16)
    plain = tmp_path / "plain"
    plain.write_bytes(b"\0" * (1 << 16))
    try:
        cases = [
            ("unsealed", f"/proc/{pid}/fd/{unsealed_fd}", 1 << 16, grpc.StatusCode.INVALID_ARGUMENT, "sealed against shrinking"),
            ("plain-file", str(plain), 1 << 16, grpc.StatusCode.INVALID_ARGUMENT, "/proc/<pid>/fd/<fd>"),
            ("too-large", f"/proc/{pid}/fd/{sealed_fd}", (1 << 16) + 1, grpc.StatusCode.INVALID_ARGUMENT, "fewer than byte_size"),
            ("no-such-fd", f"/proc/{pid}/fd/987654", 4096, grpc.StatusCode.INVALID_ARGUMENT, "No such file"),
            ("bad name!", f"/proc/{pid}/fd/{sealed_fd}", 4096, grpc.StatusCode.INVALID_ARGUMENT, "name"),
            ("zero", f"/proc/{pid}/fd/{sealed_fd}", 0, grpc.StatusCode.INVALID_ARGUMENT, "byte_size"),
            ("traversal", "/proc/1/fd/../../../etc/passwd", 4096, grpc.StatusCode.INVALID_ARGUMENT, "/proc/<pid>/fd/<fd>"),
        ]
        for name, path, size, code, words in cases:
            got, message = code_of(lambda: register(client, f"{name}-{pid}", path, size))
            assert got == code and words in message, (name, got, message)
        register(client, f"ok-{pid}", f"/proc/{pid}/fd/{sealed_fd}", 1 << 16)
        got, message = code_of(lambda: register(client, f"ok-{pid}", f"/proc/{pid}/fd/{sealed_fd}", 1 << 16))
        assert got == grpc.StatusCode.ALREADY_EXISTS
        request = client.descriptors_request([waters(2)], **HYPERS)
        for output, code in [(hamd_pb2.OutputRegion(name="nobody"), grpc.StatusCode.NOT_FOUND),
                             (hamd_pb2.OutputRegion(name=f"ok-{pid}", offset=100), grpc.StatusCode.INVALID_ARGUMENT),
                             (hamd_pb2.OutputRegion(name=f"ok-{pid}", offset=64, byte_size=1 << 16), grpc.StatusCode.INVALID_ARGUMENT),
                             (hamd_pb2.OutputRegion(name=f"ok-{pid}", offset=1 << 16), grpc.StatusCode.INVALID_ARGUMENT)]:
            request.output_region.CopyFrom(output)
            assert code_of(lambda: client.compute_descriptors(request))[0] == code, output
        got, _ = code_of(lambda: client._call("UnregisterSharedMemory", hamd_pb2.UnregisterSharedMemoryRequest(name="nobody"), 30))
        assert got == grpc.StatusCode.NOT_FOUND
        client._call("UnregisterSharedMemory", hamd_pb2.UnregisterSharedMemoryRequest(name=f"ok-{pid}"), 30)
        assert client.info()["version"], "the daemon still serves"
    finally:
        for m, fd in ((unsealed, unsealed_fd), (sealed, sealed_fd)):
            m.close()
            os.close(fd)


def test_one_request_at_a_time_per_region(client):
    fd, view = raw_region(64 << 20)
    name = f"busy-{os.getpid()}"
    register(client, name, f"/proc/{os.getpid()}/fd/{fd}", 64 << 20)
    try:
        # ~50-100 ms of compute and ~7 MB of output (under the test daemon's 16 MiB output
        # limit), sent by six threads at once: while the first writes into the region, the
        # others must be refused, not interleaved.
        heavy = client.descriptors_request([waters(60, s) for s in range(3)], kind="bispectrum", cutoff=9.0, max_radial=1, max_angular=6)
        heavy.output_region.name = name
        codes = []
        start = threading.Barrier(6)

        def send():
            start.wait()
            try:
                client.compute_descriptors(heavy)
                codes.append("OK")
            except hamd.HamdError as error:
                codes.append(error.code)
        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert "OK" in codes and grpc.StatusCode.FAILED_PRECONDITION in codes, codes
    finally:
        client._call("UnregisterSharedMemory", hamd_pb2.UnregisterSharedMemoryRequest(name=name), 30)
        view.close()
        os.close(fd)


def test_regions_of_a_client_that_exits_are_forgotten_and_the_limit_holds(tmp_path):
    require_addon()
    address = f"unix:{tmp_path / 'h.sock'}"
    process, log = start_daemon(tmp_path, ["--listen", address, "--threads", "1", "--no-models", "--max-shared-memory-mb", "100"])
    try:
        wait_until_serving(address, process, log)
        script = textwrap.dedent(f"""
            import sys; sys.path.insert(0, {str(ROOT / 'clients' / 'python')!r})
            import hamd, numpy as np
            with hamd.connect({address!r}) as c:
                c.descriptors(([8, 1, 1], np.array([[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])), shared_memory=True)
                print(len(c.shared_memory_status()), flush=True)
                import os; os._exit(0)   # no goodbye: the daemon must notice on its own
        """)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "1", "the child registered one region"
        with hamd.connect(address) as client:
            deadline = time.monotonic() + 20
            while client.shared_memory_status() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert client.shared_memory_status() == [], "the region of the exited process is unmapped"
            assert "owner-gone" in Path(log).read_text()
            fd, view = raw_region(60 << 20)
            fd2, view2 = raw_region(60 << 20)
            try:
                register(client, "first", f"/proc/{os.getpid()}/fd/{fd}", 60 << 20)
                got, message = code_of(lambda: register(client, "second", f"/proc/{os.getpid()}/fd/{fd2}", 60 << 20))
                assert got == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-shared-memory-mb" in message
                # Auto mode with no room left: a warning, and the answer through the message.
                with hamd.connect(address) as other, pytest.warns(UserWarning, match="shared memory unavailable"):
                    result = other.descriptors(waters(2), **HYPERS)
                assert result["values"].shape[0] == 6
            finally:
                view.close(), view2.close(), os.close(fd), os.close(fd2)
    finally:
        stop_daemon(process)
