"""The optional CPU accelerator: a few of the NumPy backend's hottest functions compiled with
Numba (``pip install "cuflow[cpu-jit]"``) into fused, single-pass loops.

Each compiled function computes what its NumPy twin computes, in the same order of floating-point
operations (no fast-math, no contraction), so results equal the NumPy path bit for bit. The NumPy
functions stay the reference; the backend calls the compiled ones only for the cases they cover
(float32/float64, contiguous, 2-D windows, ...) and falls back to NumPy for everything else.

Off when Numba is not importable, when ``CUFLOW_CPU_JIT=0``, or after
``cuflow.config.enable_cpu_jit(False)``. Numba is imported on first use, never at ``import
cuflow``; compiled code is cached on disk (Numba's ``cache=True``), so only the first run of a
new install pays the compile (a few seconds per function and dtype).
"""

from __future__ import annotations

import importlib
import logging

import numpy as np

from ...config import cpu_jit_enabled

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

log = logging.getLogger("cuflow")
_state = {}
_families = {}


def numba_available():
    """Whether Numba imports here (decided once)."""
    ok = _state.get("numba")
    if ok is None:  # once per process: every later call is this dictionary lookup
        try:
            importlib.import_module("numba")
            ok = True
        except Exception as exc:  # not installed, or broken against this NumPy
            log.debug("cuflow: CPU accelerator off, numba unavailable: %s", exc)
            ok = False
        _state["numba"] = ok
    return ok


def enabled():
    """Whether the backend should call the compiled functions now."""
    return cpu_jit_enabled() and numba_available()


def ready(*arrays):
    """Whether the compiled functions may take these arrays: the accelerator is on, and every
    array is a C-contiguous float32/float64 NumPy array of one dtype."""
    a0 = arrays[0]
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype not in _FLOATS or a.dtype != a0.dtype or \
                not a.flags.c_contiguous:
            return False
    return enabled()


def family(name):
    """The compiled family module ``name`` (``activations``, ``windows``, ``optimizers``), or
    None when the accelerator is off."""
    if not enabled():
        return None
    mod = _families.get(name)
    if mod is None:
        mod = _families[name] = importlib.import_module(f"{__name__}.{name}")
    return mod
