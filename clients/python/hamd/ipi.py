"""hamd-ipi: an i-PI driver that answers an i-PI-protocol server from one hamd session.

    hamd-ipi --unix NAME --template start.xyz [--model NAME] [--outputs gap,homo]
    hamd-ipi --address HOST:PORT --template start.xyz
    python3 -m hamd.ipi ...                                  (the same)

The server is i-PI (an <ffsocket>) or anything speaking its protocol, e.g. ASE's
SocketIOCalculator. The template file (any format ase.io reads) gives the species in the order of
the server's atoms, and the cell and periodicity: a template periodic in all three directions makes
a periodic run (cell and virial), otherwise a molecule (the server's cell is ignored, virial 0).
Every step is one step of one hamd streaming session (docs/sessions.md), opened at start on the
daemon at --daemon (started when none answers: hamd.autostart). Documentation: docs/hosts.md.

The protocol (i-PI's "socket" protocol; all numbers little-endian as the machine's, i.e. native):

- every message starts with a 12-byte ASCII header, padded with spaces;
- the server asks STATUS; the driver answers NEEDINIT (before INIT), READY, or HAVEDATA (after
  POSDATA, before GETFORCE);
- INIT: int32 bead index, int32 length, that many bytes (an initialisation string; ignored, but
  i-PI's batched protocol, announced there as "batch_size:N", is refused);
- POSDATA: the cell h (3x3 float64, Bohr; its columns are the lattice vectors, sent row by row,
  so the rows of the received matrix's transpose are the vectors a, b, c), its inverse (3x3
  float64, 1/Bohr; unused), int32 n, positions (n x 3 float64, Bohr);
- GETFORCE: the driver answers FORCEREADY, float64 energy (Hartree), int32 n, forces (n x 3
  float64, Hartree/Bohr), virial (3x3 float64, Hartree, sent as its transpose), int32 length and
  that many bytes of extras: here a JSON object (energy_uncertainty in Hartree, and any --outputs);
- EXIT, or the server closing the connection between messages: the driver exits with status 0.

Units: positions and cells are converted with the Bohr radius and energies with the Hartree of
--codata (2018: hamd's own, CODATA 2018; 2014: the values of ASE's default ase.units, so that a
round trip through ASE's SocketIOCalculator reproduces ASE's own numbers to the last bits).
Virial = -stress x volume (periodic runs), as ASE's SocketClient sends and SocketIOCalculator
converts back to stress; 0 for molecules, as there.
"""
import argparse
import json
import os
import re
import socket
import sys
import time
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import grpc
import numpy as np

from .client import connect
from .errors import HamdError

HEADER_LENGTH = 12
SOCKET_PREFIX = "/tmp/ipi_"


class Units(NamedTuple):
    """The atomic units of a protocol run: the Bohr radius in Angstrom and the Hartree in eV."""

    bohr: float
    hartree: float


# ASE's 2014 values are those ase.units computes from the CODATA 2014 constants (not the rounded
# tabulated ones), so that ASE's conversions and the driver's cancel exactly.
CODATA = {
    "2018": Units(bohr=0.529177210903, hartree=27.211386245988),
    "2014": Units(bohr=0.5291772105638411, hartree=27.211386024367243),
}
PROTOCOL_OUTPUTS = ("energy", "forces", "stress", "energy_uncertainty")
# Energy-model outputs in eV (per atom for "energies"); Hamiltonian ones arrive in Hartree.
EV_OUTPUTS = ("energy_uncertainty", "energies")


class ServerGone(Exception):
    """The server closed the connection (between messages: a normal end)."""


class ProtocolError(Exception):
    """The server sent something the protocol does not allow here."""


