"""The cuBLAS library table ``backend/cuda/cublas.py`` calls through ctypes, simulated: the real
plan / fold / batch code of cublas.py runs, and each call it makes is checked as cuBLAS would
see it, then done in NumPy on the host memory behind the pointers.

Checked per call: the handle was created here and not destroyed; its workspace was set
(``cublasSetWorkspace_v2`` after ``cublasSetStream_v2``, which resets it) to live device memory
of at least the size cublas.py declares; M, N, K, leading dimensions and the batch count fit a
C ``int`` (ctypes would wrap them); ``lda >= max(1, rows of the stored matrix)`` for each
operand and ``ldc >= max(1, M)``; every byte the call reads or writes lies inside one live
device allocation, aligned to its element; the compute type matches the data type. The GEMM is
device work on the handle's stream: while a stream captures it must be that stream (else
:class:`CaptureViolation`), and a handle created while capturing is refused.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import _fake_runtime as rt

_DT = {0: np.float32, 1: np.float64, 2: np.float16}
_COMPUTE = {0: (68, 77), 1: (70,), 2: (68,)}  # data type -> compute types allowed
INT_MAX = 2**31 - 1


class CublasSimError(AssertionError):
    """A call cuBLAS would reject or that would read/write outside its buffers."""


def _value(x):
    """A Python number from a ctypes object, ``byref`` argument or plain value."""
    obj = getattr(x, "_obj", x)
    v = getattr(obj, "value", obj)
    return 0 if v is None else v


class FakeHandle:
    def __init__(self, hid):
        self.id, self.stream, self.workspace, self.math, self.alive = hid, None, None, 0, True


class FakeCublasLibrary:
    """Stands in for the ``ctypes.CDLL`` of libcublas; ``calls`` counts GEMMs."""

    def __init__(self, workspace_bytes):
        self.workspace_bytes = workspace_bytes
        self.handles, self.calls = {}, []
        self._ids = itertools.count(0xB1A5)

    def _handle(self, h, what):
        handle = self.handles.get(_value(h))
        if handle is None or not handle.alive:
            raise CublasSimError(f"{what}: unknown or destroyed cuBLAS handle {_value(h)}")
        return handle

    # -- the table cublas.py declares
    def cublasGemmEx(self, *a):  # noqa: N802 - the C name
        return self._gemm("cublasGemmEx", *a[:10], 0, *a[10:13], 0, 0, 1, *a[17:],
                          beta=a[13], c=a[14:17])

    def cublasCreate_v2(self, out):  # noqa: N802
        if rt.capturing():
            raise rt.CaptureViolation("cublasCreate_v2 while a stream is capturing (it "
                                      "allocates and synchronises): create our handle first")
        hid = next(self._ids)
        self.handles[hid] = FakeHandle(hid)
        _value_set(out, hid)
        return 0

    def cublasDestroy_v2(self, h):  # noqa: N802
        self._handle(h, "cublasDestroy_v2").alive = False
        return 0

    def cublasSetStream_v2(self, h, stream):  # noqa: N802
        handle = self._handle(h, "cublasSetStream_v2")
        handle.stream, handle.workspace = int(_value(stream)), None  # resets the workspace
        return 0

    def cublasSetWorkspace_v2(self, h, ptr, size):  # noqa: N802
        handle = self._handle(h, "cublasSetWorkspace_v2")
        ptr, size = int(_value(ptr)), int(_value(size))
        block = rt.block_at(ptr)
        if block is None or not block.live or ptr + size > block.ptr + block.size:
            raise CublasSimError(f"cublasSetWorkspace_v2: {size} bytes at {ptr:#x} are not "
                                 "inside one live device allocation")
        if size < self.workspace_bytes or ptr % 256:
            raise CublasSimError(f"cublasSetWorkspace_v2: {size} bytes at {ptr:#x} (want "
                                 f">= {self.workspace_bytes}, 256-byte aligned)")
        handle.workspace = (block, ptr, size)
        return 0

    def cublasSetMathMode(self, h, mode):  # noqa: N802
        self._handle(h, "cublasSetMathMode").math = int(_value(mode))
        return 0

    def cublasGemmStridedBatchedEx(self, *a):  # noqa: N802
        return self._gemm("cublasGemmStridedBatchedEx", *a[:15], *a[19:],
                          beta=a[15], c=a[16:20])

    # -- the GEMM
    def _gemm(self, what, h, opa, opb, m, n, k, alpha, *rest, beta, c):
        (ptr_a, ta, lda, stride_a, ptr_b, tb, ldb, stride_b, _stride_c, batch, compute,
         _algo) = rest
        c_ptr, tc, ldc = c[:3]
        stride_c = c[3] if len(c) > 3 else 0
        handle = self._handle(h, what)
        if handle.workspace is None or not handle.workspace[0].live:
            raise CublasSimError(f"{what}: no live workspace set on the handle (SetStream "
                                 "resets it; set it after)")
        dims = {"M": m, "N": n, "K": k, "lda": lda, "ldb": ldb, "ldc": ldc, "batch": batch}
        for name, v in dims.items():
            if not isinstance(v, (int, np.integer)) or not 0 <= v <= INT_MAX:
                raise CublasSimError(f"{what}: {name} = {v} does not fit a C int")
        types = {_value(ta), _value(tb), _value(tc)}
        if len(types) != 1 or next(iter(types)) not in _DT:
            raise CublasSimError(f"{what}: data types {types}")
        code = next(iter(types))
        if _value(compute) not in _COMPUTE[code]:
            raise CublasSimError(f"{what}: compute type {_value(compute)} for data type {code}")
        dtype = np.dtype(_DT[code])
        a = _operand(what, "A", ptr_a, dtype, _value(opa), m, k, lda, stride_a, batch)
        b = _operand(what, "B", ptr_b, dtype, _value(opb), k, n, ldb, stride_b, batch)
        out = _operand(what, "C", c_ptr, dtype, 0, m, n, ldc, stride_c, batch)
        al, be = float(_value(alpha)), float(_value(beta))
        acc = np.float64 if dtype == np.float64 else np.float32

        def run():
            prod = al * np.matmul(a.astype(acc), b.astype(acc))
            if be != 0.0:  # beta == 0: C is not read (NaN in it must not leak)
                prod = prod + be * out.astype(acc)
            out[...] = prod.astype(dtype)

        stream = handle.stream
        cap = rt._capture.stream
        if cap is not None and stream != cap.ptr:
            raise rt.CaptureViolation(f"cuBLAS call on a handle bound to stream {stream:#x} "
                                      f"while {cap} is capturing (not our capture handle)")
        current = rt.get_current_stream()
        if stream != current.ptr:
            raise CublasSimError(f"{what}: the handle is bound to stream {stream:#x}, the "
                                 f"work is issued on {current}")
        self.calls.append((what, int(m), int(n), int(k), int(batch)))
        rt.device_op(run, what, current, [a, b, out])
        return 0


def _value_set(out, v):
    obj = getattr(out, "_obj", out)
    obj.value = v


def _operand(what, name, ptr, dtype, op, rows, cols, ld, stride, batch):
    """A NumPy view (batch, rows, cols) of op(X) stored column-major at ``ptr``, checked to lie
    inside one live device allocation."""
    ptr, op, isz = int(_value(ptr)), int(op), dtype.itemsize
    rows, cols, ld, stride, batch = map(int, (rows, cols, ld, stride, batch))
    stored_rows = rows if op == 0 else cols
    if ld < max(1, stored_rows):
        raise CublasSimError(f"{what}: ld{name.lower()} = {ld} < {max(1, stored_rows)} rows of "
                             f"{name}")
    if ptr % isz:
        raise CublasSimError(f"{what}: {name} at {ptr:#x} is not aligned to {isz} bytes")
    # strides of op(X)(i, j): N: i + j*ld, T: j + i*ld
    st = (isz, ld * isz) if op == 0 else (ld * isz, isz)
    last = (batch - 1) * stride + (rows - 1) * st[0] // isz + (cols - 1) * st[1] // isz
    block = rt.block_at(ptr)
    if block is None or not block.live:
        raise CublasSimError(f"{what}: {name} at {ptr:#x} is not in a live device allocation")
    end = ptr + (last + 1) * isz
    if rows and cols and batch and end > block.ptr + block.size:
        raise CublasSimError(f"{what}: {name} reads {end - block.ptr - block.size} bytes past "
                             f"the end of its {block.size}-byte allocation")
    if not (rows and cols and batch):
        return np.zeros((batch, rows, cols), dtype)
    return np.ndarray((batch, rows, cols), dtype, buffer=block.raw,
                      offset=ptr - block.raw.ctypes.data, strides=(stride * isz, *st))


def install(monkeypatch):
    """Make ``backend/cuda/cublas.py`` load the simulated table (fresh handles)."""
    from cuflow.backend.cuda import backend, cublas

    lib = FakeCublasLibrary(cublas.WORKSPACE_BYTES)
    monkeypatch.setattr(cublas, "_lib", lib)
    monkeypatch.setattr(cublas, "_lib_path", "<simulated cuBLAS>")
    monkeypatch.setattr(cublas, "_handles", {})
    monkeypatch.setattr(backend, "_cublas_state", {"ok": True})
    return lib

