"""cuBLAS GEMM through a handle of our own, so GEMMs can be captured into CUDA graphs.

CuPy 14 refuses its own cuBLAS calls during stream capture. A handle we create with ctypes on
the same ``libcublas`` (bound to one stream before any capture, with a fixed workspace set by
``cublasSetWorkspace_v2`` so cuBLAS never allocates while capturing) captures and replays.

Layout: cuBLAS is column-major. A row-major C-contiguous (r, c) matrix *is* its transpose in
column-major with leading dimension c, so ``C = A @ B`` is computed as ``C^T = B^T A^T``: swap
the operands and the m/n sizes. An F-contiguous operand (e.g. ``x.T`` of a C-contiguous ``x``)
is passed with the transpose flag instead of being copied. :func:`plan_matmul` is pure (shapes
and strides in, a :class:`GemmPlan` or None out) so it is tested on machines without a GPU.

One handle per (device, stream); creating a handle while a stream is being captured is refused
with a clear error (call :func:`handle_for` on the capture stream before capturing).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import logging
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CublasError", "CublasNotFound", "GemmPlan", "available", "find_library",
           "handle_for", "library_path", "matmul", "plan_matmul", "reset"]

WORKSPACE_BYTES = 32 << 20  # fixed per handle: cuBLAS must not allocate during capture

# cuBLAS / CUDA enum values (cublas_api.h, library_types.h)
OP_N, OP_T = 0, 1
CUDA_R_32F, CUDA_R_64F, CUDA_R_16F = 0, 1, 2
COMPUTE_32F, COMPUTE_64F, COMPUTE_32F_FAST_TF32 = 68, 70, 77
GEMM_DEFAULT = -1
DEFAULT_MATH, TF32_TENSOR_OP_MATH = 0, 3

# dtype -> (cudaDataType of storage, compute type, ctypes type of alpha/beta)
_DTYPES = {
    "float32": (CUDA_R_32F, COMPUTE_32F, ctypes.c_float),
    "float64": (CUDA_R_64F, COMPUTE_64F, ctypes.c_double),
    "float16": (CUDA_R_16F, COMPUTE_32F, ctypes.c_float),  # float32 accumulation
}


class CublasNotFound(RuntimeError):
    """libcublas could not be loaded; the message lists every place searched."""


class CublasError(RuntimeError):
    """A cuBLAS call returned a non-zero status."""


# ---- finding the library --------------------------------------------------------------------

def _loaded_in_process() -> list[str]:
    """Paths of libcublas already mapped into this process (the one CuPy loaded, if any)."""
    try:
        text = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        fields = line.split(maxsplit=5)
        path = fields[5].strip() if len(fields) == 6 else ""
        if os.path.basename(path).startswith("libcublas.so") and path not in out:
            out.append(path)
    return out


def _cuda_major():
    """The CUDA major version CuPy was built for (12 for cupy-cuda12x, 13 for cupy-cuda13x);
    None when unknown. Needs no device."""
    try:
        from cupy_backends.cuda.api import driver

        return int(driver.get_build_version()) // 1000 or None
    except Exception:
        return None


def _prefer_major(paths, major):
    """``paths`` with the libraries of CuPy's CUDA major first (stable otherwise)."""
    if not major:
        return list(paths)
    tag = f".so.{major}"
    return sorted(paths, key=lambda p: 0 if tag in os.path.basename(p) else 1)


def _candidates() -> list[str]:
    """Where to look, best first: the libcublas CuPy itself uses (already mapped, or mapped after
    asking CuPy to load its cuBLAS binding, which goes through cuda-pathfinder), pathfinder, the
    nvidia wheels (cu12: nvidia/cublas/lib, cu13: nvidia/cu13/lib), the dynamic linker's
    sonames for CuPy's CUDA major first, CUDA_PATH / CUDA_HOME / the default toolkit."""
    major = _cuda_major()
    cands = _prefer_major(_loaded_in_process(), major)
    if not cands:
        try:  # CuPy's own route: pathfinder loads the library, then its binding links to it
            from cupy_backends.cuda.libs import cublas as _cupy_cublas  # noqa: F401
        except Exception:
            pass
        cands += _prefer_major(_loaded_in_process(), major)
    try:
        from cuda import pathfinder

        cands.append(pathfinder.load_nvidia_dynamic_lib("cublas").abs_path)
    except Exception:
        pass
    wheel_dirs = []
    for mod in ("nvidia.cublas", "nvidia.cu13", "nvidia.cu12"):
        try:
            wheel = __import__(mod, fromlist=["__path__"])
        except Exception:
            continue
        wheel_dirs += [os.path.join(root, "lib") for root in getattr(wheel, "__path__", [])]
    for d in wheel_dirs:
        cands += _prefer_major(sorted(glob.glob(os.path.join(d, "libcublas.so*"))), major)
    cands += _prefer_major(["libcublas.so.12", "libcublas.so.13"], major) + ["libcublas.so"]
    found = ctypes.util.find_library("cublas")
    if found:
        cands.append(found)
    for root in (os.environ.get("CUDA_PATH"), os.environ.get("CUDA_HOME"), "/usr/local/cuda"):
        if root:
            for sub in ("lib64", "lib"):
                cands += _prefer_major(
                    sorted(glob.glob(os.path.join(root, sub, "libcublas.so*"))), major)
    seen, ordered = set(), []
    for c in cands:
        if c and c not in seen and "Lt" not in os.path.basename(c):
            seen.add(c)
            ordered.append(c)
    return ordered


