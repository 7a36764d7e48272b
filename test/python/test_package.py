"""`pip install ./clients/python` as on a fresh clone: no Node, no generated stubs in the tree.

The package is built from a copy of clients/python and proto/ (the layout of a clone, without the
git-ignored hamd/_proto/), with the environment's setuptools and grpcio-tools
(--no-build-isolation --no-index: the test needs no package index), installed into a target
directory and imported from outside the repository.
"""
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns("_proto", "build", "*.egg-info", "__pycache__", "dist")

pytest.importorskip("grpc_tools", reason="building the Python client needs grpcio-tools")


def fresh_clone(tmp_path, with_proto=True):
    """clients/python (and proto/) copied as a clone has them; returns the project directory."""
    project = tmp_path / "clone" / "clients" / "python"
    shutil.copytree(ROOT / "clients" / "python", project, ignore=IGNORED)
    if with_proto:
        shutil.copytree(ROOT / "proto", tmp_path / "clone" / "proto")
    assert not (project / "hamd" / "_proto").exists()
    return project


def pip_install(source, target):
    return subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-index",
                           "--no-deps", "--disable-pip-version-check", "--target", str(target), str(source)],
                          capture_output=True, text=True, cwd=source.parent, env=outside_environment())


def outside_environment(pythonpath=None):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HAMD_ADDRESS")}
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def import_from(site, tmp_path):
    """Imports hamd from `site` in a fresh interpreter whose working directory is outside the
    repository; returns what it printed."""
    script = ("import hamd, hamd._proto.hamd_pb2 as pb, hamd._proto.hamd_pb2_grpc as rpc\n"
              "print(hamd.__file__); print(hamd.__version__); print(rpc.HamdStub.__name__)\n"
              "print(pb.ServerInfo.DESCRIPTOR.full_name)\n")
    result = subprocess.run([sys.executable, "-s", "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, env=outside_environment(site))
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def version_tuple(text):
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def test_install_from_a_fresh_clone_without_node(tmp_path):
    project = fresh_clone(tmp_path)
    site = tmp_path / "site"
    result = pip_install(project, site)
    assert result.returncode == 0, result.stdout + result.stderr
    stubs = site / "hamd" / "_proto"
    for name in ("__init__.py", "hamd_pb2.py", "hamd_pb2.pyi", "hamd_pb2_grpc.py"):
        assert (stubs / name).is_file(), f"{name} not generated into the installed package"
    assert (site / "hamd" / "py.typed").is_file(), "py.typed marker missing"
    assert not (site / "build_stubs.py").exists(), "the build helper is not part of the package"
    script = site / "bin" / "hamd-ipi"
    assert script.is_file(), "the i-PI driver's console script is installed"
    assert "from hamd.ipi import main" in script.read_text()
    usage = subprocess.run([sys.executable, "-s", str(script), "--help"], capture_output=True, text=True, cwd=tmp_path,
                           env=outside_environment(site))
    assert usage.returncode == 0 and "--template" in usage.stdout, usage.stderr

    file, version, stub, message = import_from(site, tmp_path)
    assert Path(file).resolve() == (site / "hamd" / "__init__.py").resolve(), "imported the repository's copy"
    assert ROOT not in Path(file).resolve().parents
    assert (version, stub, message) == ("0.1.0", "HamdStub", "hamd.v1.ServerInfo")

    # The install requirements are those that the generated code checks on import.
    metadata = next(site.glob("hamd-*.dist-info")).joinpath("METADATA").read_text()
    requires = dict(re.findall(r"^Requires-Dist: (grpcio|protobuf)\b([^;\n]*)$", metadata, re.MULTILINE))
    grpc_generated = re.search(r"^GRPC_GENERATED_VERSION = '([^']+)'", (stubs / "hamd_pb2_grpc.py").read_text(), re.MULTILINE)
    gencode = re.search(r"Domain\.PUBLIC,\s*(\d+),\s*(\d+),\s*(\d+),", (stubs / "hamd_pb2.py").read_text())
    assert requires["grpcio"].strip() == f">={grpc_generated.group(1)}"
    protobuf = requires["protobuf"].replace(" ", "").split(",")
    assert f">={'.'.join(gencode.groups())}" in protobuf
    assert f"<{int(gencode.group(1)) + 2}" in protobuf
    # ... and the runtime installed here satisfies them (else the import above had failed too).
    import google.protobuf
    import grpc
    assert version_tuple(grpc.__version__) >= version_tuple(grpc_generated.group(1))
    assert version_tuple(google.protobuf.__version__) >= tuple(map(int, gencode.groups()))


def test_sdist_carries_the_proto_and_builds_elsewhere(tmp_path):
    project = fresh_clone(tmp_path)
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.build_sdist({str(dist)!r}))"],
                           capture_output=True, text=True, cwd=project, env=outside_environment())
    assert build.returncode == 0, build.stderr
    archive = dist / build.stdout.split()[-1]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert any(n.endswith("/proto/hamd/v1/hamd.proto") for n in names), names
        assert any(n.endswith("/build_stubs.py") for n in names)
        assert not any("/_proto/" in n for n in names), "no generated stubs in the sdist"
        elsewhere = tmp_path / "unpacked"
        # filter="data": no absolute paths or links out of the directory (Python >= 3.11.4)
        tar.extractall(elsewhere, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    source = next(elsewhere.iterdir())  # no ../../proto here: the copy inside the sdist is used
    result = pip_install(source, tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert import_from(tmp_path / "site", tmp_path)[2] == "HamdStub"


def test_build_without_the_proto_fails_clearly(tmp_path):
    project = fresh_clone(tmp_path, with_proto=False)
    result = pip_install(project, tmp_path / "site")
    assert result.returncode != 0
    assert "hamd/v1/hamd.proto not found" in result.stdout + result.stderr
