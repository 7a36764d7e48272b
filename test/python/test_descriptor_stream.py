"""ComputeDescriptorsStream (docs/cli.md, the streamed answer): the same numbers bitwise as the
one-message answer, however small the chunks; no output_region on a stream; and a client that
stops reading has its stream reset after the stall timeout while the daemon keeps serving."""
import time

from hamd.results import response_to_result

import grpc
import numpy as np
import pytest

import hamd
from conftest import require_addon, start_daemon, stop_daemon, wait_until_serving
from test_shared_memory import assert_bitwise_equal, waters


@pytest.fixture(scope="module")
def small_chunks(tmp_path_factory):
    """A daemon sending 1 KiB chunks and resetting streams stalled for 1 s."""
    require_addon()
    directory = tmp_path_factory.mktemp("stream")
    address = f"unix:{directory / 'h.sock'}"
    process, log = start_daemon(directory, ["--listen", address, "--threads", "2", "--no-models", "--max-chunk-bytes", "1KiB",
                                            "--stalled-stream-timeout", "1"])
    try:
        wait_until_serving(address, process, log)
        yield address, log
    finally:
        stop_daemon(process)


def test_streamed_answers_equal_one_message_bitwise(small_chunks):
    address, _ = small_chunks
    with hamd.connect(address) as client:
        structures = [waters(4, seed) for seed in range(2)]
        for kind, gradients in [("power-spectrum", ("positions",)), ("lambda-soap", ()), ("spherical-expansion", ("positions",))]:
            request = client.descriptors_request(structures, kind=kind, gradients=gradients, cutoff=4.0, max_radial=3, max_angular=3)
            whole = client.descriptors(structures, kind=kind, gradients=gradients, shared_memory=False, cutoff=4.0, max_radial=3, max_angular=3)
            response, arrays = client.compute_descriptors_streamed(request)
            streamed = response_to_result(response, kind, arrays)
            assert_bitwise_equal(streamed, whole)
            assert streamed["blocks"][0].values.base is not None, "views of the gathered buffer, not copies"


def test_a_stream_takes_no_output_region(small_chunks):
    address, _ = small_chunks
    with hamd.connect(address) as client:
        request = client.descriptors_request([waters(2)])
        request.output_region.name = "anything"
        with pytest.raises(hamd.HamdError) as caught:
            client.compute_descriptors_streamed(request)
        assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT and "output_region" in str(caught.value)


def test_a_client_that_stops_reading_is_cut_off_and_the_daemon_serves_on(small_chunks):
    address, log = small_chunks
    with hamd.connect(address) as client:
        # ~30 MB of gradients in 1 KiB chunks: more than grpc's transport buffers (12.7 MB already
        # stalled on the development machine; 4 MB did not).
        request = client.descriptors_request([waters(30, s) for s in range(3)], gradients="positions", cutoff=5.0, max_radial=7, max_angular=6)
        chunks = client._stub.ComputeDescriptorsStream(request, timeout=60)
        next(chunks)  # the header: the daemon is sending
        time.sleep(4)  # read nothing for longer than the daemon's 1 s stall timeout
        with pytest.raises(grpc.RpcError) as caught:
            for _ in chunks:
                pass
        assert caught.value.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE,
                                       grpc.StatusCode.DEADLINE_EXCEEDED), caught.value
        deadline = time.monotonic() + 10
        while "stalled" not in open(log).read() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "stalled: the client read nothing for 1 s" in open(log).read()
        statistics = {m["method"]: m for m in client.statistics()["methods"]}
        assert statistics["ComputeDescriptorsStream"]["failure_codes"].get("DEADLINE_EXCEEDED", 0) >= 1
        result = client.descriptors([waters(2)], shared_memory=False)
        assert np.isfinite(result["values"]).all(), "the daemon still serves"

