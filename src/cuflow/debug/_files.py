"""Where debug artefacts go, and atomic .npz writes (never pickled)."""

from __future__ import annotations

import io
import json
import os
import tempfile

import numpy as np


def debug_dir():
    """``$CUFLOW_HOME/debug`` when CUFLOW_HOME is set, else ``<tmp>/cuflow-debug``; created."""
    home = os.environ.get("CUFLOW_HOME")
    folder = os.path.join(home, "debug") if home else \
        os.path.join(tempfile.gettempdir(), "cuflow-debug")
    os.makedirs(folder, exist_ok=True)
    return folder


def json_array(obj):
    """A JSON document as a 0-d unicode array: readable with allow_pickle=False."""
    return np.array(json.dumps(obj, default=str))


def read_json(npz, key, default=None):
    return json.loads(str(npz[key][()])) if key in npz.files else default


def save_npz_atomic(path, arrays):
    from ..saving.archive import atomic_write

    for k, v in arrays.items():
        if np.asarray(v).dtype == object:
            raise TypeError(f"refusing to write {k!r} as a pickled object array")
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    atomic_write(path, lambda f: f.write(buf.getvalue()))
    return os.fspath(path)
