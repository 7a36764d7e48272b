"""PEP 517 build hooks of the hamd Python client (setuptools.build_meta runs this file).

The gRPC stubs are not in the source tree: build_py generates them from proto/hamd/v1/hamd.proto
with grpcio-tools (build_stubs.py) into the wheel's hamd/_proto/, and the install requirements
are derived from the versions the generated code checks on import, so that they always match it.
An sdist carries a copy of proto/ (the proto lives outside clients/python in the repository).
"""
import shutil
import sys
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # build_stubs.py beside this file; build_meta does not add it
import build_stubs  # noqa: E402


def stub_requirements():
    """Install requirements of the stubs this build generates (generated once into a temporary
    directory to read their versions)."""
    with tempfile.TemporaryDirectory(prefix="hamd-stub-versions-") as work:
        return build_stubs.runtime_requirements(build_stubs.generate(Path(work)))


class BuildPyWithStubs(build_py):
    """build_py, then the generated stubs into the build's hamd/_proto/."""

    def run(self):
        super().run()
        build_stubs.generate(Path(self.build_lib) / "hamd" / "_proto")


class SdistWithProto(sdist):
    """sdist with a copy of the repository's proto/ inside, which build_stubs finds there."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        proto_root = build_stubs.find_proto_root()
        shutil.copytree(proto_root / "hamd", Path(base_dir) / "proto" / "hamd")


setup(
    install_requires=stub_requirements() + ["numpy>=1.22"],
    cmdclass={"build_py": BuildPyWithStubs, "sdist": SdistWithProto},
)
