"""The array of the NumPy-backed CuPy stand-in (``_fake_cupy.py``): ``ndarray`` and the
machinery every CuPy-level function of the stand-in goes through.

``ndarray`` is not a ``numpy.ndarray`` subclass, on purpose: cupy.ndarray is not one, and
cuflow tells host from device arrays with ``isinstance(a, np.ndarray)`` in dozens of places
(``to_numpy``, text batches, metrics). It wraps a NumPy view ``_a`` of its device block
(``_fake_runtime.py``) and behaves as CuPy does where the difference matters: ``np.asarray(a)``
raises TypeError (an implicit host copy), a host NumPy array passed to a device function raises
TypeError, 0-d results stay on the device, ``.get()``/``float()``/``asnumpy`` are host reads.
Every function result that is not a view of its inputs is copied into memory from the current
allocator, and every call that touches device memory is one piece of device work (recorded
while capturing, so a graph replays it on the same memory).
"""

from __future__ import annotations

import functools

import numpy as np

from . import _fake_runtime as rt
from ._fake_runtime import CaptureViolation, host_sync

# CuPy's own cuBLAS/cuSOLVER: refused during capture (CuPy 14); our handle is cublas.py's
CUPY_BLAS = frozenset({"matmul", "dot", "vdot", "inner", "tensordot", "einsum", "kron",
                       "linalg", "solve", "inv", "svd", "qr", "cholesky", "eigh", "eig", "det",
                       "slogdet", "lstsq", "pinv", "norm", "matrix_power", "tensorsolve"})
# functions whose output size is only known after reading the device
SYNCING = frozenset({"nonzero", "argwhere", "flatnonzero", "unique", "extract", "compress",
                     "histogram", "bincount", "allclose", "array_equal", "isin", "tolist",
                     "item", "tobytes", "trim_zeros", "unique_counts", "unique_inverse",
                     "unique_values", "unique_all", "digitize"})


def _host_read(what):
    host_sync(what)


class Flags:
    def __init__(self, a):
        self.c_contiguous = bool(a.flags.c_contiguous)
        self.f_contiguous = bool(a.flags.f_contiguous)
        self.owndata = True

    def __getitem__(self, key):
        return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous,
                "OWNDATA": self.owndata}[key]


