"""The one NVRTC loader of cuflow's CUDA kernels (``kernels/<family>.cu``).

* :func:`kernels_dir` finds the sources: inside the installed package (the wheel force-includes
  the top-level ``kernels/`` as ``cuflow/kernels``) or, from a source checkout, the repository's
  top-level ``kernels/``.
* :func:`get_kernel` compiles a source file lazily, once per process and device, with
  ``cupy.RawModule`` and the name expressions of every template instantiation we launch (each
  family module, ``cuda/<family>.py``, declares them as ``NAME_EXPRESSIONS``).
* :func:`compile_all_with_nvrtc` compiles every source with NVRTC for a given virtual arch without
  a GPU (CI and the test suite use it) and raises :class:`KernelCompileError` with the log.

Local ``#include "..."`` lines are expanded in Python before compiling. CuPy's on-disk kernel
cache is keyed by the source text and options only, so passing headers through ``-I`` alone
would let an edited header reuse a stale binary; inlining makes the key cover every header.
"""

from __future__ import annotations

import importlib
import re
import threading
from functools import lru_cache
from pathlib import Path

__all__ = [
    "COMPILE_OPTIONS",
    "FAMILIES",
    "SOURCES",
    "KernelCompileError",
    "cache_info",
    "compile_all_with_nvrtc",
    "compile_options",
    "dtype_ctype",
    "expand_source",
    "family",
    "float_types",
    "get_kernel",
    "grid_for_elements",
    "grid_for_rows",
    "kernels_dir",
    "name_expressions",
    "sm_count",
]

# C++ type of each supported storage dtype. cf_half is our own 16-bit struct (no cuda_fp16.h).
DTYPE_CTYPES = {"float32": "float", "float64": "double", "float16": "cf_half"}
LABEL_CTYPES = {"int32": "int", "int64": "long long"}
REDUCERS = ("cf_block_r", "cf_thread_r")

# One .cu per kernel family, and one Python module per family: cuda/<family>.py launches the
# kernels of kernels/<family>.cu and declares its SOURCE and NAME_EXPRESSIONS.
FAMILIES = ("activations", "rows", "losses", "reductions", "windows", "optimizers", "random")
SOURCES = tuple(f"{f}.cu" for f in FAMILIES)

# All NVRTC options in one place. No -use_fast_math: the NaN rule relies on IEEE comparisons.
COMPILE_OPTIONS_BASE = ("-std=c++17",)


def kernels_dir() -> Path:
    """Folder holding the ``.cu``/``.cuh`` sources (wheel layout first, then source tree)."""
    package = Path(__file__).resolve().parents[2]  # .../cuflow (this file: cuflow/backend/cuda)
    candidates = [
        package / "kernels",
        package.parents[1] / "kernels",  # src/cuflow -> the repository root
    ]
    for path in candidates:
        if (path / "cf_common.cuh").is_file():
            return path
    raise FileNotFoundError(
        "cuflow kernel sources not found; looked in " + ", ".join(str(p) for p in candidates)
    )


def compile_options() -> tuple[str, ...]:
    return COMPILE_OPTIONS_BASE + (f"-I{kernels_dir()}",)


# Exported constant; compile_options() appends -I<kernels_dir()> (resolved lazily, at compile).
COMPILE_OPTIONS = COMPILE_OPTIONS_BASE

_INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$', re.MULTILINE)


def expand_source(filename: str, root: Path | None = None) -> str:
    """Source text of ``filename`` with local includes inlined once each (``#pragma once``)."""
    root = kernels_dir() if root is None else root
    seen: set[str] = set()

    def expand(name: str) -> str:
        if name in seen:
            return ""
        seen.add(name)
        text = (root / name).read_text()
        text = text.replace("#pragma once", "")
        return _INCLUDE_RE.sub(lambda m: expand(m.group(1)), text)

    return expand(filename)


def float_types(half: bool = True) -> tuple[str, ...]:
    """The C++ storage types a family instantiates its templates for."""
    return ("float", "double", "cf_half") if half else ("float", "double")


