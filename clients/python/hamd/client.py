"""The hamd gRPC client."""
import os
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import grpc

from ._proto import hamd_pb2, hamd_pb2_grpc
from .batching import merge_descriptor_responses, plan_batches, run_batches
from .errors import HamdError, InvalidArgument, Unavailable, from_rpc_error
from .predict import DEFAULT_OUTPUTS, is_single_structure, model_info, predict_request, structure_result
from . import shared_memory
from .framed import client_name
from .results import DescriptorResult, StreamedArrays, response_to_result
from .structures import as_structure_list, structure_to_proto

if TYPE_CHECKING:  # pragma: no cover
    from .framed import FramedCalls
    from .session import Session

# The fields of the contract's Hypers message, from the generated stubs (not retyped here).
HYPER_NAMES = tuple(field.name for field in hamd_pb2.Hypers.DESCRIPTOR.fields)
# The kinds the proto documents (ComputeDescriptorsRequest.kind is a string); checked locally so
# that a typo fails before any connection. The daemon's GetServerInfo.descriptor_kinds is the
# authority, and the test suite checks that both agree.
DESCRIPTOR_KINDS = ("spherical-expansion", "power-spectrum", "lambda-soap", "bispectrum", "correlation", "triplet",
                    "lode-spherical-expansion", "multi-scale", "pair-features", "message-passing")


def default_address() -> str:
    """$HAMD_ADDRESS, else the daemon's default socket: $XDG_RUNTIME_DIR/hamd/hamd.sock,
    or /tmp/hamd-$UID/hamd.sock without XDG_RUNTIME_DIR."""
    if os.environ.get("HAMD_ADDRESS"):
        return os.environ["HAMD_ADDRESS"]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return "unix:" + os.path.join(runtime, "hamd", "hamd.sock")
    return f"unix:/tmp/hamd-{os.getuid()}/hamd.sock"


def default_token_file() -> str:
    """Where a TCP daemon keeps its token: $HAMD_TOKEN_FILE, else $XDG_CONFIG_HOME/hamd/token,
    else ~/.config/hamd/token (the daemon creates it, mode 0600, at its first TCP start)."""
    if os.environ.get("HAMD_TOKEN_FILE"):
        return os.environ["HAMD_TOKEN_FILE"]
    config = os.environ.get("XDG_CONFIG_HOME")
    if not config or not os.path.isabs(config):
        config = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "hamd", "token")


def default_tls_cert_file() -> str:
    """The certificate a client trusts for a TCP daemon: $HAMD_TLS_CERT, else cert.pem beside the
    token file (where a daemon that made its own certificate keeps it)."""
    if os.environ.get("HAMD_TLS_CERT"):
        return os.environ["HAMD_TLS_CERT"]
    return os.path.join(os.path.dirname(default_token_file()), "cert.pem")


def _tls_credentials(address: str) -> grpc.ChannelCredentials:
    path = default_tls_cert_file()
    try:
        with open(path, "rb") as f:
            return grpc.ssl_channel_credentials(root_certificates=f.read())
    except OSError:
        raise Unavailable(f"{address} is a TCP daemon, which speaks TLS: its certificate is not at {path} "
                          f"(set HAMD_TLS_CERT to a copy of the daemon's cert.pem)", grpc.StatusCode.UNAVAILABLE) from None