class ndarray:  # noqa: N801 - CuPy's name
    """A device array: ``_a`` is a NumPy view of its memory, ``_mem`` keeps the block leased."""

    __slots__ = ("_a", "_mem", "__weakref__")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        dtype = np.dtype(dtype)
        shape = (shape,) if np.isscalar(shape) else tuple(shape)
        if memptr is None:
            _check_dtype(dtype)
            probe = np.empty(shape, dtype, order=order)
            memptr = rt.malloc(probe.nbytes)
            strides = probe.strides if strides is None else strides
        self._mem = memptr.mem if memptr is not None else None
        self._a = _view_at(memptr, shape, dtype, strides)

    @classmethod
    def _of(cls, plain, mem):
        out = cls.__new__(cls)
        out._a, out._mem = plain, mem
        return out

    # -- what CuPy arrays have and NumPy arrays do not
    @property
    def data(self):
        ptr = self._a.__array_interface__["data"][0] if self._mem is not None else 0
        return rt.MemoryPointer(self._mem, ptr - self._mem.ptr) if self._mem is not None \
            else rt.MemoryPointer(None, 0)

    @property
    def device(self):
        return rt.Device(0)

    @property
    def flags(self):
        return Flags(self._a)

    @property
    def __cuda_array_interface__(self):
        return {"shape": self.shape, "typestr": self.dtype.str, "version": 3,
                "data": (self.data.ptr, False),
                "strides": None if self._a.flags.c_contiguous else self.strides}

    def get(self, stream=None, order="C", out=None, blocking=True):
        _host_read(".get()")
        host = np.array(self._a, order=order)
        if out is not None:
            out[...] = host
            return out
        return host

    def set(self, arr, stream=None):
        host = np.array(arr)
        _h2d(host, "ndarray.set")
        a = self._a
        _device(lambda: a.__setitem__(..., host), "ndarray.set", stream, [a])

    def tolist(self):
        _host_read(".tolist()")
        return self._a.tolist()

    def item(self, *args):
        _host_read(".item()")
        return self._a.item(*args)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly.")

    def __float__(self):
        _host_read("float() of a device array")
        return float(self._a)

    def __int__(self):
        _host_read("int() of a device array")
        return int(self._a)

    def __index__(self):
        _host_read("operator.index() of a device array")
        return self._a.__index__()

    def __complex__(self):
        _host_read("complex() of a device array")
        return complex(self._a)

    def __bool__(self):
        _host_read("bool() of a device array")
        return bool(self._a)

    def __repr__(self):
        if rt.capturing():
            return f"<fake cupy.ndarray shape={self.shape} dtype={self.dtype}>"
        return "fake " + repr(self._a)

    __str__ = __repr__

    def __format__(self, spec):
        _host_read("format() of a device array")
        return format(self._a, spec)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __reduce__(self):
        _host_read("pickling a device array")
        return (_from_host, (self._a.copy(),))

    # -- attributes that never touch the data
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: self.transpose())
    mT = property(lambda self: self.swapaxes(-1, -2))
    real = property(lambda self: _call(lambda a: a.real, (self,), {}, "real"))
    imag = property(lambda self: _call(lambda a: a.imag, (self,), {}, "imag"))

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    # -- methods CuPy defines its own way
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        _check_dtype(np.dtype(dtype))
        return _call(lambda a: a.astype(dtype, order=order), (self,), {}, "astype")

    def copy(self, order="C"):
        return _call(lambda a: a.copy(order=order), (self,), {}, "copy")

    def view(self, dtype=None, *args):
        if dtype is None or isinstance(dtype, type) and issubclass(dtype, ndarray):
            return ndarray._of(self._a.view(), self._mem)
        return ndarray._of(self._a.view(dtype), self._mem)

    def fill(self, value):
        a = self._a
        _device(lambda: a.fill(value), "fill", uses=[a])

    def dot(self, b, out=None):
        return matmul_like("dot")(self, b, out=out) if out is not None else \
            matmul_like("dot")(self, b)

    def __getattr__(self, name):
        if name.startswith("__"):  # __array_interface__, __array_struct__: host protocols
            raise AttributeError(f"fake cupy.ndarray has no attribute {name!r}")
        attr = getattr(self._a, name)  # AttributeError for what NumPy arrays lack too
        if not callable(attr):
            return _call(lambda a: getattr(a, name), (self,), {}, name)

        @functools.wraps(attr)
        def method(*args, **kwargs):
            if name in SYNCING:
                _host_read(f"ndarray.{name}")
            return _call(lambda a, *ar, **kw: getattr(a, name)(*ar, **kw), (self, *args),
                         kwargs, f"ndarray.{name}")

        return method

    # -- indexing
    def __getitem__(self, index):
        if _has_bool_mask(index):
            _host_read("boolean-mask indexing (the output size is read from the device)")
        return _call(lambda a, i: a[i], (self, index), {}, "getitem", allow_host=True)

    def __setitem__(self, index, value):
        a = self._a
        if isinstance(value, (list, tuple)):
            value = np.array(value)
        pi, pv = _unwrap(index, True, "setitem"), _unwrap(value, True, "setitem")

        def run():
            a[pi] = pv

        _device(run, "setitem", uses=[a, pi, pv])

    # -- NumPy protocols: every ufunc and array function on a device array goes through here
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = f"{ufunc.__name__}.{method}" if method != "__call__" else ufunc.__name__
        if ufunc.__name__ == "matmul":
            _check_blas("matmul")
        out = kwargs.get("out")
        fn = getattr(ufunc, method)
        if out is None:
            return _call(fn, inputs, kwargs, name)
        outs = out if isinstance(out, tuple) else (out,)
        if not all(isinstance(o, ndarray) for o in outs):
            raise TypeError(f"{name}: out= must be device arrays")
        pin = _unwrap(inputs, False, name)
        pkw = _unwrap(kwargs, False, name)
        _device(lambda: fn(*pin, **pkw), name, uses=[pin, pkw])
        return outs[0] if len(outs) == 1 else outs

    def __array_function__(self, func, types_, args, kwargs):
        name = func.__name__
        if name in CUPY_BLAS:
            _check_blas(name)
        if name in SYNCING:
            _host_read(f"numpy.{name} on a device array")
        return _call(func, args, kwargs, name)


