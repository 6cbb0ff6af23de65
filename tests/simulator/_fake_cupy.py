"""A NumPy-backed stand-in for CuPy (test-only): CuPy's own array functions run in NumPy on host
memory that the stand-in hands out as device memory (``_fake_runtime.py``: pools, streams,
capture and its checks; ``_fake_ndarray.py``: the array); our CUDA kernels run in the
simulator (``_sim.py``), never here. :func:`installed` puts it in ``sys.modules`` as ``cupy``,
``cupyx`` and their submodules.

Module attributes not defined here come from NumPy: functions and ufuncs wrapped as CuPy-level
device work (results on the device), types and constants as they are. CuPy's own cuBLAS
(``matmul``, ``dot``, ``einsum``, ``linalg`` ...) and functions whose output size needs a host
read (``nonzero``, ``unique`` ...) are refused while a stream captures.
"""

from __future__ import annotations

import contextlib
import functools
import types

import numpy as np

from . import _fake_runtime as rt
from ._fake_ndarray import (
    CUPY_BLAS,
    SYNCING,
    _call,
    _contains_device,
    _device,
    _fresh,
    _from_host,
    _host_read,
    _unwrap,
    matmul_like,
    ndarray,
)
from ._fake_runtime import CaptureViolation, host_sync

# ---- the module's functions -----------------------------------------------------------------

def asarray(a, dtype=None, order=None, blocking=False):
    if isinstance(a, ndarray):
        return a if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
    if _contains_device(a):
        return _call(lambda *xs: np.asarray(xs[0] if len(xs) == 1 else xs, dtype=dtype),
                     tuple(a) if isinstance(a, (list, tuple)) else (a,), {}, "asarray")
    return _from_host(a, dtype)


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, blocking=False):
    if isinstance(obj, ndarray):
        out = obj.astype(dtype or obj.dtype, copy=True) if copy else asarray(obj, dtype)
        return out
    out = asarray(obj, dtype)
    return out if out.ndim >= ndmin else out.reshape((1,) * (ndmin - out.ndim) + out.shape)


def ascontiguousarray(a, dtype=None):
    a = asarray(a, dtype)
    return a if a.flags.c_contiguous else a.copy()


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    return np.asarray(a, order=order)


def empty(shape, dtype=float, order="C"):
    return _fresh(shape, dtype, order)


def empty_like(a, dtype=None, order="K", subok=None, shape=None):
    return _fresh(a.shape if shape is None else shape, a.dtype if dtype is None else dtype)


def get_array_module(*args):
    return fake_cupy if any(isinstance(a, ndarray) for a in args) else np


def _wrapped(fn, name):
    if name in CUPY_BLAS:
        return matmul_like(name, fn)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if name in SYNCING:
            _host_read(f"cupy.{name}")
        return _call(fn, args, kwargs, name)

    return call


def _module_getattr(source, prefix):
    def getattr_(name):
        value = getattr(source, name)
        if isinstance(value, (np.ufunc, types.FunctionType, types.BuiltinFunctionType)) or \
                type(value).__name__ == "_ArrayFunctionDispatcher":
            return _wrapped(value, name)
        return value

    return getattr_