def find_library(loader=ctypes.CDLL):
    """``(CDLL, path)`` of the first candidate that loads and exports ``cublasGemmEx``."""
    tried = []
    for cand in _candidates():
        try:
            lib = loader(cand)
            lib.cublasGemmEx  # noqa: B018 - symbol check
            return lib, cand
        except (OSError, AttributeError) as exc:
            tried.append(f"{cand} ({exc.__class__.__name__})")
    raise CublasNotFound("libcublas not found; searched: " + ", ".join(tried or ["nothing"]) +
                         ". Install CuPy's CUDA libraries (pip install nvidia-cublas-cu12) or "
                         "set CUDA_PATH.")


_lib = None
_lib_path = None
_lib_lock = threading.Lock()


def _library():
    global _lib, _lib_path
    if _lib is None:
        with _lib_lock:
            if _lib is None:
                lib, path = find_library()
                _declare(lib)
                _lib, _lib_path = lib, path
                logging.getLogger("cuflow").debug("cuflow: GEMMs use our cuBLAS handle on %s",
                                                  path)
    return _lib


def library_path():
    """The libcublas file our handles use (None before the first GEMM or when absent)."""
    return _lib_path


def _declare(lib):
    vp, i, sz, ll = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t, ctypes.c_longlong
    sigs = {
        "cublasCreate_v2": [ctypes.POINTER(vp)],
        "cublasDestroy_v2": [vp],
        "cublasSetStream_v2": [vp, vp],
        "cublasSetWorkspace_v2": [vp, vp, sz],
        "cublasSetMathMode": [vp, i],
        "cublasGemmEx": [vp, i, i, i, i, i, vp, vp, i, i, vp, i, i, vp, vp, i, i, i, i],
        "cublasGemmStridedBatchedEx": [vp, i, i, i, i, i, vp, vp, i, i, ll, vp, i, i, ll, vp,
                                       vp, i, i, ll, i, i, i],
    }
    for name, args in sigs.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = ctypes.c_int


def available() -> bool:
    """True when libcublas loads (no device needed)."""
    try:
        _library()
        return True
    except CublasNotFound:
        return False


def _check(status, what):
    if status != 0:
        raise CublasError(f"{what} failed with cuBLAS status {status}")


# ---- handles --------------------------------------------------------------------------------

class _Handle:
    """A cuBLAS handle bound to one stream, with its own fixed workspace."""

    def __init__(self, lib, stream_ptr, device_id):
        import cupy

        self.lib = lib
        self.ptr = ctypes.c_void_p()
        _check(lib.cublasCreate_v2(ctypes.byref(self.ptr)), "cublasCreate_v2")
        # SetStream resets the workspace to cuBLAS's default pool, so it goes first.
        _check(lib.cublasSetStream_v2(self.ptr, ctypes.c_void_p(stream_ptr)),
               "cublasSetStream_v2")
        with cupy.cuda.Device(device_id):
            self.workspace = cupy.empty(WORKSPACE_BYTES, dtype=cupy.uint8)
        _check(lib.cublasSetWorkspace_v2(self.ptr, ctypes.c_void_p(self.workspace.data.ptr),
                                         WORKSPACE_BYTES), "cublasSetWorkspace_v2")
        self.math_mode = None
        self.set_tf32(False)

    def set_tf32(self, enabled):
        mode = TF32_TENSOR_OP_MATH if enabled else DEFAULT_MATH
        if mode != self.math_mode:
            _check(self.lib.cublasSetMathMode(self.ptr, mode), "cublasSetMathMode")
            self.math_mode = mode

    def destroy(self):
        if self.ptr:
            self.lib.cublasDestroy_v2(self.ptr)
            self.ptr = ctypes.c_void_p()


_handles: dict[tuple[int, int], _Handle] = {}
_handles_lock = threading.Lock()