class Connection:
    """One i-PI protocol connection over a connected stream socket."""

    def __init__(self, sock: socket.socket) -> None:
        """sock: a connected socket (connect_server())."""
        self.sock = sock
        # Over TCP, acknowledge at once what arrives (Linux: TCP_QUICKACK, which the kernel resets,
        # so after every read): a server without TCP_NODELAY (ASE's) that writes a message in
        # several pieces otherwise waits for the delayed ACK, ~40 ms a step.
        self.quickack = sock.family in (socket.AF_INET, socket.AF_INET6) and hasattr(socket, "TCP_QUICKACK")

    def read_exactly(self, n: int) -> bytes:
        """n bytes; ServerGone when the server closed the connection before the first byte,
        ProtocolError when it closed it in the middle."""
        buffer = bytearray(n)
        view = memoryview(buffer)
        got = 0
        while got < n:
            try:
                k = self.sock.recv_into(view[got:], n - got)
            except ConnectionResetError:
                k = 0
            if self.quickack:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if k == 0:
                if got == 0:
                    raise ServerGone()
                raise ProtocolError(f"the connection closed in the middle of a message ({got} of {n} bytes)")
            got += k
        return bytes(buffer)

    def read_header(self) -> str:
        """The next message's name, e.g. "STATUS"."""
        return self.read_exactly(HEADER_LENGTH).decode("ascii", "replace").strip().upper()

    def read_array(self, dtype: str, count: int) -> np.ndarray:
        """count values of dtype ("<f8", "<i4": native little-endian as the protocol sends)."""
        size = np.dtype(dtype).itemsize * count
        if count == 0:
            return np.zeros(0, dtype)
        try:
            data = self.read_exactly(size)
        except ServerGone:
            raise ProtocolError("the connection closed in the middle of a message") from None
        return np.frombuffer(data, dtype=dtype)

    def send(self, *parts: bytes) -> None:
        """Sends the parts as one write (one segment for small messages)."""
        self.sock.sendall(b"".join(parts))

    @staticmethod
    def header(name: str) -> bytes:
        """The 12-byte header of message `name`."""
        return name.encode("ascii").ljust(HEADER_LENGTH)

    def close(self) -> None:
        """Closes the socket."""
        try:
            self.sock.close()
        except OSError:
            pass


def socket_path(name: str) -> str:
    """The Unix socket of server NAME: /tmp/ipi_NAME (i-PI's and ASE's convention), or NAME itself
    when it is an absolute path."""
    return name if name.startswith("/") else SOCKET_PREFIX + name


def parse_inet(address: str) -> Tuple[str, int]:
    """(host, port) of "HOST:PORT" (an IPv6 host in brackets: "[::1]:31415"); ValueError if bad."""
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--address wants HOST:PORT, got {address!r}")
    return host.strip("[]"), int(port)


def connect_server(unix: Optional[str] = None, address: Optional[str] = None, wait: float = 60.0) -> socket.socket:
    """A socket connected to the server: Unix socket `unix` (socket_path()) or TCP `address`
    (HOST:PORT, with TCP_NODELAY). Retries for `wait` seconds while nothing listens there yet;
    then OSError naming the address."""
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        try:
            if unix is not None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.connect(socket_path(unix))
                except OSError:
                    sock.close()
                    raise
            else:
                host, port = parse_inet(address or "")
                sock = socket.create_connection((host, port))
                # The protocol is many small request/answer messages: no Nagle delay.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except (FileNotFoundError, ConnectionRefusedError) as error:
            if time.monotonic() >= deadline:
                where = f"unix:{socket_path(unix)}" if unix is not None else address
                raise OSError(f"no i-PI server at {where} ({error.strerror or error})") from None
            time.sleep(0.1)


def read_template(path: str) -> Any:
    """The template structure (ase.Atoms) of `path`, in any format ase.io reads; ValueError with
    the reason when it cannot be read or has no atoms."""
    try:
        import ase.io
    except ImportError:
        raise ValueError("reading the template needs ASE: pip install ase") from None
    if not os.path.isfile(path):
        raise ValueError(f"template {path}: no such file")
    try:
        atoms = ase.io.read(path)
    except Exception as error:  # ase.io raises many kinds for unreadable files
        raise ValueError(f"template {path}: ase.io cannot read it ({type(error).__name__}: {error})") from None
    if isinstance(atoms, list):
        atoms = atoms[0]
    if len(atoms) == 0:
        raise ValueError(f"template {path}: no atoms")
    return atoms


