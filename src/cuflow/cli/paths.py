"""Output paths checked before any work starts: a training run or a prediction is never thrown
away because the file it ends with cannot be written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ._errors import UsageError

MODEL_SUFFIXES = (".cuflow", ".keras", ".h5")
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def writable_output(path, option, suffixes=None):
    """``path`` as a Path after checking its suffix and that its folder exists and is writable."""
    p = Path(path)
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {path}: expected a file name ending in "
                         f"{', '.join(suffixes)}")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {path}: the folder {folder} is not writable")
    if p.is_dir():
        raise UsageError(f"{option} {path}: is a folder, expected a file name")
    return p


def matplotlib_or_error():
    """pyplot with a file backend, or a UsageError naming the extra that brings it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'cuflow[plot]'") from None
    return plt


def save_npy(path, array):
    """``numpy.save`` written atomically: a temporary file in the same folder, fsynced, renamed
    over ``path``; an interrupted run leaves no partial file."""
    import numpy as np

    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