def _binary(ufunc, reflected=False, inplace=False):
    if inplace:
        def op(self, other):
            return ufunc(self, other, out=self)
    elif reflected:
        def op(self, other):
            return ufunc(other, self)
    else:
        def op(self, other):
            return ufunc(self, other)
    return op


for _name, _uf in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                   ("truediv", np.true_divide), ("floordiv", np.floor_divide), ("mod", np.mod),
                   ("pow", np.power), ("and", np.bitwise_and), ("or", np.bitwise_or),
                   ("xor", np.bitwise_xor), ("lshift", np.left_shift),
                   ("rshift", np.right_shift), ("matmul", np.matmul)]:
    setattr(ndarray, f"__{_name}__", _binary(_uf))
    setattr(ndarray, f"__r{_name}__", _binary(_uf, reflected=True))
    setattr(ndarray, f"__i{_name}__", _binary(_uf, inplace=True))
for _name, _uf in [("lt", np.less), ("le", np.less_equal), ("gt", np.greater),
                   ("ge", np.greater_equal), ("eq", np.equal), ("ne", np.not_equal)]:
    setattr(ndarray, f"__{_name}__", _binary(_uf))
for _name, _uf in [("neg", np.negative), ("pos", np.positive), ("abs", np.absolute),
                   ("invert", np.invert)]:
    setattr(ndarray, f"__{_name}__", lambda self, _uf=_uf: _uf(self))


# ---- the machinery --------------------------------------------------------------------------

def _check_dtype(dtype):
    if dtype.kind not in "biufc":
        raise ValueError(f"Unsupported dtype {dtype} (CuPy arrays hold numbers and booleans)")


def _check_blas(name):
    if rt.capturing():
        raise CaptureViolation(f"cuBLAS call outside our handle while capturing: cupy.{name} "
                               "goes through CuPy's own cuBLAS handle, which CuPy 14 refuses "
                               "during stream capture (use backend/cuda/cublas.py)")


def _has_bool_mask(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (ndarray, np.ndarray)) and i.dtype == bool and i.ndim > 0
               for i in items)


def _view_at(memptr, shape, dtype, strides=None):
    if memptr is None or memptr.mem is None:
        return np.empty(shape, dtype)
    block = memptr.mem.block
    return np.ndarray(shape, dtype, buffer=block.raw, offset=block.offset + memptr.offset,
                      strides=strides)


def _unwrap(obj, allow_host, what):
    """Device arrays -> their NumPy views; a host NumPy array is refused unless ``allow_host``
    (CuPy's functions raise TypeError for one; indices and setitem values may be host data,
    copied to the device, which a capture refuses)."""
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, np.ndarray):
        if not allow_host:
            raise TypeError(f"Unsupported type {type(obj)} in {what}: a host NumPy array "
                            "passed to a CuPy function")
        _h2d(obj, what)
        return obj.copy()
    if isinstance(obj, tuple):
        return tuple(_unwrap(o, allow_host, what) for o in obj)
    if isinstance(obj, list):
        return [_unwrap(o, allow_host, what) for o in obj]
    if isinstance(obj, dict):
        return {k: _unwrap(v, allow_host, what) for k, v in obj.items()}
    return obj