def family(source: str):
    """The ``cuda/<family>.py`` module of ``source`` (``"rows.cu"`` -> ``cuda/rows.py``)."""
    if source not in SOURCES:
        raise ValueError(f"unknown kernel source {source!r}; expected one of {SOURCES}")
    return importlib.import_module(f"{__package__}.{source[:-3]}")


def name_expressions(source: str) -> list[str]:
    """Every template instantiation of ``source`` that its family launches (the family module's
    ``NAME_EXPRESSIONS``; NVRTC must be told each one to give it a lowered name)."""
    return list(family(source).NAME_EXPRESSIONS)


def dtype_ctype(dtype) -> str:
    return DTYPE_CTYPES[str(dtype)]


class KernelCompileError(RuntimeError):
    """An NVRTC compilation failed; the message carries the compiler log."""


def compile_all_with_nvrtc(arch: str = "compute_80", sources=None) -> dict[str, int]:
    """Compile every kernel source with NVRTC for ``arch``; no GPU or driver needed.

    Returns ``{source: PTX size in bytes}``. Raises :class:`KernelCompileError` naming the file,
    the arch and the NVRTC log, or when a name expression has no lowered name.
    """
    from cupy_backends.cuda.libs import nvrtc

    result = {}
    options = [*compile_options(), f"--gpu-architecture={arch}"]
    for source in SOURCES if sources is None else sources:
        code = expand_source(source)
        prog = nvrtc.createProgram(code, source, [], [])
        try:
            exprs = name_expressions(source)
            for expr in exprs:
                nvrtc.addNameExpression(prog, expr)
            try:
                nvrtc.compileProgram(prog, options)
            except nvrtc.NVRTCError as exc:
                log = nvrtc.getProgramLog(prog)
                raise KernelCompileError(
                    f"NVRTC failed to compile {source} for {arch}: {exc}\n{log}"
                ) from None
            for expr in exprs:
                if not nvrtc.getLoweredName(prog, expr):
                    raise KernelCompileError(f"{source}: no kernel for {expr} ({arch})")
            result[source] = len(nvrtc.getPTX(prog))
        finally:
            nvrtc.destroyProgram(prog)
    return result


_lock = threading.Lock()
_modules: dict[tuple[str, int], object] = {}


def _module(source: str):
    import cupy

    key = (source, cupy.cuda.Device().id)
    mod = _modules.get(key)
    if mod is None:
        with _lock:
            mod = _modules.get(key)
            if mod is None:
                mod = cupy.RawModule(
                    code=expand_source(source),
                    options=compile_options(),
                    name_expressions=name_expressions(source),
                )
                _modules[key] = mod
    return mod


def get_kernel(source: str, expr: str):
    """The ``cupy.RawKernel`` for template instantiation ``expr`` of ``source`` (compiled once
    per process and device; CuPy's disk cache makes later processes fast)."""
    return _module(source).get_function(expr)


def cache_info() -> list[str]:
    """Kernel modules compiled in this process, as "source@device" strings (for `cuflow info`)."""
    return [f"{src}@{dev}" for src, dev in sorted(_modules)]


@lru_cache(maxsize=None)
def sm_count(device_id: int) -> int:
    import cupy

    return int(cupy.cuda.Device(device_id).attributes["MultiProcessorCount"])


def _device_id() -> int:
    import cupy

    return cupy.cuda.Device().id


def grid_for_elements(n: int, threads: int = 256, waves: int = 8) -> int:
    """Blocks for a grid-stride loop over n items: SM count x waves, capped by need."""
    need = max(1, -(-n // threads))
    return min(need, sm_count(_device_id()) * waves)


def grid_for_rows(rows: int, threads: int) -> int:
    """Blocks for one-block-per-row kernels: enough to fill the device, capped by rows."""
    per_sm = max(1, 2048 // threads)
    return max(1, min(rows, sm_count(_device_id()) * per_sm))