def _module(name, source=None, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    if source is not None:
        mod.__getattr__ = _module_getattr(source, name)
    return mod


# ---- random ---------------------------------------------------------------------------------

class RandomState:
    """``cupy.random.RandomState`` over NumPy's generator (draws are host-to-device copies)."""

    def __init__(self, seed=None):
        self._rs = np.random.RandomState(seed)

    def seed(self, seed=None):
        self._rs.seed(seed)

    def __getattr__(self, name):
        fn = getattr(self._rs, name)

        def draw(*args, dtype=None, **kwargs):
            if rt.capturing():
                raise CaptureViolation(f"cupy.random.{name} while capturing: a graph would "
                                       "replay the same numbers")
            res = np.asarray(fn(*args, **kwargs))
            if dtype is not None:
                res = res.astype(dtype)
            out = _fresh(res.shape, res.dtype)
            out._a[...] = res
            return out

        return draw


_random_state = [None]


def _default_rs():
    if _random_state[0] is None:
        _random_state[0] = RandomState()
    return _random_state[0]


def _random_getattr(name):
    return getattr(_default_rs(), name)


# ---- cupyx ----------------------------------------------------------------------------------

def _scatter(ufunc, name):
    def scatter(a, slices, value):
        pa, pi, pv = a._a, _unwrap(slices, True, name), _unwrap(value, False, name)
        _device(lambda: ufunc.at(pa, pi, pv), name, uses=[pa, pi, pv])

    return scatter


def _special(name):
    import scipy.special

    return _wrapped(getattr(scipy.special, name), name)


def as_strided(x, shape=None, strides=None):
    """``cupy.lib.stride_tricks.as_strided``: a view of the same device memory."""
    view = np.lib.stride_tricks.as_strided(x._a, shape=shape, strides=strides)
    return ndarray._of(view, x._mem)


# ---- assembling the modules -----------------------------------------------------------------

def _build():
    cuda_memory = _module("cupy.cuda.memory", MemoryPointer=rt.MemoryPointer,
                          MemoryPool=rt.MemoryPool, Memory=rt.Memory,
                          OutOfMemoryError=rt.OutOfMemoryError, alloc=rt.malloc,
                          set_allocator=rt.set_allocator, get_allocator=rt.get_allocator)
    runtime = _module("cupy.cuda.runtime", getDeviceCount=lambda: 1,
                      runtimeGetVersion=lambda: 12080, driverGetVersion=lambda: 12080,
                      deviceSynchronize=lambda: host_sync("runtime.deviceSynchronize"),
                      getDevice=lambda: 0, CUDARuntimeError=RuntimeError)
    graph = _module("cupy.cuda.graph", Graph=rt.Graph)
    cuda = _module("cupy.cuda", Device=rt.Device, Stream=rt.Stream, Event=rt.Event,
                   ExternalStream=rt.Stream, MemoryPool=rt.MemoryPool,
                   MemoryPointer=rt.MemoryPointer, memory=cuda_memory, runtime=runtime,
                   graph=graph, set_allocator=rt.set_allocator, get_allocator=rt.get_allocator,
                   using_allocator=rt.using_allocator, alloc=rt.malloc,
                   get_current_stream=rt.get_current_stream,
                   alloc_pinned_memory=rt.alloc_pinned_memory, is_available=lambda: True,
                   get_device_id=lambda: 0)
    random = _module("cupy.random", RandomState=RandomState,
                     seed=lambda seed=None: _default_rs().seed(seed))
    random.__getattr__ = _random_getattr
    linalg = _module("cupy.linalg")
    linalg.__getattr__ = lambda name: matmul_like(name, getattr(np.linalg, name))
    fft = _module("cupy.fft", np.fft)
    stride_tricks = _module("cupy.lib.stride_tricks", as_strided=as_strided)
    lib = _module("cupy.lib", stride_tricks=stride_tricks)
    cupy = _module("cupy", np, ndarray=ndarray, asarray=asarray, array=array,
                   asanyarray=asarray, ascontiguousarray=ascontiguousarray, asnumpy=asnumpy,
                   empty=empty, empty_like=empty_like, get_array_module=get_array_module,
                   cuda=cuda, random=random, linalg=linalg, fft=fft, lib=lib,
                   __version__="14.0.0",
                   get_default_memory_pool=rt.get_default_memory_pool,
                   get_default_pinned_memory_pool=lambda: rt.MemoryPool(),
                   fuse=lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f)),
                   CaptureViolation=CaptureViolation)
    special = _module("cupyx.scipy.special")
    special.__getattr__ = _special
    scipy = _module("cupyx.scipy", special=special)
    cupyx = _module("cupyx", scipy=scipy, scatter_add=_scatter(np.add, "scatter_add"),
                    scatter_max=_scatter(np.maximum, "scatter_max"),
                    scatter_min=_scatter(np.minimum, "scatter_min"))
    return {"cupy": cupy, "cupy.cuda": cuda, "cupy.cuda.memory": cuda_memory,
            "cupy.cuda.runtime": runtime, "cupy.cuda.graph": graph, "cupy.random": random,
            "cupy.linalg": linalg, "cupy.fft": fft, "cupy.lib": lib,
            "cupy.lib.stride_tricks": stride_tricks, "cupyx": cupyx, "cupyx.scipy": scipy,
            "cupyx.scipy.special": special}


MODULES = _build()
fake_cupy = MODULES["cupy"]


@contextlib.contextmanager
def installed(monkeypatch):
    """``import cupy`` / ``cupyx`` give the stand-in while inside."""
    import sys

    for name, mod in MODULES.items():
        monkeypatch.setitem(sys.modules, name, mod)
    rt.reset()
    try:
        yield fake_cupy
    finally:
        rt.reset()
