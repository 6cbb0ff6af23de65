"""Out-of-memory handling: one exception type, ``cuflow.OutOfMemoryError``, on every device.

A failed allocation surfaces as CuPy's ``cupy.cuda.memory.OutOfMemoryError`` on the GPU and as
NumPy's ``MemoryError`` (``numpy.core._exceptions._ArrayMemoryError``) on the host; neither says
what cuflow was doing or what to change. ``translate_oom`` turns both into
``cuflow.OutOfMemoryError`` naming the request and a remedy, and ``check_allocation`` refuses an
absurd request (a shape of 2**40) before anything is allocated: with Linux overcommit a large
``np.zeros`` can "succeed" and the process dies later, which no exception handler can catch.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys

import numpy as np

from .errors import OutOfMemoryError

REMEDY = ("use a smaller batch_size or a smaller model, or mixed precision "
          "(cuflow.mixed_precision.set_global_policy('mixed_float16'))")

_cpu_limit = None  # bytes set by set_memory_limit("cpu"); None: the machine's physical memory


def format_bytes(n):
    """``1536`` -> ``'1.5 KiB'``: sizes in messages people read."""
    n = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover - the loop always returns


def nbytes(shape, dtype):
    """Bytes an array of ``shape`` and ``dtype`` needs, in Python ints (no int64 overflow)."""
    return math.prod(int(s) for s in shape) * np.dtype(dtype).itemsize


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: no host check
        return None


def host_limit():
    """The byte budget host pre-allocation checks use (``set_memory_limit('cpu')`` or RAM)."""
    return _cpu_limit if _cpu_limit is not None else _physical_memory()


def out_of_memory(what, requested=None, device=None, cause=None):
    """The ``cuflow.OutOfMemoryError`` for a failed or refused request of ``requested`` bytes."""
    size = f" of {format_bytes(requested)}" if requested is not None else ""
    where = f" on {device}" if device else ""
    detail = f" ({cause})" if cause else ""
    return OutOfMemoryError(f"{what}: the allocation{size}{where} failed or exceeds the memory "
                            f"available{detail}; {REMEDY}")


def check_allocation(shape, dtype, what, device="cpu"):
    """Refuse, before allocating, an array larger than the host budget (host arrays only: the
    GPU pool reports its own failures, which ``translate_oom`` converts)."""
    need = nbytes(shape, dtype)
    limit = host_limit() if str(device).startswith("cpu") else None
    if limit is not None and need > limit:
        raise out_of_memory(f"{what} needs shape {tuple(int(s) for s in shape)} of "
                            f"{np.dtype(dtype)}", need, device,
                            f"limit {format_bytes(limit)}")
    return need


def is_out_of_memory(exc):
    """True for host ``MemoryError`` and CuPy's device / pinned-memory allocation errors."""
    if isinstance(exc, MemoryError):
        return True
    cp = sys.modules.get("cupy")  # never import CuPy just to classify an exception
    if cp is None:
        return False
    kinds = tuple(k for k in (getattr(getattr(cp.cuda, "memory", None), "OutOfMemoryError",
                                      None),) if isinstance(k, type))
    return bool(kinds) and isinstance(exc, kinds)


def release_cached_gpu_memory():
    """Return CuPy's cached blocks to the driver so a smaller retry can succeed in-process."""
    cp = sys.modules.get("cupy")
    if cp is None:
        return
    try:
        cp.get_default_memory_pool().free_all_blocks()
        cp.get_default_pinned_memory_pool().free_all_blocks()
    except Exception:  # a broken context: nothing more to release, keep the original error
        pass


@contextlib.contextmanager
def translate_oom(what, device=None):
    """``with translate_oom("train_step (batch of 4096)"):`` converts allocation failures into
    ``cuflow.OutOfMemoryError`` (ours pass through unchanged) and frees CuPy's cache."""
    try:
        yield
    except OutOfMemoryError:
        release_cached_gpu_memory()
        raise
    except BaseException as e:
        if not is_out_of_memory(e):
            raise
        release_cached_gpu_memory()
        requested = getattr(e, "size", None)  # CuPy records the failed request's size
        raise out_of_memory(what, requested if isinstance(requested, int) else None, device,
                            f"{type(e).__name__}: {e}") from e


def set_memory_limit(nbytes_limit, device=None):
    """Cap memory cuflow may use on ``device`` (default: the current one); None removes it.

    GPU: the limit of CuPy's default memory pool (allocations above it raise, and are
    translated to ``cuflow.OutOfMemoryError`` by the training loop). CPU: NumPy has no pool to
    cap, so the limit is only recorded and used by cuflow's pre-allocation checks (layer
    weights, size-creating ops); other host allocations are not limited.
    """
    global _cpu_limit
    if nbytes_limit is not None and (not isinstance(nbytes_limit, (int, np.integer))
                                     or isinstance(nbytes_limit, bool) or nbytes_limit < 0):
        raise ValueError(f"set_memory_limit expects a non-negative number of bytes or None; "
                         f"received {nbytes_limit!r}")
    from .backend import get_device, parse_device

    dev = parse_device(device) if device is not None else get_device()
    if dev == "cpu":
        _cpu_limit = None if nbytes_limit is None else int(nbytes_limit)
        return
    import cupy

    index = int(dev.split(":")[1]) if ":" in dev else 0
    with cupy.cuda.Device(index):
        cupy.get_default_memory_pool().set_limit(size=0 if nbytes_limit is None
                                                 else int(nbytes_limit))


def get_memory_limit(device=None):
    """The limit set by ``set_memory_limit`` in bytes (None: unlimited / not set)."""
    from .backend import get_device, parse_device

    dev = parse_device(device) if device is not None else get_device()
    if dev == "cpu":
        return _cpu_limit
    import cupy

    index = int(dev.split(":")[1]) if ":" in dev else 0
    with cupy.cuda.Device(index):
        limit = cupy.get_default_memory_pool().get_limit()
    return limit or None