def daemon_token() -> Optional[str]:
    """$HAMD_TOKEN, else the token file's content, else None (the daemon then answers
    UNAUTHENTICATED, saying where its token is)."""
    if os.environ.get("HAMD_TOKEN"):
        return os.environ["HAMD_TOKEN"].strip()
    try:
        with open(default_token_file(), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return None


class _TokenInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                        grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds `authorization: Bearer TOKEN` to every call (unary and streams)."""

    def __init__(self, token: str) -> None:
        self._metadata = ("authorization", f"Bearer {token}")

    def _with_token(self, details: Any) -> Any:
        metadata = list(details.metadata or []) + [self._metadata]
        return details._replace(metadata=metadata) if hasattr(details, "_replace") else _CallDetails(details, metadata)

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._with_token(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._with_token(details), requests)


class _CallDetails(grpc.ClientCallDetails):
    """ClientCallDetails with other metadata (grpc's own details are a namedtuple or not)."""

    def __init__(self, details: Any, metadata: Any) -> None:
        self.method = details.method
        self.timeout = details.timeout
        self.metadata = metadata
        self.credentials = details.credentials
        self.wait_for_ready = getattr(details, "wait_for_ready", None)
        self.compression = getattr(details, "compression", None)


def grpc_target(address: str) -> str:
    """"unix:/path" or "/path" (a Unix socket) or "host:port" -> a gRPC target string."""
    if address.startswith("unix:"):
        return address
    if address.startswith("/") or address.startswith("./"):
        return "unix:" + os.path.abspath(address)
    return address


def _too_large(error: Exception) -> bool:
    """A refusal that a smaller batch may pass: RESOURCE_EXHAUSTED for the size of the results or
    the atoms (not a busy daemon's, which _call retries)."""
    return isinstance(error, HamdError) and error.code == grpc.StatusCode.RESOURCE_EXHAUSTED \
        and not error.message.startswith("busy:")


def _busy_retry_seconds(error: HamdError, hint_ms: Any) -> Optional[float]:
    """Seconds to wait before retrying a busy daemon's refusal (its retry hint in ms, from
    grpc-retry-pushback-ms or FramedReply.retry_ms, capped at 2 s; 0.1 s without one), or None
    for any other error."""
    if error.code != grpc.StatusCode.RESOURCE_EXHAUSTED or not error.message.startswith("busy:"):
        return None
    try:
        return min(2.0, max(0.01, float(hint_ms) / 1000.0)) if hint_ms else 0.1
    except ValueError:
        return 0.1


def _pushback_ms(error: grpc.RpcError) -> Any:
    """A gRPC failure's grpc-retry-pushback-ms trailer, or None."""
    if not callable(getattr(error, "trailing_metadata", None)):
        return None
    return dict(error.trailing_metadata() or ()).get("grpc-retry-pushback-ms")


def _hypers_message(hypers: Dict[str, Any]) -> hamd_pb2.Hypers:
    unknown = sorted(set(hypers) - set(HYPER_NAMES))
    if unknown:
        raise TypeError(f"unknown hyper-parameter(s) {', '.join(unknown)}; expected some of {', '.join(HYPER_NAMES)}")
    message = hamd_pb2.Hypers()
    for name, value in hypers.items():
        if value is None:
            continue
        if name in ("max_radial", "max_angular"):
            if int(value) != value:
                raise TypeError(f"{name} must be an integer, got {value!r}")
            value = int(value)
        else:
            # cutoff, cutoff_width and density_width are `optional` in hamd.v1, so an
            # explicit 0 reaches the server (cutoff_width = 0 is a hard cutoff).
            value = float(value)
        setattr(message, name, value)
    return message


class Client:
    """A connection to a hamd daemon. Use as a context manager, or call close()."""

    def __init__(self, address: Optional[str] = None, timeout: float = 300.0,
                 options: Optional[Iterable[Tuple[str, Any]]] = None) -> None:
        self.address = address or default_address()
        self.timeout = timeout
        channel_options = [("grpc.max_receive_message_length", -1),
                           ("grpc.max_send_message_length", -1)]
        channel_options += list(options or [])
        if self.is_unix_socket:
            self._channel = grpc.insecure_channel(grpc_target(self.address), options=channel_options)
        else:  # TCP daemons speak TLS (docs/cli.md, "Token and TLS (TCP)")
            self._channel = grpc.secure_channel(grpc_target(self.address), _tls_credentials(self.address),
                                                options=channel_options)
        channel = self._channel
        if not self.is_unix_socket:  # a TCP daemon asks for its token (docs/cli.md, "Security")
            token = daemon_token()
            if token:
                channel = grpc.intercept_channel(self._channel, _TokenInterceptor(token))
        self._stub = hamd_pb2_grpc.HamdStub(channel)
        self._session_socket_address: Optional[str] = None
        self._limits_cache: Optional[Dict[str, int]] = None
        self._capabilities_cache: Optional[List[str]] = None
        self._regions: Optional[shared_memory.RegionPool] = None  # made at the first request that uses one
        self._lock = threading.RLock()
        self._autostart: Optional[Dict[str, Any]] = None  # set by connect(autostart=True)
        self._framed: Optional["FramedCalls"] = None  # unary calls on the framed socket (_framed_calls)
        # $HAMD_CALL_TRANSPORT=grpc: unary calls on gRPC even where the framed socket is offered.
        self._framed_off = os.environ.get("HAMD_CALL_TRANSPORT", "auto") == "grpc"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Unregisters this client's shared-memory regions and closes the channel (calls in
        flight fail)."""
        if self._regions is not None:
            self._regions.close()
            self._regions = None
        if self._framed is not None:
            self._framed.close()
        self._channel.close()

    def _call(self, method: str, request: Any, timeout: Optional[float]) -> Any:
        """One unary call of hamd.v1.Hamd by name: on the daemon's framed socket when it offers
        one (hamd.framed; $HAMD_CALL_TRANSPORT=grpc turns that off), else on gRPC. A busy
        daemon's refusal (RESOURCE_EXHAUSTED "busy: ...", with its retry hint) is retried after
        the hint until the call's timeout."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            remaining = max(0.001, deadline - time.monotonic())
            calls = self._framed_calls(method)
            try:
                if calls is not None:
                    return calls.call(method, request, remaining)
                return getattr(self._stub, method)(request, timeout=remaining, metadata=(("hamd-client", client_name()),))
            except grpc.RpcError as error:
                failure = from_rpc_error(error)
                wait = _busy_retry_seconds(failure, _pushback_ms(error))
            except HamdError as error:  # from the framed socket
                failure = error
                wait = _busy_retry_seconds(failure, getattr(error, "retry_ms", None))
            if wait is None or time.monotonic() + wait >= deadline:
                raise failure from None
            time.sleep(wait)

    def _framed_calls(self, method: str) -> Optional["FramedCalls"]:
        """The framed-call pool, or None for gRPC: TCP daemons, $HAMD_CALL_TRANSPORT=grpc, a
        daemon without a session socket, or one whose socket this client cannot reach. The
        socket's path comes from GetServerInfo (over gRPC, once per client)."""
        if self._framed is not None or self._framed_off:
            return self._framed
        if not self.is_unix_socket:
            self._framed_off = True
            return None
        if method == "GetServerInfo" and self._session_socket_address is None:
            return None  # the call that tells where the socket is
        with self._lock:
            if self._framed is not None or self._framed_off:
                return self._framed
            if self._session_socket_address is None:
                self.info()
            address = self._session_socket_address or ""
            if not address.startswith("unix:"):
                self._framed_off = True
                return None
            from .framed import FrameSocket, FramedCalls
            try:  # reachable? (a client in a container may see the daemon's socket under another path)
                first = FrameSocket(address[len("unix:"):], 5.0)
            except HamdError:
                self._framed_off = True
                return None
            self._framed = FramedCalls(address[len("unix:"):], first)
            return self._framed

    def info(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Server version, capabilities, threads and limits, as a dict."""
        reply = self._call("GetServerInfo", hamd_pb2.GetServerInfoRequest(), timeout)
        self._session_socket_address = reply.session_socket
        limits = reply.limits
        return {
            "version": reply.version,
            "api_version": reply.api_version,
            "capabilities": list(reply.capabilities),
            "threads": reply.threads,
            "limits": {
                "max_atoms_per_request": limits.max_atoms_per_request,
                "max_structures_per_request": limits.max_structures_per_request,
                "max_message_bytes": limits.max_message_bytes,
                "max_output_bytes": limits.max_output_bytes,
                "max_sessions": limits.max_sessions,
                "session_idle_timeout_s": limits.session_idle_timeout_s,
            },
            "open_sessions": reply.open_sessions,
            "session_socket": reply.session_socket,
            "descriptor_kinds": list(reply.descriptor_kinds),
            "addon_build": reply.addon_build,
        }

    def statistics(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """What the daemon has served since it started (GetStatistics): {"uptime_s",
        "open_sessions", "methods": [{"method", "model", "success", "failure", "failure_codes",
        "queue_us", "compute_us", "total_us", "structures", "atoms"}, ...]}; times are sums over
        the successful calls, in microseconds."""
        reply = self._call("GetStatistics", hamd_pb2.GetStatisticsRequest(), timeout)
        return {
            "uptime_s": reply.uptime_s,
            "open_sessions": reply.open_sessions,
            "methods": [{"method": m.method, "model": m.model, "success": m.success, "failure": m.failure,
                         "failure_codes": dict(m.failure_codes), "queue_us": m.queue_us, "compute_us": m.compute_us,
                         "total_us": m.total_us, "structures": m.structures, "atoms": m.atoms} for m in reply.methods],
        }

    def _session_socket(self, transport: Optional[str]) -> Optional[str]:
        """The framed session socket's path for `transport`, or None for gRPC."""
        transport = transport or os.environ.get("HAMD_SESSION_TRANSPORT") or "auto"
        if transport not in ("auto", "socket", "grpc"):
            raise ValueError(f'transport must be "auto", "socket" or "grpc", not {transport!r}')
        if transport == "grpc" or (transport == "auto" and not self.is_unix_socket):
            return None
        if self._session_socket_address is None:  # asked once per client
            self.info()
        address = self._session_socket_address
        if not address.startswith("unix:"):
            if transport == "socket":
                raise HamdError("this daemon offers no session socket (hamd serve --session-socket; TCP daemons do not)",
                                grpc.StatusCode.FAILED_PRECONDITION)
            return None
        return address[len("unix:"):]

    @property
    def is_unix_socket(self) -> bool:
        """True when connected over a Unix socket (same host)."""
        return grpc_target(self.address).startswith("unix:")

    def descriptors_request(self, atoms: Any, kind: str = "power-spectrum", species: Optional[Sequence[Any]] = None,
                            gradients: Union[str, Sequence[str]] = (), max_lambda: Optional[int] = None,
                            potential_exponent: Optional[float] = None, correlation_order: Optional[int] = None,
                            nonlinearity: Optional[str] = None, k_cutoff: Optional[float] = None,
                            device: Optional[str] = None, contraction: Optional[str] = None,
                            **hypers: Any) -> hamd_pb2.ComputeDescriptorsRequest:
        """The ComputeDescriptorsRequest that descriptors() sends."""
        if kind not in DESCRIPTOR_KINDS:
            raise ValueError(f"kind must be one of {', '.join(DESCRIPTOR_KINDS)}, got {kind!r}")
        if isinstance(gradients, str):
            gradients = (gradients,)
        structures = [structure_to_proto(s, i) for i, s in enumerate(as_structure_list(atoms))]
        request = hamd_pb2.ComputeDescriptorsRequest(structures=structures, kind=kind,
                                                     hypers=_hypers_message(hypers),
                                                     gradients=list(gradients))
        if species is not None:
            from .structures import atomic_numbers
            request.species.extend(atomic_numbers(species, "species").tolist())
        if max_lambda is not None:
            request.max_lambda = int(max_lambda)
        # Options of particular kinds: the daemon says which kinds take them.
        if potential_exponent is not None:
            request.potential_exponent = float(potential_exponent)
        if correlation_order is not None:
            request.correlation_order = int(correlation_order)
        if nonlinearity is not None:
            request.nonlinearity = str(nonlinearity)
        if k_cutoff is not None:
            request.k_cutoff = float(k_cutoff)
        if device is not None:
            request.device = str(device)
        if contraction is not None:
            request.contraction = str(contraction)
        return request

    def compute_descriptors(self, request: hamd_pb2.ComputeDescriptorsRequest,
                            timeout: Optional[float] = None) -> hamd_pb2.ComputeDescriptorsResponse:
        """Send a ready ComputeDescriptorsRequest; returns the raw response message."""
        return self._call("ComputeDescriptors", request, timeout)

    def descriptors(self, atoms: Any, kind: str = "power-spectrum", species: Optional[Sequence[Any]] = None,
                    gradients: Union[str, Sequence[str]] = (), max_lambda: Optional[int] = None,
                    timeout: Optional[float] = None, progress: Optional[Callable[[int], None]] = None,
                    shared_memory: Optional[bool] = None, potential_exponent: Optional[float] = None,
                    correlation_order: Optional[int] = None, nonlinearity: Optional[str] = None,
                    k_cutoff: Optional[float] = None, device: Optional[str] = None,
                    contraction: Optional[str] = None, **hypers: Any) -> "DescriptorResult":
        """Descriptors of one or several structures. Requests over the daemon's limits are
        split into batches and the answers joined (hamd.batching); progress(k) is called after
        each batch with its number of structures (e.g. a tqdm bar's update).

        atoms: ase.Atoms, a list of them, or (symbols | numbers, positions[, cell, pbc]) (or
        a list of such tuples). kind: "spherical-expansion", "power-spectrum",
        "lambda-soap", "bispectrum", "correlation", "triplet", "lode-spherical-expansion",
        "multi-scale", "pair-features" or "message-passing". species: neighbour channels (default: the species
        present). gradients: "positions" and/or "cell". max_lambda: lambda-soap,
        correlation, multi-scale, pair-features and message-passing: highest o3_lambda (default
        max_angular; 0 for correlation and multi-scale). hypers: cutoff, cutoff_width,
        max_radial, max_angular, density_width, center_atom_weight. potential_exponent,
        correlation_order, nonlinearity, k_cutoff: options of particular kinds (hamd.proto
        ComputeDescriptorsRequest). device: "auto" (default), "cpu" or "cuda" (where the daemon
        computes; "cuda" fails with a reason when it cannot). contraction: correlation, the name
        of a contraction the daemon has loaded (models(), kind "correlation-contraction";
        `hamd fit-contraction` fits one), which projects the intermediate levels of nu = 3, 4.

        Returns a read-only mapping (hamd.results.DescriptorResult); the dense entries are
        joined from the blocks when first read:
          values:     invariants (power-spectrum, bispectrum, triplet): [n_samples, n_properties];
                      equivariants: {(o3_lambda, o3_sigma): [n_samples, 2 lambda + 1, n_properties]}
                      (spherical-expansion, lode-spherical-expansion: neighbor_type moved into the properties)
          samples:    int array [n_samples, 2] of (structure, atom), all centre types;
                      pair-features: [n_pairs, 6] of (structure, first_atom, second_atom,
                      cell_shift_a, cell_shift_b, cell_shift_c), one row per ordered pair within
                      the cutoff (both (i, j) and (j, i); periodic images of i itself included,
                      (i, i, 0) not), ascending; the first/second atom types of the keys are
                      implied by the atoms and not moved into the properties
          properties: Labels (invariants) or {(o3_lambda, o3_sigma): Labels}
          keys, blocks: the raw labelled blocks (Block: key, samples, components,
                      properties, values, gradients {parameter: GradientBlock})

        shared_memory: the daemon writes the values and gradients into a shared-memory region of
        this client and the arrays are read-only views of it, with no copy (docs/shared-memory.md).
        None (default): when the daemon is on a Unix socket of this host and offers it, for
        requests within its limits; False: never; True: always (an error where impossible).
        """
        request = self.descriptors_request(atoms, kind, species, gradients, max_lambda, potential_exponent,
                                           correlation_order, nonlinearity, k_cutoff, device, contraction, **hypers)
        region = self._output_region(request, shared_memory)
        if region is not None:
            request.output_region.name = region.name
            try:
                response = self.compute_descriptors(request, timeout)
                self._regions.needed(response.output_bytes)
                return response_to_result(response, kind, region)
            except HamdError as error:
                # A result over the daemon's size limit is split into batches, in the message.
                if shared_memory or not _too_large(error):
                    raise
                request.ClearField("output_region")
            finally:  # the result's arrays view the region now: that keeps it from others
                self._regions.release(region)
        if not self.is_unix_socket and len(plan_batches([len(s.atomic_numbers) for s in request.structures], self._limits())) <= 1:
            # Another host: the answer in chunks (no message holds it all, no size limit).
            response, arrays = self.compute_descriptors_streamed(request, timeout)
            return response_to_result(response, kind, arrays)
        return response_to_result(self.compute_descriptors_batched(request, timeout, progress), kind)

    def compute_descriptors_streamed(self, request: hamd_pb2.ComputeDescriptorsRequest,
                                     timeout: Optional[float] = None) -> Tuple[hamd_pb2.ComputeDescriptorsResponse, Any]:
        """ComputeDescriptorsStream: the answer in chunks. Returns the response (its bulk
        arrays marked in_region) and the buffer that holds their bytes (what response_to_result
        takes as `region`)."""
        limit = self.timeout if timeout is None else timeout
        try:
            chunks = self._stub.ComputeDescriptorsStream(request, timeout=limit, metadata=(("hamd-client", client_name()),))
            first = next(chunks)
            arrays = StreamedArrays(first.header)
            for chunk in chunks:
                arrays.add(chunk)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
        except StopIteration:
            raise HamdError("the daemon ended the stream before its header", grpc.StatusCode.UNAVAILABLE) from None
        return arrays.finish(), arrays

    def _output_region(self, request: hamd_pb2.ComputeDescriptorsRequest, wanted: Optional[bool]) -> Any:
        """The shared-memory region this request writes into, or None for the message."""
        if wanted is False:
            return None
        usable = self.is_unix_socket and shared_memory.supported() and "shared-memory" in self._capabilities()
        if usable and wanted is None:  # auto: a request the daemon takes in one piece
            counts = [len(s.atomic_numbers) for s in request.structures]
            usable = len(plan_batches(counts, self._limits())) <= 1
        if not usable:
            if wanted:
                raise HamdError("shared memory needs a daemon on a Unix socket of this host that offers it (Linux memfd)",
                                grpc.StatusCode.FAILED_PRECONDITION)
            return None
        with self._lock:  # one pool for the client's threads
            if self._regions is None:
                self._regions = shared_memory.RegionPool(
                    lambda r: self._call("RegisterSharedMemory", r, None),
                    lambda r: self._call("UnregisterSharedMemory", r, 10.0))
        try:
            region = self._regions.lease()
        except (HamdError, OSError) as error:
            if wanted:
                raise
            # Auto mode: a daemon that refuses the region (its limit, /proc not readable in a
            # container, ...) still answers through the message; stop trying for this client.
            warnings.warn(f"hamd: shared memory unavailable, arrays travel in the message ({error})", stacklevel=3)
            self._capabilities_cache = []
            return None
        if region is None and wanted:
            raise HamdError(f"every shared-memory region of this client is still viewed by a result (at most {shared_memory.MAX_REGIONS})",
                            grpc.StatusCode.RESOURCE_EXHAUSTED)
        return region

    def _capabilities(self) -> List[str]:
        """The daemon's capabilities (asked once per client)."""
        if self._capabilities_cache is None:
            self._capabilities_cache = self.info()["capabilities"]
        return self._capabilities_cache

    def shared_memory_status(self, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """The shared-memory regions registered with the daemon (every client's): name, path,
        byte_size, owner_pid, busy, requests."""
        reply = self._call("SharedMemoryStatus", hamd_pb2.SharedMemoryStatusRequest(), timeout)
        return [{"name": r.name, "path": r.path, "byte_size": r.byte_size, "owner_pid": r.owner_pid,
                 "busy": r.busy, "requests": r.requests} for r in reply.regions]

    def compute_descriptors_batched(self, request: hamd_pb2.ComputeDescriptorsRequest, timeout: Optional[float] = None,
                                    progress: Optional[Callable[[int], None]] = None) -> hamd_pb2.ComputeDescriptorsResponse:
        """compute_descriptors() for a request of any size: split into batches by the daemon's
        limits (hamd.batching), answers joined into the response one call would give."""
        counts = [len(s.atomic_numbers) for s in request.structures]
        batches = plan_batches(counts, self._limits())
        if len(batches) <= 1:
            try:
                return self.compute_descriptors(request, timeout)
            except HamdError as error:
                if len(counts) <= 1 or not _too_large(error):
                    raise
        if not request.species:  # the daemon's default, fixed for every batch: equal properties
            request.species.extend(sorted({int(z) for s in request.structures for z in s.atomic_numbers}))

        def send(start: int, stop: int) -> hamd_pb2.ComputeDescriptorsResponse:
            part = hamd_pb2.ComputeDescriptorsRequest()
            part.CopyFrom(request)
            del part.structures[:]
            part.structures.extend(request.structures[start:stop])
            return self.compute_descriptors(part, timeout)
        parts = [(start, answer) for start, _, answer in run_batches(send, batches, _too_large, progress)]
        return parts[0][1] if len(parts) == 1 else merge_descriptor_responses(parts)

    def _limits(self) -> Dict[str, int]:
        """The daemon's limits (asked once per client)."""
        if self._limits_cache is None:
            self._limits_cache = self.info()["limits"]
        return self._limits_cache

    def models(self, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """Models the daemon knows, as a list of dicts (name, kind, state ("ready",
        "unloaded" or "failed"), error, species, basis, units, cutoff, outputs, validation,
        default, path, checksum, metadata), sorted by name."""
        reply = self._call("ListModels", hamd_pb2.ListModelsRequest(), timeout)
        return [model_info(m) for m in reply.models]

    def load_model(self, name: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Loads (or reloads) model `name` of the daemon's repository; returns its info."""
        return model_info(self._call("LoadModel", hamd_pb2.LoadModelRequest(name=name), timeout))

    def unload_model(self, name: str, timeout: Optional[float] = None) -> None:
        """Unloads model `name` (it stays in the registry, state "unloaded")."""
        self._call("UnloadModel", hamd_pb2.UnloadModelRequest(name=name), timeout)

    def predict_raw(self, request: hamd_pb2.PredictRequest, timeout: Optional[float] = None) -> hamd_pb2.PredictResponse:
        """Send a ready PredictRequest; returns the raw PredictResponse."""
        return self._call("Predict", request, timeout)

    def predict(self, atoms: Any, model: Optional[str] = None, outputs: Union[str, Sequence[str]] = DEFAULT_OUTPUTS,
                units: Optional[str] = None, order: Optional[str] = None, variant: Optional[str] = None,
                charge: int = 0, timeout: Optional[float] = None, progress: Optional[Callable[[int], None]] = None,
                n_states: int = 0) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
        """Surrogate-Hamiltonian outputs of one molecule or several (split into batches by the
        daemon's limits when needed; progress(k) after each batch of k structures).

        atoms: as for descriptors() (ase.Atoms, a list of them, or (symbols | numbers,
        positions) tuples); molecules only. model: registry name (None: the daemon's default
        model). outputs: any of "fock_orthogonal", "fock", "overlap", "orbital_energies",
        "valid_orbitals", "homo", "lumo", "gap", "orbital_labels", "excitation_energies",
        "oscillator_strengths" (Hamiltonian models), or "energy", "forces",
        "stress", "energies", "energy_uncertainty" (energy models; without `model`, the default
        model of the kind of the outputs answers). units: "hartree" or "ev" (None: Hartree for
        Hamiltonian outputs, eV and Angstrom for energy outputs). order: orbital
        order of matrices and labels, "hamd" or "pyscf" (PySCF's ao_labels order). variant:
        "best" (the eigenvalue-trained weights when the model has them), "direct" or "indirect".
        charge: molecular charge of every structure (electrons = sum of atomic numbers - charge).
        n_states: how many singlet excitations the excitation outputs give (1..50; 0: 5).

        Returns, for one structure, a dict of numpy arrays keyed by output name (see
        hamd.predict.structure_result; plus "model", "units", "order"); for a list of
        structures, a list of such dicts.
        """
        single = is_single_structure(atoms)
        request = predict_request(atoms, model, outputs, units, order, variant, charge, n_states)

        def send(start: int, stop: int) -> hamd_pb2.PredictResponse:
            if start == 0 and stop == len(request.structures):
                return self.predict_raw(request, timeout)
            part = hamd_pb2.PredictRequest()
            part.CopyFrom(request)
            del part.structures[:]
            part.structures.extend(request.structures[start:stop])
            return self.predict_raw(part, timeout)
        # Over the daemon's limits: batches of whole structures, answers in order (hamd.batching).
        batches = plan_batches([len(s.atomic_numbers) for s in request.structures], self._limits()) \
            if len(request.structures) > 1 else [(0, len(request.structures))]
        results = []
        for _, _, reply in run_batches(send, batches, _too_large, progress):
            for message in reply.structures:
                result = structure_result(message)
                result.update(model=reply.model, units=reply.units, order=reply.order)
                results.append(result)
        return results[0] if single else results

    def session(self, atoms: Any, outputs: Sequence[str] = ("energy", "forces"), model: Optional[str] = None,
                hamiltonian_model: Optional[str] = None, units: Optional[str] = None, order: Optional[str] = None,
                charge: int = 0, skin: Optional[float] = None, timeout: Optional[float] = None,
                contributing: Optional[Sequence[bool]] = None, transport: Optional[str] = None,
                reconnect_timeout: float = 60.0) -> "Session":
        """Opens a simulation session for `atoms` (ase.Atoms or (symbols | numbers, positions[,
        cell, pbc])): the species, cell and periodicity are fixed; each step() sends positions.

        outputs: energy-model outputs ("energy", "forces", "stress", "energies",
        "energy_uncertainty") and/or Hamiltonian outputs ("orbital_energies", "gap", ...).
        model / hamiltonian_model: registry names (None: the daemon's default of each kind).
        units: None (eV and Angstrom for energy outputs, Hartree for Hamiltonian ones), "ev" or
        "hartree". skin: Verlet skin in Angstrom (None: the daemon's 0.5). timeout: seconds for
        the whole session (None: no limit; the daemon ends sessions idle for its idle timeout).
        contributing: one flag per atom, whether its energy counts (None: every atom); for a host
        code's atoms plus their ghosts as one cluster (energy outputs only; docs/sessions.md).
        transport: "auto" (default, or $HAMD_SESSION_TRANSPORT): the daemon's framed session
        socket when it offers one (same host), else gRPC; "socket" or "grpc" to insist.
        reconnect_timeout: when the daemon goes away mid-session (killed, restarted), the next
        step reopens the session (starting a daemon if this client was made with autostart)
        and is sent again, for up to this many seconds (0: raise Unavailable at once); steps
        keep their numbering and none is lost or repeated.
        Returns a hamd.session.Session (a context manager)."""
        from .session import Session, _GrpcExchange, _SocketExchange

        def connect() -> Any:
            path = self._session_socket(transport)
            if path:
                try:
                    return _SocketExchange(path, timeout)
                except HamdError:
                    # "auto" falls back on the stream when the advertised socket cannot be reached
                    # (e.g. a client in a container that sees the daemon's socket under another
                    # path), as the C client does; "socket" insists.
                    if (transport or os.environ.get("HAMD_SESSION_TRANSPORT") or "auto") != "auto":
                        raise
            return _GrpcExchange(self._stub, timeout)
        try:
            return Session(connect, atoms, outputs, model, hamiltonian_model, units, order, charge, skin, contributing,
                           recover=self._recover_daemon, reconnect_timeout=reconnect_timeout)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def _recover_daemon(self) -> None:
        """Before a session reopens after its daemon went away: a client made with autostart
        starts a daemon again (hamd.autostart); others wait for one to come back."""
        if self._autostart is None:
            return
        from .autostart import connect_or_start
        connect_or_start(Client, self.address, timeout=self.timeout, **self._autostart).close()


def connect(address: Optional[str] = None, timeout: float = 300.0, autostart: bool = False,
            idle_exit: Optional[float] = None, start_timeout: float = 60.0) -> Client:
    """A Client for the daemon at `address` (default: $HAMD_ADDRESS, else the default socket).

    autostart: when no daemon answers on a Unix socket, start `hamd serve` there in the
    background and wait until it serves (hamd.autostart: one daemon however many clients start
    at once; a daemon of another version is reported with a VersionMismatchWarning). idle_exit:
    seconds without calls after which the daemon started exits (default $HAMD_IDLE_EXIT, else
    900; 0: never). start_timeout: seconds to wait for it to serve."""
    if not autostart:
        return Client(address, timeout=timeout)
    from .autostart import connect_or_start
    client = connect_or_start(Client, address or default_address(), timeout=timeout,
                              start_timeout=start_timeout, idle_exit=idle_exit)
    client._autostart = {"start_timeout": start_timeout, "idle_exit": idle_exit}  # sessions restart it too
    return client
