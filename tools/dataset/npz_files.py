"""What both dataset formats (docs/dataset-format.md) share on disk: an uncompressed .npz of plain
arrays written atomically, and a reader that checks the format name and version."""
import json
import os
from pathlib import Path

import numpy as np


def write_atomic(path, arrays):
    """Writes `arrays` to `path` through a temporary file and a rename: a reader never sees half a
    file, and an interrupted run leaves the previous one intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def load_checked(path, format_name, format_version):
    """(arrays, provenance) of a dataset file; ValueError when it is another format or version."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    if str(arrays.get("format", "")) != format_name:
        raise ValueError(f"{path}: not a {format_name} file")
    if int(arrays["format_version"]) != format_version:
        raise ValueError(f"{path}: format_version {int(arrays['format_version'])}, expected {format_version}")
    return arrays, json.loads(str(arrays["provenance"]))