def _to_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class Driver:
    """The hamd side of the protocol: one session, the conversions, the answers."""

    def __init__(self, client: Any, template: Any, model: Optional[str] = None, hamiltonian_model: Optional[str] = None,
                 outputs: Sequence[str] = (), skin: Optional[float] = None, codata: str = "2018") -> None:
        """Opens the session for `template` (ase.Atoms) on `client` (a hamd Client). outputs: extra
        outputs put in the extras (Hamiltonian ones such as "gap", or per-atom "energies")."""
        self.client = client
        self.template = template
        self.units = CODATA[codata]
        pbc = [bool(p) for p in template.pbc]
        self.periodic = all(pbc)
        self.partly_periodic = any(pbc) and not self.periodic
        self.extra_outputs = [o for o in dict.fromkeys(outputs) if o not in PROTOCOL_OUTPUTS]
        self.outputs = ["energy", "forces", "energy_uncertainty"] + (["stress"] if self.periodic else []) + self.extra_outputs
        self.model = model
        self.hamiltonian_model = hamiltonian_model
        self.skin = skin
        self.cell = np.array(template.cell[:], dtype=np.float64) if any(pbc) else None  # Angstrom, rows a, b, c
        self.steps = 0
        self.session = self._open()
        self.reply: Optional[bytes] = None

    def _open(self) -> Any:
        atoms = self.template.copy()
        if self.cell is not None:
            atoms.set_cell(self.cell)
        return self.client.session(atoms, outputs=self.outputs, model=self.model,
                                   hamiltonian_model=self.hamiltonian_model, skin=self.skin)

    @property
    def n_atoms(self) -> int:
        """The number of atoms of the template (and of every POSDATA)."""
        return len(self.template)

    def compute(self, cell_h: np.ndarray, positions_bohr: np.ndarray) -> bytes:
        """One step: the POSDATA cell h (3x3 as received, Bohr) and positions (n x 3, Bohr) -> the
        FORCEREADY message's bytes after its header."""
        bohr, hartree = self.units
        positions = positions_bohr * bohr
        new_cell = None
        if self.cell is not None:
            cell = cell_h.T * bohr  # rows a, b, c in Angstrom
            if not np.array_equal(cell, self.cell):
                new_cell = cell
        result = self._step(positions, new_cell)
        if new_cell is not None:
            self.cell = new_cell
        energy = float(result["energy"]) / hartree
        forces = np.ascontiguousarray(result["forces"], dtype="<f8").reshape(-1, 3) * (bohr / hartree)
        if self.periodic:
            stress = np.asarray(result["stress"], dtype=np.float64).reshape(3, 3)  # eV/A^3
            virial = -stress * abs(np.linalg.det(self.cell)) / hartree
        else:
            virial = np.zeros((3, 3))
        extras: Dict[str, Any] = {}
        for name in ["energy_uncertainty"] + self.extra_outputs:
            value = result.get(name)
            if name in EV_OUTPUTS:
                value = np.asarray(value, dtype=np.float64) / hartree
            extras[name] = _to_json(value)
        if result.get("warnings"):  # e.g. a withheld gap (null above): why, in the host's log
            extras["warnings"] = list(result["warnings"])
        text = json.dumps(extras, separators=(",", ":")).encode("utf-8")
        self.steps += 1
        return b"".join([np.array([energy], "<f8").tobytes(), np.array([self.n_atoms], "<i4").tobytes(),
                         forces.astype("<f8").tobytes(), np.ascontiguousarray(virial.T, dtype="<f8").tobytes(),
                         np.array([len(text)], "<i4").tobytes(), text])

    def _step(self, positions: np.ndarray, cell: Optional[np.ndarray]) -> Dict[str, Any]:
        try:
            return self.session.step(positions, cell=cell)
        except HamdError as error:
            # The daemon ends a session idle for its --session-idle-timeout (a server that paused),
            # or restarted: reopen once and retry; a refused step (bad positions) is not retried.
            if error.code not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE,
                                  grpc.StatusCode.FAILED_PRECONDITION):
                raise
            self.session.abort()
            if cell is not None:
                self.cell = cell
            self.session = self._open()
            return self.session.step(positions, cell=None)

    def serve(self, connection: Connection, log: Any = None) -> str:
        """Answers the server until EXIT or until it closes the connection; returns which ("EXIT"
        or "closed"). ProtocolError for a message out of place; HamdError for a refused step."""
        initialised = False
        while True:
            try:
                header = connection.read_header()
            except ServerGone:
                return "closed"
            if log:
                log(f"received {header}")
            if header == "STATUS":
                state = "NEEDINIT" if not initialised else ("HAVEDATA" if self.reply is not None else "READY")
                connection.send(connection.header(state))
            elif header == "INIT":
                connection.read_array("<i4", 1)  # bead index
                length = int(connection.read_array("<i4", 1)[0])
                init = connection.read_array("u1", length).tobytes()
                if log:
                    log(f"INIT string {init!r}")
                batch = re.search(rb"batch_size:\s*(\d+)", init)
                if batch and int(batch.group(1)) > 1:
                    raise ProtocolError(f"the server asks for batches of {int(batch.group(1))} structures (i-PI's "
                                        "ffsocket batch_size), which hamd-ipi does not speak: remove batch_size")
                initialised = True
            elif header == "POSDATA":
                head = connection.read_array("u1", 2 * 72 + 4).tobytes()  # h, its inverse (unused), n
                cell = np.frombuffer(head, "<f8", 9).reshape(3, 3)
                n = int(np.frombuffer(head, "<i4", 1, offset=144)[0])
                if n != self.n_atoms:
                    raise ProtocolError(f"the server sent {n} atoms; the template has {self.n_atoms}")
                positions = connection.read_array("<f8", 3 * n).reshape(n, 3)
                self.reply = self.compute(cell, positions)
                initialised = True  # a server that skips INIT (ASE's with a ready driver) is fine
            elif header == "GETFORCE":
                if self.reply is None:
                    raise ProtocolError("GETFORCE before any POSDATA")
                connection.send(connection.header("FORCEREADY"), self.reply)
                self.reply = None
            elif header == "EXIT":
                return "EXIT"
            else:
                raise ProtocolError(f"unexpected message {header!r}")

    def close(self) -> Dict[str, int]:
        """Closes the session; returns its {"steps", "neighbor_rebuilds"}."""
        return self.session.close()


