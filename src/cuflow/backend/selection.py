"""Device selection: which backend new tensors and weights are created on.

The default device is "auto" (the GPU when CuPy imports and sees one, else the CPU), overridable
with the CUFLOW_DEVICE environment variable, ``set_device`` and the ``device`` context manager.
CuPy is imported lazily: importing cuflow never needs it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re

from ..errors import DeviceError

log = logging.getLogger("cuflow")

VALID_FORMS = "'auto', 'cpu', 'gpu' or 'gpu:N' (N a device index)"
_SPEC = re.compile(r"^(auto|cpu|gpu|cuda)(?::(\d+))?$")

_backends: dict = {}
_default: str | None = None  # canonical device; resolved lazily so import stays cheap
_scoped = contextvars.ContextVar("cuflow_device", default=None)
_gpu_probe: tuple | None = None  # (count, reason) cached: probing CuPy costs ~0.5 s
_measure_pending = False  # set_device("auto", measure=True): the next fit times each device
_seed: int | None = None  # set by seed_backends (cuflow.random.set_seed); None: unseeded


def _probe_gpu():
    """(number of usable GPUs, why none) without raising."""
    global _gpu_probe
    if _gpu_probe is None:
        try:
            import cupy
        except Exception as e:  # ImportError, or a broken CUDA install raising anything
            _gpu_probe = (0, f"CuPy is not installed or failed to import ({e.__class__.__name__}: "
                             f"{e}); install the extra: pip install 'cuflow[gpu]'")
        else:
            try:
                count = cupy.cuda.runtime.getDeviceCount()
            except Exception as e:
                msg = str(e)
                if "InsufficientDriver" in msg:
                    why = f"the CUDA driver is missing or too old for this CuPy build ({msg})"
                elif "NoDevice" in msg:
                    why = f"CuPy sees no CUDA device ({msg})"
                else:
                    why = f"CUDA is not usable ({e.__class__.__name__}: {msg})"
                _gpu_probe = (0, why)
            else:
                _gpu_probe = (count, "" if count else "CuPy sees no CUDA device")
    return _gpu_probe


def parse_device(spec) -> str:
    """Canonical device string for a user spec, resolving 'auto'. Raises on bad or absent."""
    if not isinstance(spec, str):
        raise ValueError(f"device must be a string, one of {VALID_FORMS}; received {spec!r}")
    m = _SPEC.match(spec.strip().lower())
    if not m:
        raise ValueError(f"Unknown device {spec!r}; expected {VALID_FORMS}")
    kind, index = m.group(1), m.group(2)
    if kind == "cpu":
        if index not in (None, "0"):
            raise ValueError(f"Unknown device {spec!r}; the CPU has no index other than 0")
        return "cpu"
    if kind == "auto":
        count, why = _probe_gpu()
        if count:
            return "gpu:0"
        return "cpu"
    count, why = _probe_gpu()
    n = int(index or 0)
    if count == 0:
        raise DeviceError(f"device {spec!r} was requested but no GPU is usable: {why}")
    if n >= count:
        raise DeviceError(f"device {spec!r} was requested but only {count} GPU(s) exist "
                          f"(valid indices 0..{count - 1})")
    return f"gpu:{n}"


# How the default device was chosen, for the one line a user sees (device_choice()).
_chosen_by = None


def _auto_reason(resolved):
    count, why = _probe_gpu()
    return f"auto: CuPy sees {count} GPU(s)" if resolved != "cpu" else f"auto: {why}"


_device_announced = False


def announce_device_once():
    """``"cuflow: training on cpu (auto: ...)"`` the first time it is asked for, when the device
    was chosen automatically (a user who named a device knows it); else None. ``fit`` prints it
    above its first progress bar."""
    global _device_announced
    get_device()
    if _device_announced or not _chosen_by or not _chosen_by.startswith("auto"):
        return None
    _device_announced = True
    return f"cuflow: training on {device_choice()}"


def device_choice() -> str:
    """``'cpu (auto: CuPy is not installed ...)'``: the default device and why it was chosen,
    for ``cuflow info`` and the first line of ``cuflow train``."""
    dev = get_device()
    return f"{dev} ({_chosen_by})" if _chosen_by else dev


def _initial_default() -> str:
    global _chosen_by
    spec = os.environ.get("CUFLOW_DEVICE", "auto") or "auto"
    if spec.strip().lower() == "fastest":
        spec = "auto"
    resolved = parse_device(spec)
    count, why = _probe_gpu()
    _chosen_by = (_auto_reason(resolved) if spec.strip().lower() == "auto"
                  else f"CUFLOW_DEVICE={spec}")
    if spec.strip().lower() == "auto":
        if resolved == "cpu":
            log.info("cuflow: using the CPU (%s)", why)
        else:
            log.info("cuflow: using %s (CuPy sees %d GPU(s))", resolved, count)
    return resolved


def get_device() -> str:
    """The device new tensors and weights are created on: 'cpu' or 'gpu:N'."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    global _default
    if _default is None:
        _default = _initial_default()
    return _default