def _mem_of(plain):
    """The lease of the live block ``plain`` views, or None (fresh host memory)."""
    if plain.size == 0:
        return None
    block = rt.block_at(plain.__array_interface__["data"][0])
    if block is None or not block.live or block.lease is None:
        return None
    return block.lease()


def _fresh(shape, dtype, order="C"):
    """A new device array (uninitialised) from the current allocator."""
    _check_dtype(np.dtype(dtype))
    probe = np.empty(shape, dtype, order=order)
    memptr = rt.malloc(probe.nbytes)
    if memptr is None:
        return ndarray._of(probe, None)
    return ndarray._of(_view_at(memptr, probe.shape, dtype, probe.strides), memptr.mem)


def _device(fn, what, stream=None, uses=()):
    return rt.device_op(fn, what, stream, uses)


def _flat_arrays(res):
    if isinstance(res, (np.ndarray, np.generic)):
        return [np.asarray(res)]
    if isinstance(res, (tuple, list)):
        return [a for r in res for a in _flat_arrays(r)]
    return []


def _wrap(res, fresh, counter):
    """Device arrays for the NumPy results ``res``; ``fresh`` collects (flat index, target) of
    the results copied into new device memory (a replay copies into the same targets)."""
    if isinstance(res, (np.ndarray, np.generic)):
        res = np.asarray(res)
        i = counter[0]
        counter[0] += 1
        mem = _mem_of(res)
        if mem is not None:
            return ndarray._of(res, mem)
        order = "F" if res.flags.f_contiguous and not res.flags.c_contiguous else "C"
        out = _fresh(res.shape, res.dtype, order)
        out._a[...] = res
        fresh.append((i, out._a))
        return out
    if isinstance(res, tuple):
        return tuple(_wrap(r, fresh, counter) for r in res)
    if isinstance(res, list):
        return [_wrap(r, fresh, counter) for r in res]
    return res


def _call(fn, args, kwargs, what, allow_host=False):
    """``fn`` on the NumPy views of the device arguments, as one piece of device work: results
    that are not views of device memory are copied into fresh device arrays (allocated on the
    first run; a graph's replay recomputes into the same ones)."""
    pargs, pkw = _unwrap(args, allow_host, what), _unwrap(kwargs, allow_host, what)
    targets, box, ran = [], [], []

    def op():
        res = fn(*pargs, **pkw)
        if not ran:  # the first run: results into fresh device arrays (the graph keeps none)
            ran.append(True)
            box.append(_wrap(res, targets, [0]))
            return
        flat = _flat_arrays(res)
        for i, dst in targets:
            dst[...] = flat[i]

    _device(op, what, uses=lambda: [pargs, pkw, [t for _, t in targets]])
    return box.pop()


def _h2d(host, what):
    """A host-to-device copy. CuPy fills a 0-d array with a kernel (the value is baked into a
    graph, as any kernel argument); anything larger goes through a pinned staging buffer that
    CuPy recycles once the copy is done, so a graph would replay a copy from a buffer holding
    something else by then: refused while capturing."""
    if host.ndim and host.size and rt.capturing():
        raise CaptureViolation(f"host-to-device copy of {host.nbytes} bytes ({what}) while "
                               f"{rt._capture.stream} is capturing: the graph would replay it "
                               "from CuPy's recycled pinned staging buffer")


def _from_host(host, dtype=None):
    """``cupy.asarray`` of host data: a device array filled from it."""
    host = np.array(host, dtype=dtype)
    _h2d(host, "cupy.asarray of host data")
    out = _fresh(host.shape, host.dtype)
    a = out._a
    _device(lambda: a.__setitem__(..., host), "fill" if not host.ndim else "copy_from_host",
            uses=[a])
    return out


def _contains_device(obj):
    if isinstance(obj, ndarray):
        return True
    if isinstance(obj, (list, tuple)):
        return any(_contains_device(o) for o in obj)
    return False


def matmul_like(name, fn=None):
    fn = fn or getattr(np, name)

    def call(*args, **kwargs):
        _check_blas(name)
        return _call(fn, args, kwargs, name)

    return call
