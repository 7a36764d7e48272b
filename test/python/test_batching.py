"""Requests larger than one message (hamd.batching): a daemon with tiny limits answers, through
the client's batches, exactly what a daemon with room answers in one call (descriptors with
position gradients, energy predictions): keys, samples, properties, values and gradients
bitwise; a batch refused for the size of its results is halved; one structure over the
limits is still an error; progress counts every structure once."""
import grpc
import numpy as np
import pytest

import hamd
from hamd.batching import plan_batches
from hamd.errors import HamdError
from conftest import ROOT, require_addon, start_daemon, stop_daemon, wait_until_serving

ase_io = pytest.importorskip("ase.io", reason="ASE is not installed (pip install ase)")


@pytest.fixture(scope="module")
def molecules():
    frames = ase_io.read(ROOT / "data" / "bench" / "organics100.xyz", index=":12")
    return [f for f in frames if set(f.numbers) <= {1, 6, 7, 8}]


@pytest.fixture(scope="module")
def tight_address(tmp_path_factory):
    """A daemon that takes at most 3 structures, 40 atoms and 2 MiB of results per request."""
    require_addon()
    directory = tmp_path_factory.mktemp("tight")
    address = f"unix:{directory / 'hamd.sock'}"
    process, log = start_daemon(directory, ["--listen", address, "--max-structures", "3", "--max-atoms", "40",
                                            "--max-output-bytes", str(2 << 20)])
    try:
        wait_until_serving(address, process, log)
        yield address
    finally:
        stop_daemon(process)


def test_plan_respects_every_limit():
    counts = [5, 9, 30, 2, 2, 2, 2, 41, 1]
    batches = plan_batches(counts, {"max_structures_per_request": 3, "max_atoms_per_request": 40, "max_message_bytes": 1 << 20})
    assert batches[0][0] == 0 and batches[-1][1] == len(counts)
    assert all(a[1] == b[0] for a, b in zip(batches, batches[1:])), "consecutive, no gaps"
    for start, stop in batches:
        assert stop - start <= 3
        assert stop - start == 1 or sum(counts[start:stop]) <= 40  # a single structure goes alone


def test_batched_descriptors_equal_one_call(daemon_address, tight_address, molecules):
    hypers = dict(cutoff=4.0, max_radial=3, max_angular=2)  # 0.55 MiB per 9-atom molecule
    with hamd.connect(daemon_address) as roomy, hamd.connect(tight_address) as tight:
        seen = []
        whole = roomy.descriptors(molecules, gradients="positions", **hypers)
        split = tight.descriptors(molecules, gradients="positions", progress=seen.append, **hypers)
    assert sum(seen) == len(molecules) and len(seen) >= 4, f"batches of {seen}"
    np.testing.assert_array_equal(whole["keys"].values, split["keys"].values)
    for a, b in zip(whole["blocks"], split["blocks"]):
        np.testing.assert_array_equal(a.samples.values, b.samples.values)
        np.testing.assert_array_equal(a.properties.values, b.properties.values)
        np.testing.assert_array_equal(a.values, b.values)
        g, h = a.gradients["positions"], b.gradients["positions"]
        np.testing.assert_array_equal(g.samples.values, h.samples.values)
        np.testing.assert_array_equal(g.values, h.values)
    np.testing.assert_array_equal(whole["values"], split["values"])


def test_results_too_large_are_halved_and_one_structure_over_is_an_error(tight_address, molecules):
    hypers = dict(cutoff=4.0, max_radial=4, max_angular=3)  # 1.15 MiB per molecule: 3 are over 2 MiB
    with hamd.connect(tight_address) as tight:
        seen = []
        result = tight.descriptors(molecules[:3], gradients="positions", progress=seen.append, **hypers)
        assert sum(seen) == 3 and len(seen) > 1, f"the 3-structure batch was split: {seen}"
        assert sorted(set(result["samples"][:, 0].tolist())) == [0, 1, 2]
        big = dict(cutoff=5.0, max_radial=6, max_angular=5)  # 3.4 MiB for one molecule
        with pytest.raises(HamdError) as refused:
            tight.descriptors(molecules[0], gradients="positions", **big)
        assert refused.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_batched_predict_equals_one_call(daemon_address, tight_address, molecules):
    ethanol_like = [m for m in molecules if set(m.numbers) <= {1, 6, 8}]
    with hamd.connect(daemon_address) as roomy, hamd.connect(tight_address) as tight:
        whole = roomy.predict(ethanol_like, outputs=("energy", "forces"))
        split = tight.predict(ethanol_like, outputs=("energy", "forces"))
    assert len(whole) == len(split) == len(ethanol_like)
    for a, b in zip(whole, split):
        assert a["energy"] == b["energy"]
        np.testing.assert_array_equal(a["forces"], b["forces"])


def test_a_busy_daemon_is_waited_for_not_a_failure(tmp_path, molecules):
    """--max-queued 1 and 6 threads asking at once: the refusals (RESOURCE_EXHAUSTED "busy",
    with grpc-retry-pushback-ms) are retried by the client after the hint; every call succeeds."""
    import threading
    require_addon()
    address = f"unix:{tmp_path / 'hamd.sock'}"
    process, log = start_daemon(tmp_path, ["--listen", address, "--max-queued", "1", "--threads", "1"])
    try:
        wait_until_serving(address, process, log)
        results, errors = [], []

        def ask():
            try:
                with hamd.connect(address) as client:
                    results.append(client.descriptors(molecules, gradients="positions", cutoff=4.0, max_radial=4, max_angular=3))
            except Exception as error:  # noqa: BLE001 - collected for the assertion
                errors.append(error)
        threads = [threading.Thread(target=ask) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and len(results) == 6
        log_text = log.read_text()
        assert '"code":"RESOURCE_EXHAUSTED"' in log_text and "busy:" in log_text, "the daemon did refuse some"
        for r in results[1:]:
            np.testing.assert_array_equal(r["values"], results[0]["values"])
    finally:
        stop_daemon(process)
