"""The daemon's memory budget (hamd serve --memory-budget-mb): compute requests in flight may hold
that many result bytes together; more are refused RESOURCE_EXHAUSTED "busy" with a retry hint
(the audit of issue 9: 8 concurrent maximum-size requests took 5.5 GB). A client that retries
busy answers (the Python client does) gets every answer."""
import threading

import grpc
import numpy as np
import pytest

import hamd
from conftest import require_addon, start_daemon, stop_daemon, wait_until_serving
from test_shared_memory import waters

# ~29 MB of values and gradients, held twice (arrays and encoded answer): over a 40 MiB budget.
LARGE = dict(gradients="positions", cutoff=5.0, max_radial=7, max_angular=6)


@pytest.fixture(scope="module")
def budget_daemon(tmp_path_factory):
    require_addon()
    directory = tmp_path_factory.mktemp("budget")
    address = f"unix:{directory / 'h.sock'}"
    process, log = start_daemon(directory, ["--listen", address, "--threads", "2", "--no-models", "--memory-budget-mb", "40"])
    try:
        wait_until_serving(address, process, log)
        yield address
    finally:
        stop_daemon(process)


def test_requests_over_the_budget_are_refused_busy_and_retried_answers_all_come(budget_daemon):
    structures = [waters(30, s) for s in range(3)]
    with hamd.connect(budget_daemon) as client:
        assert client.info()["capabilities"]
        request = client.descriptors_request(structures, **LARGE)
        reference = client.compute_descriptors(request)  # the daemon learns what such a result weighs
        stub = client._stub
        codes, messages = [], []
        start = threading.Barrier(6)

        def raw():  # no retry: what the daemon answers
            start.wait()
            try:
                stub.ComputeDescriptors(request, timeout=120)
                codes.append("OK")
            except grpc.RpcError as error:
                codes.append(error.code())
                messages.append(error.details())
        threads = [threading.Thread(target=raw) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert "OK" in codes, codes
        refused = [m for c, m in zip([c for c in codes if c != "OK"], messages) if c == grpc.StatusCode.RESOURCE_EXHAUSTED]
        assert refused and all("--memory-budget-mb 40" in m and m.startswith("busy:") for m in refused), messages
        assert len(refused) == codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == len(codes) - codes.count("OK")

        # The Python client waits out busy answers: six at once all succeed, with the same numbers.
        answers = []

        def retried():
            with hamd.connect(budget_daemon, timeout=120) as own:
                answers.append(own.compute_descriptors(request))
        threads = [threading.Thread(target=retried) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(answers) == 6
        expected = reference.blocks[0].gradients[0].values.data
        assert all(a.blocks[0].gradients[0].values.data == expected for a in answers)
        stats = {m["method"]: m for m in client.statistics()["methods"]}
        assert stats["ComputeDescriptors"]["failure_codes"].get("RESOURCE_EXHAUSTED", 0) >= len(refused)
        assert np.isfinite(client.descriptors([waters(2)], shared_memory=False)["values"]).all()
