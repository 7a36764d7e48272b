"""The client's version: that of the hamd release it belongs to (package.json, pyproject.toml)."""
__version__ = "0.1.0"