def set_device(spec="auto", measure=False) -> str:
    """Set the default device for this process; returns the canonical device chosen.

    ``measure=True`` (with "auto") makes the next ``fit`` time a few training steps of its model
    on each device and move the model to the faster (``cuflow.debug.device_pick``);
    ``"fastest"`` means ``"auto"`` with ``measure=True``.
    """
    global _default, _measure_pending, _chosen_by
    if isinstance(spec, str) and spec.strip().lower() == "fastest":  # as `--device fastest`
        spec, measure = "auto", True
    resolved = parse_device(spec)
    if measure and not (isinstance(spec, str) and spec.strip().lower() == "auto"):
        raise ValueError(f"measure=True needs set_device('auto'); received {spec!r}")
    _measure_pending = bool(measure)
    if isinstance(spec, str) and spec.strip().lower() == "auto":
        count, why = _probe_gpu()
        log.info("cuflow: auto selected %s%s", resolved, f" ({why})" if why else "")
    _default = resolved
    _chosen_by = (_auto_reason(resolved) if isinstance(spec, str) and
                  spec.strip().lower() == "auto" else None)  # an explicit choice needs no why
    return resolved


@contextlib.contextmanager
def device(spec):
    """``with cuflow.device("cpu"): ...`` creates tensors and weights on that device inside."""
    token = _scoped.set(parse_device(spec))
    try:
        yield get_device()
    finally:
        _scoped.reset(token)


def devices() -> list:
    """Every device this process can use, CPU first."""
    count, _ = _probe_gpu()
    return ["cpu"] + [f"gpu:{i}" for i in range(count)]


def gpu_unavailable_reason() -> str:
    """Why no GPU is used ('' when one is available)."""
    return _probe_gpu()[1]


def get_backend(dev: str | None = None):
    """The backend object of a device (default: the current device). One per device: any
    spelling of it (``"gpu"``, ``"GPU:0"``, ``"cpu:0"``) gives the backend of the canonical
    name, never a second backend that would replace the first in the cache."""
    dev = get_device() if dev is None else dev
    bk = _backends.get(dev)
    if bk is None:
        dev = parse_device(dev)
        bk = _backends.get(dev)
    if bk is None:
        if dev == "cpu":
            from .numpy.backend import NumpyBackend

            bk = NumpyBackend()
        else:
            from .cuda.backend import CupyBackend

            bk = CupyBackend(int(dev.split(":")[1]))
        seed = _backend_seed_for(len(_backends))
        if seed is not None:
            bk.seed(seed)
        _backends[dev] = bk
    return bk


def seed_backends(seed: int) -> None:
    """Reseed every backend created so far, and make later ones start seeded (``set_seed``).
    Backend ``i`` (in creation order) gets ``seed + 7919 * i``: devices draw different masks."""
    global _seed
    _seed = int(seed)
    for i, bk in enumerate(_backends.values()):  # creation order, as _backend_seed_for counts
        bk.seed(_seed + 7919 * i)


def _backend_seed_for(device_index: int) -> int | None:
    """The seed a backend created after ``seed_backends`` starts from (None: unseeded)."""
    return None if _seed is None else _seed + 7919 * device_index


def backend_of(array):
    """The backend an array lives on (NumPy arrays and Python scalars: the CPU)."""
    if hasattr(array, "__cuda_array_interface__"):
        return get_backend(f"gpu:{array.device.id}")
    return get_backend("cpu")
