"""Run the GPU wrappers' Python side on a machine without a GPU and check every kernel launch.

* Kernel signatures come from the real sources: NVRTC compiles each ``kernels/*.cu`` (no driver
  needed), gives the mangled name of every name expression, and ``c++filt`` turns it into the C++
  parameter list, with template arguments substituted.
* ``host_arrays()`` makes CuPy allocate from host memory (a custom allocator returning
  ``UnownedMemory`` over NumPy buffers), so real ``cupy.ndarray`` objects (views, reshapes,
  ``empty``) exist without a device. Anything that would run on a device (CuPy's own kernels,
  copies) still fails, so callers use contiguous inputs of the right dtype.
* ``LaunchChecker`` stands in for ``compile.get_kernel``: each launch is checked against the
  kernel's parameters (count, pointer element types, exact NumPy scalar types, 16-byte
  alignment of ``float4`` pointers, contiguity) and its grid/block against CUDA's limits, and
  recorded.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
import subprocess
from functools import lru_cache

import numpy as np

SM_COUNT = 132  # an H200

_POINTEE = {
    "float": ("float32",), "double": ("float64",), "cf_half": ("float16",),
    "int": ("int32",), "long long": ("int64",),
    "unsigned long long": ("uint64", "int64"),  # atomics on an int64 count are fine
    "float4": ("float32",),
}
_SCALARS = {"long long": np.int64, "int": np.int32, "double": np.float64, "float": np.float32,
            "unsigned long long": np.uint64}
# kernels whose block-wide reduction needs whole warps (cf_block_reducer)
_BLOCK_REDUCERS = ("cf_block_r", "cf_sumsq_partial", "cf_global_l2_norm_fwd",
                   "cf_binary_accuracy_fwd", "cf_fused_sumsq", "cf_fused_clip_scale")


def tools_available() -> bool:
    try:
        import cupy  # noqa: F401
        from cupy_backends.cuda.libs import nvrtc  # noqa: F401
    except Exception:
        return False
    return shutil.which("c++filt") is not None


def _split_params(text):
    depth, cur, out = 0, "", []
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_demangled(text):
    """``void f<float>(float const*, long long)`` -> ['float const*', 'long long']."""
    start = text.index("(", text.index(">") if ">" in text.split("(")[0] else 0)
    return _split_params(text[start + 1:text.rindex(")")])


@lru_cache(maxsize=None)
def signatures(source, arch="compute_90"):
    """{name expression: [C++ parameter types]} for one kernel source."""
    from cupy_backends.cuda.libs import nvrtc

    from cuflow.backend.cuda import compile as kernels

    prog = nvrtc.createProgram(kernels.expand_source(source), source, [], [])
    try:
        exprs = kernels.name_expressions(source)
        for e in exprs:
            nvrtc.addNameExpression(prog, e)
        nvrtc.compileProgram(prog, [*kernels.compile_options(), f"--gpu-architecture={arch}"])
        lowered = [nvrtc.getLoweredName(prog, e) for e in exprs]
    finally:
        nvrtc.destroyProgram(prog)
    out = subprocess.run(["c++filt"], input="\n".join(lowered), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return {e: parse_demangled(d) for e, d in zip(exprs, out)}


@lru_cache(maxsize=None)
def bounded_to_1024(source):
    """Regexes of the kernels in ``source`` declared ``CF_MAX_1024`` (``__launch_bounds__(1024)``);
    a macro-made name (``cf_##name##_fwd``) matches any name in its place."""
    from cuflow.backend.cuda import compile as kernels

    text = (kernels.kernels_dir() / source).read_text()
    found = re.findall(r"__global__\s+void\s+CF_MAX_1024\s+([\w#]+)\s*\(", text)
    return tuple(re.compile(name.replace("##name##", r"\w+") + "$") for name in found)


# Blocks above this many threads need the kernel's launch bound (CF_MAX_1024): without it ptxas
# may give each thread more registers than a 1024-thread block can have.
UNBOUNDED_MAX_THREADS = 256


def _base_type(ctype):
    t = ctype.replace("const", "").replace("*", "").replace("__restrict__", "")
    return " ".join(t.split())


class LaunchError(AssertionError):
    pass


class FakeKernel:
    def __init__(self, checker, source, expr, params):
        self.checker, self.source, self.expr, self.params = checker, source, expr, params

    def __call__(self, grid, block, args, shared_mem=0, stream=None):
        where = f"{self.source}:{self.expr}"
        check_dims(where, grid, block, needs_warps=any(r in self.expr for r in _BLOCK_REDUCERS))
        args = tuple(args)
        if len(args) != len(self.params):
            raise LaunchError(f"{where}: {len(args)} arguments for {len(self.params)} "
                              f"parameters {self.params}")
        for i, (a, p) in enumerate(zip(args, self.params)):
            check_arg(f"{where} argument {i} ({p})", a, p)
        threads = math.prod(tuple(block))
        name = self.expr.split("<")[0]
        if threads > UNBOUNDED_MAX_THREADS and \
                not any(r.match(name) for r in bounded_to_1024(self.source)):
            raise LaunchError(f"{where}: {threads} threads per block, but {name} has no "
                              f"__launch_bounds__(1024) (CF_MAX_1024) in {self.source}")
        self.checker.launches.append((self.source, self.expr, tuple(grid), tuple(block), args))


def check_dims(where, grid, block, needs_warps=False):
    if not isinstance(grid, tuple) or not isinstance(block, tuple):
        raise LaunchError(f"{where}: grid and block must be tuples (CuPy), received "
                          f"{type(grid).__name__} and {type(block).__name__}")
    g = tuple(grid) + (1,) * (3 - len(grid))
    b = tuple(block) + (1,) * (3 - len(block))
    for v in g + b:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise LaunchError(f"{where}: grid/block entries must be ints, received {g} {b}")
    if not (1 <= g[0] <= 2**31 - 1 and 1 <= g[1] <= 65535 and 1 <= g[2] <= 65535):
        raise LaunchError(f"{where}: grid {g} outside CUDA's limits")
    if not (1 <= b[0] <= 1024 and 1 <= b[1] <= 1024 and 1 <= b[2] <= 64 and
            b[0] * b[1] * b[2] <= 1024):
        raise LaunchError(f"{where}: block {b} outside CUDA's limits")
    if needs_warps and (b[0] % 32 or b[1] != 1 or b[2] != 1):
        raise LaunchError(f"{where}: block {b} must be a 1-D multiple of 32 (warp reductions)")


def check_arg(where, a, ctype):
    import cupy

    base = _base_type(ctype)
    if "*" in ctype:
        if a is None:
            raise LaunchError(f"{where}: None for a pointer: CuPy 13 passes it as a NULL "
                              f"kernelParams entry (CuPy issue 9046); pass common.NULL")
        if type(a) is np.uint64 and a == 0:  # common.NULL: a typed null pointer
            return
        if not isinstance(a, cupy.ndarray):
            raise LaunchError(f"{where}: expected a device array, received {type(a).__name__}")
        if str(a.dtype) not in _POINTEE.get(base, ()):
            raise LaunchError(f"{where}: expected elements of {base}, received {a.dtype}")
        if not a.flags.c_contiguous:
            raise LaunchError(f"{where}: array is not C-contiguous (strides {a.strides})")
        if base == "float4" and a.data.ptr % 16:
            raise LaunchError(f"{where}: float4 pointer not 16-byte aligned")
        return
    want = _SCALARS.get(base)
    if want is None:
        raise LaunchError(f"{where}: unknown parameter type")
    if type(a) is not want:
        raise LaunchError(f"{where}: expected {want.__name__}, received {type(a).__name__} "
                          f"(CuPy passes Python ints as int64 and floats as float64)")


class LaunchChecker:
    def __init__(self):
        self.launches = []

    def get_kernel(self, source, expr):
        sigs = signatures(source)
        if expr not in sigs:
            raise LaunchError(f"{source}: {expr} is not among its name expressions")
        return FakeKernel(self, source, expr, sigs[expr])

    def names(self):
        return [e for _, e, *_ in self.launches]


def _host_view(arr):
    """A NumPy view of a host-backed CuPy array's memory."""
    import ctypes

    nbytes = max(1, arr.nbytes)
    buf = (ctypes.c_char * nbytes).from_address(arr.data.ptr)
    flat = np.frombuffer(buf, dtype=arr.dtype, count=arr.size)
    return flat.reshape(arr.shape) if arr.flags.c_contiguous else None


class _CupyProxy:
    """``cupy`` with ``zeros``/``ones`` working on host-backed memory."""

    def __init__(self, cp):
        self._cp = cp

    def __getattr__(self, name):
        return getattr(self._cp, name)

    def asarray(self, a, dtype=None):
        if isinstance(a, self._cp.ndarray) and (dtype is None or a.dtype == dtype):
            return a  # CuPy's own check of the current device needs a driver
        raise NotImplementedError("host-backed arrays: only device arrays of the right dtype")

    def ascontiguousarray(self, a, dtype=None):
        a = self.asarray(a, dtype)
        if not a.flags.c_contiguous:
            raise NotImplementedError("host-backed arrays: a copy would run a CuPy kernel")
        return a

    def zeros(self, shape, dtype=float, order="C"):
        out = self._cp.empty(shape, dtype=dtype)
        _host_view(out)[...] = 0
        return out

    def ones(self, shape, dtype=float, order="C"):
        out = self._cp.empty(shape, dtype=dtype)
        _host_view(out)[...] = 1
        return out


@contextlib.contextmanager
def host_arrays():
    """CuPy allocations come from host memory while inside."""
    import cupy
    from cupy.cuda import memory

    keep = []

    def alloc(size):
        buf = np.zeros(int(size) + 512, np.uint8)
        keep.append(buf)
        p = buf.ctypes.data
        p += (-p) % 256
        return memory.MemoryPointer(memory.UnownedMemory(p, int(size), buf, 0), 0)

    old = cupy.cuda.get_allocator()
    cupy.cuda.set_allocator(alloc)
    try:
        yield
    finally:
        cupy.cuda.set_allocator(old)


def device_array(values, dtype=None, offset_bytes=0):
    """A host-backed CuPy array holding ``values`` (inside ``host_arrays()``)."""
    import cupy

    host = np.ascontiguousarray(values, dtype=dtype)
    base = cupy.empty(host.nbytes + offset_bytes, dtype=np.uint8)
    arr = base[offset_bytes:].view(host.dtype).reshape(host.shape) if host.size else \
        cupy.empty(host.shape, host.dtype)
    if host.size:
        _host_view(arr)[...] = host
    return arr


def read(arr):
    return _host_view(arr).copy()


def cuda_modules():
    """The loader, the shared helpers and every family module of ``backend/cuda``."""
    import importlib

    from cuflow.backend.cuda import common
    from cuflow.backend.cuda import compile as kernels

    return [kernels, common] + [importlib.import_module(f"cuflow.backend.cuda.{f}")
                                for f in kernels.FAMILIES]


def install(monkeypatch, checker, capturing=False):
    """Route every kernel lookup of the GPU modules to ``checker`` (each module binds the names
    it imported, so each module's binding is replaced)."""
    import cupy

    from cuflow.backend.cuda import compile as kernels

    monkeypatch.setattr(kernels, "_device_id", lambda: 0)
    real_device = cupy.cuda.Device  # Device() asks the driver for the current device
    monkeypatch.setattr(cupy.cuda, "Device",
                        lambda device=None: real_device(0 if device is None else device))
    proxy = _CupyProxy(cupy)
    stand_ins = {"get_kernel": checker.get_kernel, "sm_count": lambda device_id: SM_COUNT,
                 "_cupy": lambda: proxy, "_capturing": lambda: capturing, "_flags": {}}
    for module in cuda_modules():
        for name, value in stand_ins.items():
            if name in vars(module):
                monkeypatch.setattr(module, name, value)