def parser() -> argparse.ArgumentParser:
    """The command line of hamd-ipi."""
    p = argparse.ArgumentParser(
        prog="hamd-ipi", description="i-PI driver: answers an i-PI-protocol server (i-PI, ASE's SocketIOCalculator) "
                                     "with energies, forces and virials of a hamd energy model (docs/hosts.md).")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--unix", metavar="NAME", help="Unix socket /tmp/ipi_NAME (i-PI's <address>), or an absolute path")
    where.add_argument("--address", metavar="HOST:PORT", help="TCP socket of the server (i-PI's <address> and <port>)")
    p.add_argument("--template", metavar="FILE", required=True,
                   help="structure file (any ase.io format): species in the server's atom order; cell and pbc "
                        "if periodic in 3D")
    p.add_argument("--model", help="hamd energy model (default: the daemon's default energy model)")
    p.add_argument("--hamiltonian-model", metavar="NAME", help="Hamiltonian model for --outputs (default: the daemon's)")
    p.add_argument("--outputs", default="", metavar="LIST",
                   help="comma-separated extra outputs for the JSON extras, e.g. gap,homo,lumo or energies "
                        "(energy_uncertainty is always there)")
    p.add_argument("--daemon", metavar="ADDRESS", help="hamd's address (default: $HAMD_ADDRESS, else the per-user socket)")
    p.add_argument("--no-autostart", action="store_true", help="do not start a daemon when none answers")
    p.add_argument("--skin", type=float, help="Verlet skin of the session's neighbour lists, Angstrom (default: the daemon's)")
    p.add_argument("--codata", choices=sorted(CODATA), default="2018",
                   help="Bohr and Hartree values: 2018 (hamd's), or 2014 (ASE's default ase.units; use with ASE servers "
                        "for bit-for-bit agreement)")
    p.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                   help="keep trying to connect while the server is not listening yet (default 60: i-PI may take a while to start)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every message and step to stderr")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the driver (the `hamd-ipi` command); returns the exit status: 0 after EXIT or when the
    server closed the connection, 1 for a failure at run time, 2 for a bad command line or template."""
    args = parser().parse_args(argv)
    out = sys.stderr

    def say(message: str) -> None:
        print(f"hamd-ipi: {message}", file=out, flush=True)

    log = say if args.verbose else None
    try:
        template = read_template(args.template)
        if args.address is not None:
            parse_inet(args.address)
    except ValueError as error:
        say(str(error))
        return 2
    outputs = [o.strip() for o in args.outputs.split(",") if o.strip()]

    where = f"unix:{socket_path(args.unix)}" if args.unix is not None else args.address
    try:
        sock = connect_server(args.unix, args.address, args.wait)
    except OSError as error:
        say(str(error))
        return 1
    connection = Connection(sock)
    driver: Optional[Driver] = None
    client = None
    try:
        client = connect(args.daemon, autostart=not args.no_autostart)
        driver = Driver(client, template, model=args.model, hamiltonian_model=args.hamiltonian_model,
                        outputs=outputs, skin=args.skin, codata=args.codata)
        if log:
            info = driver.session.info
            log(f"connected to {where}; session {info['session_id']} on model {info['model']}, {driver.n_atoms} atoms, "
                f"{'periodic' if driver.periodic else 'molecule'}, outputs {','.join(info['outputs'])}, "
                f"CODATA {args.codata}")
        if driver.partly_periodic:
            say("note: the template is periodic in only some directions: no stress, the virial is sent as 0")
        how = driver.serve(connection, log)
        stats = driver.close()
        reason = "EXIT received" if how == "EXIT" else "the server closed the connection"
        say(f"{reason} after {driver.steps} steps ({stats.get('neighbor_rebuilds', 0)} neighbour-list rebuilds); done")
        return 0
    except HamdError as error:
        say(f"hamd: {error}" + (f" (after {driver.steps} steps)" if driver else ""))
        return 1
    except ProtocolError as error:
        say(f"protocol error with {where}: {error}")
        return 1
    except OSError as error:
        say(f"connection to {where}: {error}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        connection.close()
        if driver is not None:
            driver.session.close()
        if client is not None:
            client.close()


if __name__ == "__main__":
    sys.exit(main())
