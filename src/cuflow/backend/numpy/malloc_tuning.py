"""Keep freed training temporaries in the process heap instead of handing them back to the OS.

A CPU training step allocates and frees the same large arrays every step (window matrices, GEMM
outputs, gradients: megabytes each). glibc serves blocks above its mmap threshold with fresh
pages and trims the heap top above its trim threshold; both thresholds move with the allocation
history, so depending on what ran before, every step can pay thousands of page faults and the
kernel zeroing the pages again: measured on the small CNN of ``benchmarks/pace`` (2 cores), about
5,000 minor faults and 38-45 ms per step against about 200 faults and 20-22 ms once the thresholds
are fixed. PyTorch and TensorFlow keep such blocks in their own CPU allocators; NumPy has none, so
the CPU backend fixes glibc's two thresholds once, when it is created.

glibc (Linux) only; elsewhere nothing happens. ``CUFLOW_MALLOC_TUNING=0`` leaves malloc alone.
The price: up to ``TRIM_THRESHOLD`` bytes of freed memory stay with the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger("cuflow")

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 256 << 20  # blocks below this come from the heap, and are reused
TRIM_THRESHOLD = 512 << 20  # free heap top kept up to this size
_done = {}


def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        return lib if hasattr(lib, "mallopt") and hasattr(lib, "gnu_get_libc_version") else None
    except OSError:
        return None


def tune_once(libc_loader=_libc):
    """Fix glibc's mmap and trim thresholds (first call only). Returns True when they were set,
    False when left alone (not glibc, opted out, or refused)."""
    if "result" in _done:
        return _done["result"]
    ok = False
    if os.environ.get("CUFLOW_MALLOC_TUNING", "1").strip().lower() not in ("0", "false", "off",
                                                                            "no"):
        lib = libc_loader()
        if lib is not None:
            ok = bool(lib.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
                bool(lib.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
            log.debug("cuflow: glibc mmap/trim thresholds %s", "set" if ok else "refused")
    _done["result"] = ok
    return ok