def _stream_capturing(stream) -> bool:
    try:
        return bool(stream.is_capturing())
    except Exception:
        return False


def handle_for(stream=None):
    """Our handle for ``stream`` (default: the current one) on the current device; created on
    first use. Call this before capturing on a stream."""
    import cupy

    stream = cupy.cuda.get_current_stream() if stream is None else stream
    dev = cupy.cuda.Device().id
    key = (dev, int(stream.ptr))
    h = _handles.get(key)
    if h is None:
        if _stream_capturing(stream):
            raise RuntimeError("no cuBLAS handle exists for the stream being captured; call "
                               "cuflow.backend.cuda.cublas.handle_for(stream) before begin_capture")
        with _handles_lock:
            h = _handles.get(key)
            if h is None:
                h = _handles[key] = _Handle(_library(), int(stream.ptr), dev)
    return h


def reset():
    """Destroy every handle (tests; the process keeps them otherwise)."""
    with _handles_lock:
        for h in _handles.values():
            h.destroy()
        _handles.clear()


def _tf32_enabled() -> bool:
    try:
        from .. import config

        return bool(config.tensor_float_32_enabled())
    except Exception:  # config module absent or older: TF32 off, as Keras defaults
        return False


# ---- planning (pure: shapes and element strides) --------------------------------------------

@dataclass(frozen=True)
class GemmPlan:
    """One cuBLAS call computing the row-major product into a C-contiguous output.

    Column-major call: ``C'(M, N) = op(P)(M, K) @ op(Q)(K, N)`` with P = the right operand
    (``b``), Q = the left (``a``), M = n, N = m (rows of the row-major result). Offsets and
    strides are in elements. ``batch == 1`` means a plain GEMM.
    """

    out_shape: tuple
    M: int
    N: int
    K: int
    op_p: int
    ld_p: int
    op_q: int
    ld_q: int
    batch: int = 1
    stride_p: int = 0  # per batch, in elements, of b
    stride_q: int = 0  # of a
    stride_c: int = 0


def _layout(rows, cols, s_row, s_col):
    """(op, ld) of a row-major (rows, cols) matrix with element strides, as the operand whose
    *transpose* cuBLAS needs; None when neither row- nor column-contiguous."""
    if s_row < 0 or s_col < 0:
        return None
    if cols == 1 or s_col == 1:  # rows contiguous: col-major view is X^T, ld = row stride
        ld = s_row if rows > 1 else max(1, cols)
        if ld >= max(1, cols):
            return OP_N, ld
    if rows == 1 or s_row == 1:  # columns contiguous: col-major view is X, needs op T
        ld = s_col if cols > 1 else max(1, rows)
        if ld >= max(1, rows):
            return OP_T, ld
    return None


def _collapse(shape, strides):
    """A single stride walking ``shape`` in C order, or None (broadcast dims have stride 0)."""
    shape = [d for d in shape]
    strides = [s if d > 1 else None for d, s in zip(shape, strides)]
    used = [(d, s) for d, s in zip(shape, strides) if s is not None]
    if not used:
        return 0
    step = used[-1][1]
    expect = step
    for d, s in reversed(used):
        if s != expect:
            return None
        expect = s * d
    return step


