"""Generates the gRPC stubs of proto/hamd/v1/hamd.proto into a `_proto` package directory.

The one implementation of stub generation, used by
  - setup.py (the PEP 517 build of `pip install clients/python`: stubs generated at build time),
  - tools/gen-python-stubs.js (`npm run prepare`: stubs for the dev path PYTHONPATH=clients/python).
Needs grpcio-tools, not Node. Writes hamd_pb2.py, hamd_pb2.pyi (type hints), hamd_pb2_grpc.py
and __init__.py.

    python3 clients/python/build_stubs.py [--proto-root DIR] [--out DIR]
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, NamedTuple, Optional

HERE = Path(__file__).resolve().parent
PROTO_FILE = "hamd/v1/hamd.proto"


class StubVersions(NamedTuple):
    """The runtime versions the generated code requires (it checks them on import)."""

    grpcio: str     # GRPC_GENERATED_VERSION of hamd_pb2_grpc.py: grpcio must be at least this
    protobuf: str   # gencode version of hamd_pb2.py: protobuf must be at least this


def find_proto_root(project_dir: Path = HERE) -> Path:
    """The directory holding hamd/v1/hamd.proto: `proto/` inside the project (an sdist carries a
    copy there) or the repository's `proto/` two levels up (a build from the source tree)."""
    candidates = [project_dir / "proto", project_dir.parent.parent / "proto"]
    for candidate in candidates:
        if (candidate / PROTO_FILE).is_file():
            return candidate
    raise FileNotFoundError(
        f"hamd Python client: {PROTO_FILE} not found in {' or '.join(str(c) for c in candidates)}. "
        "Build the client from a hamd source tree (pip install ./clients/python at the repository root) "
        "or from an sdist made there; the gRPC stubs are generated from that file at build time.")


def _protoc(arguments: List[str]) -> None:
    try:
        import grpc_tools  # noqa: F401  (a clear message instead of protoc's ModuleNotFoundError)
    except ImportError as error:
        raise RuntimeError("hamd Python client: generating the gRPC stubs needs grpcio-tools "
                           "(pip install grpcio-tools)") from error
    result = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", *arguments],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"grpc_tools.protoc failed ({result.returncode}):\n{result.stderr}")


def _one(pattern: str, text: str, what: str) -> re.Match:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"hamd Python client: could not find {what} in the generated stubs "
                           "(grpcio-tools changed its output; update clients/python/build_stubs.py)")
    return match


def generate(out_dir: Path, proto_root: Optional[Path] = None) -> StubVersions:
    """Writes the stubs into `out_dir` (created; its old stubs replaced) and returns the runtime
    versions they need."""
    proto_root = proto_root or find_proto_root()
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="hamd-stubs-") as work:
        _protoc([f"-I{proto_root}", f"--python_out={work}", f"--pyi_out={work}",
                 f"--grpc_python_out={work}", PROTO_FILE])
        generated = Path(work) / "hamd" / "v1"
        messages = (generated / "hamd_pb2.py").read_text()
        services = (generated / "hamd_pb2_grpc.py").read_text()
        # protoc writes an absolute import (`from hamd.v1 import hamd_pb2`), which would resolve
        # against the `hamd` client package itself: make it relative to _proto/.
        services, count = re.subn(r"^from hamd\.v1 import hamd_pb2 as", "from . import hamd_pb2 as",
                                  services, flags=re.MULTILINE)
        if count != 1:
            raise RuntimeError("hamd Python client: could not find the import of hamd_pb2 in "
                               "hamd_pb2_grpc.py to make it relative")
        gencode = _one(r"^_runtime_version\.ValidateProtobufRuntimeVersion\(\s*"
                       r"_runtime_version\.Domain\.PUBLIC,\s*(\d+),\s*(\d+),\s*(\d+),",
                       messages, "the protobuf gencode version")
        grpc_version = _one(r"^GRPC_GENERATED_VERSION = '([^']+)'", services, "GRPC_GENERATED_VERSION")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "hamd_pb2.py").write_text(messages)
        shutil.copyfile(generated / "hamd_pb2.pyi", out_dir / "hamd_pb2.pyi")
        (out_dir / "hamd_pb2_grpc.py").write_text(services)
        (out_dir / "__init__.py").write_text(
            f'"""gRPC stubs generated from proto/{PROTO_FILE} by clients/python/build_stubs.py."""\n')
    return StubVersions(grpcio=grpc_version.group(1), protobuf=".".join(gencode.groups()))


def runtime_requirements(versions: StubVersions) -> List[str]:
    """The install requirements that match stubs of these versions: grpcio at least the generating
    grpcio-tools' version; protobuf at least the gencode version and at most one major release
    newer (protobuf's cross-version runtime guarantee)."""
    major = int(versions.protobuf.split(".")[0])
    return [f"grpcio>={versions.grpcio}", f"protobuf>={versions.protobuf},<{major + 2}"]


def main(argv: Optional[List[str]] = None) -> int:
    """Command line: generate the stubs (default: into hamd/_proto beside this file)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-root", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "hamd" / "_proto")
    args = parser.parse_args(argv)
    try:
        versions = generate(args.out, args.proto_root)
    except (FileNotFoundError, RuntimeError) as error:
        print(f"build_stubs: {error}", file=sys.stderr)
        return 1
    print(f"build_stubs: wrote {args.out}/hamd_pb2{{.py,.pyi,_grpc.py}} "
          f"(needs {', '.join(runtime_requirements(versions))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
