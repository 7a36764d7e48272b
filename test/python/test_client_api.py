"""The Python client's public API is documented and typed: a docstring on every public module,
class, function and method, and annotations on every public function's parameters and return."""
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import hamd

MODULES = sorted(m.name for m in pkgutil.iter_modules(hamd.__path__, "hamd.") if not m.name.startswith("hamd._"))


def public_members(module):
    """(qualified name, object) of the functions, classes and methods the module defines."""
    for name, value in vars(module).items():
        if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(value):
            yield f"{module.__name__}.{name}", value
        elif inspect.isclass(value):
            yield f"{module.__name__}.{name}", value
            for attribute, member in vars(value).items():
                if attribute.startswith("_") and attribute != "__init__":
                    continue
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    yield f"{module.__name__}.{name}.{attribute}", member


def test_the_package_is_marked_typed():
    assert (Path(hamd.__file__).parent / "py.typed").is_file()


@pytest.mark.parametrize("module_name", MODULES)
def test_public_api_has_docstrings_and_annotations(module_name):
    if module_name == "hamd.ase":
        pytest.importorskip("ase")
    module = importlib.import_module(module_name)
    assert inspect.getdoc(module), f"{module_name}: no module docstring"
    undocumented, untyped = [], []
    for name, value in public_members(module):
        if not name.endswith(".__init__") and not (value.__doc__ or "").strip():  # not inherited
            undocumented.append(name)
        if inspect.isfunction(value):
            signature = inspect.signature(value)
            missing = [p.name for p in signature.parameters.values()
                       if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
            if missing or (signature.return_annotation is inspect.Signature.empty and not name.endswith(".__init__")):
                untyped.append(f"{name}({', '.join(missing)}{'' if missing else ' -> ?'})")
    assert not undocumented, f"public without a docstring: {', '.join(undocumented)}"
    assert not untyped, f"public without type annotations: {', '.join(untyped)}"


def test_versions_agree():
    """The client reports its version to compare with the daemon's (hamd.autostart): the Python
    package, its pyproject.toml and the daemon's package.json carry one version."""
    import json
    import re
    root = Path(__file__).resolve().parents[2]
    pyproject = (root / "clients" / "python" / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE).group(1) == hamd.__version__
    assert json.loads((root / "package.json").read_text())["version"] == hamd.__version__