def plan_matmul(a_shape, a_strides, b_shape, b_strides):
    """A :class:`GemmPlan` for ``matmul(a, b)`` (NumPy rules), strides in elements; None when
    the pattern needs a general fallback (non-uniform batch strides, odd views)."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    a_strides, b_strides = tuple(a_strides), tuple(b_strides)
    if len(a_shape) == 0 or len(b_shape) == 0:
        return None
    squeeze_m = len(a_shape) == 1
    squeeze_n = len(b_shape) == 1
    if squeeze_m:
        a_shape, a_strides = (1,) + a_shape, (0,) + a_strides
    if squeeze_n:
        b_shape, b_strides = b_shape + (1,), b_strides + (0,)
    m, k = a_shape[-2:]
    k2, n = b_shape[-2:]
    if k != k2:
        return None
    batch_a, batch_b = a_shape[:-2], b_shape[:-2]
    nd = max(len(batch_a), len(batch_b))
    ba = (1,) * (nd - len(batch_a)) + batch_a
    bb = (1,) * (nd - len(batch_b)) + batch_b
    sa = (0,) * (nd - len(batch_a)) + a_strides[:-2]
    sb = (0,) * (nd - len(batch_b)) + b_strides[:-2]
    batch = []
    for x, y in zip(ba, bb):
        if x != y and x != 1 and y != 1:
            return None
        batch.append(max(x, y))
    sa = tuple(0 if x == 1 else s for x, s in zip(ba, sa))
    sb = tuple(0 if y == 1 else s for y, s in zip(bb, sb))
    out_shape = tuple(batch) + ((m,) if not squeeze_m else ()) + ((n,) if not squeeze_n else ())
    nbatch = math.prod(batch)
    lay_q = _layout(m, k, a_strides[-2], a_strides[-1])
    lay_p = _layout(k, n, b_strides[-2], b_strides[-1])
    if lay_q is None or lay_p is None:
        return None
    # b shared across the batch and a's (batch, m) rows one uniform run: one big GEMM.
    if nbatch > 1 and not any(sb) and lay_q[0] == OP_N:
        row = _collapse(tuple(batch) + (m,), sa + (a_strides[-2] if m > 1 else 0,))
        if row is not None and (row >= max(1, k) or nbatch * m == 1):
            plan = GemmPlan(out_shape, n, nbatch * m, k, lay_p[0], lay_p[1], OP_N,
                            max(row, k, 1))
            if _fits_int32(plan):
                return plan
    if nbatch == 1:
        plan = GemmPlan(out_shape, n, m, k, lay_p[0], lay_p[1], lay_q[0], lay_q[1])
        return plan if _fits_int32(plan) else None
    stride_q, stride_p = _collapse(batch, sa), _collapse(batch, sb)
    if stride_q is None or stride_p is None:
        return None
    plan = GemmPlan(out_shape, n, m, k, lay_p[0], lay_p[1], lay_q[0], lay_q[1], nbatch,
                    stride_p, stride_q, m * n)
    return plan if _fits_int32(plan) else None


INT32_MAX = 2**31 - 1


def _fits_int32(plan):
    """cuBLAS takes M, N, K, the leading dimensions and the batch count as C ``int``: a value
    past 2**31 - 1 would wrap (negative: an error; past 2**32: a small positive, a silently
    truncated result). Such a plan is refused and the product falls back to cupy.matmul."""
    return all(0 <= v <= INT32_MAX for v in
               (plan.M, plan.N, plan.K, plan.ld_p, plan.ld_q, plan.batch))


# ---- running --------------------------------------------------------------------------------

def _element_strides(x):
    item = x.itemsize
    if any(s % item for s in x.strides):
        return None
    return tuple(s // item for s in x.strides)


def matmul(a, b, out=None):
    """``a @ b`` for CuPy arrays through our handle on the current stream; ``None`` when the
    dtypes or layout are not handled here (the caller falls back to ``cupy.matmul``)."""
    import cupy

    dt = str(a.dtype)
    if dt != str(b.dtype) or dt not in _DTYPES:
        return None
    sa, sb = _element_strides(a), _element_strides(b)
    if sa is None or sb is None:
        return None
    plan = plan_matmul(a.shape, sa, b.shape, sb)
    if plan is None:
        return None
    if out is None:
        out = cupy.empty(plan.out_shape, dtype=a.dtype)
    elif out.shape != plan.out_shape or out.dtype != a.dtype or not out.flags.c_contiguous:
        return None
    if out.size == 0:
        return out
    if plan.K == 0:
        out.fill(0)
        return out
    run(plan, a, b, out)
    return out


def run(plan, a, b, out):
    """Issue the cuBLAS call of ``plan`` on the current stream's handle."""
    h = handle_for()
    h.set_tf32(_tf32_enabled())
    dtype, compute, scalar = _DTYPES[str(a.dtype)]
    if compute == COMPUTE_32F and str(a.dtype) == "float32" and h.math_mode == \
            TF32_TENSOR_OP_MATH:
        compute = COMPUTE_32F_FAST_TF32
    one, zero = scalar(1.0), scalar(0.0)
    p, q, c = (ctypes.c_void_p(x.data.ptr) for x in (b, a, out))
    ldc = plan.M
    if plan.batch == 1:
        status = h.lib.cublasGemmEx(
            h.ptr, plan.op_p, plan.op_q, plan.M, plan.N, plan.K, ctypes.byref(one),
            p, dtype, plan.ld_p, q, dtype, plan.ld_q, ctypes.byref(zero), c, dtype, ldc,
            compute, GEMM_DEFAULT)
        _check(status, "cublasGemmEx")
    else:
        status = h.lib.cublasGemmStridedBatchedEx(
            h.ptr, plan.op_p, plan.op_q, plan.M, plan.N, plan.K, ctypes.byref(one),
            p, dtype, plan.ld_p, plan.stride_p, q, dtype, plan.ld_q, plan.stride_q,
            ctypes.byref(zero), c, dtype, ldc, plan.stride_c, plan.batch, compute,
            GEMM_DEFAULT)
        _check(status, "cublasGemmStridedBatchedEx")
