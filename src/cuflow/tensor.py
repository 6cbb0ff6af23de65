"""``Tensor``: an array on a device plus what autodiff needs (``requires_grad``, ``grad``,
creator).

Operators and methods forward to ``cuflow.ops`` so there is one implementation of each op.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import autodiff
from .backend import backend_of, get_backend, get_device, parse_device

_ALLOWED_KINDS = "biufc"  # complex tensors hold data (as Keras's NumPy backend); no gradients


def _check_dtype(dtype, received):
    if dtype.kind not in _ALLOWED_KINDS:
        raise TypeError(f"cuflow tensors hold bool, integer, floating or complex data; received "
                        f"dtype {dtype} from {type(received).__name__}")


class Tensor:
    """An n-dimensional array on one device with reverse-mode autodiff.

    ``Tensor(data, dtype=None, requires_grad=False, device=None)``: Python numbers and lists become
    float32 (integers int64); NumPy arrays keep their dtype. The tensor is created on ``device``
    (default: the current device, see ``cuflow.set_device``); CuPy arrays stay where they are.
    """

    __slots__ = ("data", "requires_grad", "grad", "_node", "_backend", "name", "_keras_mask",
                 "_keras_logits", "__weakref__")
    __array_priority__ = 1000  # numpy_array + tensor dispatches to Tensor.__radd__

    def __init__(self, data, dtype=None, requires_grad=False, device=None):
        if isinstance(data, Tensor):
            data = data.data
        if device is not None:
            bk = get_backend(parse_device(device))
        elif hasattr(data, "__cuda_array_interface__"):
            bk = backend_of(data)
        else:
            bk = get_backend(get_device())
        python_data = not hasattr(data, "dtype")
        if dtype is not None:
            dtype = np.dtype(dtype)
        try:
            arr = bk.asarray(data, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"cannot make a Tensor from {type(data).__name__}: {e}") from None
        _check_dtype(arr.dtype, data)
        if python_data and dtype is None and arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif python_data and dtype is None and arr.dtype == np.complex128:
            arr = arr.astype(np.complex64)  # Python complex numbers are complex64, as Keras
        self.data = arr
        self._backend = bk
        self._node = None
        self.grad = None
        self.name = None
        self._keras_mask = None
        self._keras_logits = None
        self.requires_grad = False
        if requires_grad:
            if arr.dtype.kind != "f":
                raise TypeError(f"only floating tensors can require gradients; received dtype "
                                f"{arr.dtype}")
            self.requires_grad = True

    @classmethod
    def _wrap(cls, array, node=None, backend=None):
        """A Tensor around an existing backend array, without conversion (the ops' fast path)."""
        t = object.__new__(Tensor)
        t.data = array
        t._backend = backend if backend is not None else backend_of(array)
        t._node = node
        t.grad = None
        t.name = None
        t._keras_mask = None
        t._keras_logits = None
        t.requires_grad = node is not None
        return t

    # ---- properties ------------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape  # a tuple for NumPy and CuPy arrays alike

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return int(self.data.size)

    @property
    def device(self) -> str:
        return self._backend.device

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.numpy(), separator=", ", threshold=20, precision=4)
        return f"Tensor({body}, dtype={self.dtype}, device={self.device!r}{grad})"

    # ---- host conversion -------------------------------------------------------------------
    def numpy(self):
        """A host NumPy array (a copy from the GPU; the array itself on the CPU)."""
        return self._backend.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def item(self):
        return self.numpy().item()

    def tolist(self):
        return self.numpy().tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.size} elements is "
                             f"ambiguous; use .any() or .all()")
        return bool(self.item())

    __hash__ = object.__hash__

    # ---- device and graph ------------------------------------------------------------------
    def to(self, device):
        """A copy on ``device`` ('cpu', 'gpu', 'gpu:N'); the same tensor if already there."""
        dev = parse_device(device)
        if dev == self.device:
            return self
        bk = get_backend(dev)
        host = self._backend.to_numpy(self.data)
        t = Tensor._wrap(bk.asarray(host), backend=bk)
        t.requires_grad = self.requires_grad and self._node is None
        return t

    def cpu(self):
        return self.to("cpu")

    def detach(self):
        return Tensor._wrap(self.data, backend=self._backend)

    def _accumulate_grad(self, g):
        if self.grad is None:
            self.grad = Tensor._wrap(g, backend=self._backend)
        else:
            self.grad = Tensor._wrap(self.grad.data + g, backend=self._backend)

    def backward(self, gradient=None):
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires a gradient."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require a gradient: no input "
                               "of the computation had requires_grad=True (or it ran in no_grad)")
        xp = self._backend.xp
        if gradient is None:
            if self.size != 1:
                raise RuntimeError(f"backward() without a gradient needs a scalar (one-element) "
                                   f"tensor; received shape {self.shape}. Pass gradient= of that "
                                   f"shape, or reduce first (e.g. .sum())")
            g = xp.ones(self.shape, dtype=self.dtype)
        else:
            g = Tensor(gradient, dtype=self.dtype, device=self.device).data
            if tuple(g.shape) != self.shape:
                raise ValueError(f"backward() gradient must have the tensor's shape {self.shape}; "
                                 f"received {tuple(g.shape)}")
        autodiff.run_backward([self], [g])

    def zero_grad(self):
        self.grad = None

    # ---- operators (implemented in cuflow.ops) ---------------------------------------------
    def __add__(self, o):
        return _ops.add(self, o)

    def __radd__(self, o):
        return _ops.add(o, self)

    def __sub__(self, o):
        return _ops.subtract(self, o)

    def __rsub__(self, o):
        return _ops.subtract(o, self)

    def __mul__(self, o):
        return _ops.multiply(self, o)

    def __rmul__(self, o):
        return _ops.multiply(o, self)

    def __truediv__(self, o):
        return _ops.divide(self, o)

    def __rtruediv__(self, o):
        return _ops.divide(o, self)

    def __floordiv__(self, o):
        return _ops.floor_divide(self, o)

    def __rfloordiv__(self, o):
        return _ops.floor_divide(o, self)

    def __mod__(self, o):
        return _ops.mod(self, o)

    def __rmod__(self, o):
        return _ops.mod(o, self)

    def __pow__(self, o):
        return _ops.power(self, o)

    def __rpow__(self, o):
        return _ops.power(o, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __matmul__(self, o):
        return _ops.matmul(self, o)

    def __rmatmul__(self, o):
        return _ops.matmul(o, self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __lt__(self, o):
        return _ops.less(self, o)

    def __le__(self, o):
        return _ops.less_equal(self, o)

    def __gt__(self, o):
        return _ops.greater(self, o)

    def __ge__(self, o):
        return _ops.greater_equal(self, o)

    def __eq__(self, o):
        return _ops.equal(self, o)

    def __ne__(self, o):
        return _ops.not_equal(self, o)

    # ---- methods ---------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return _ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return _ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return _ops.min(self, axis, keepdims)

    def prod(self, axis=None, keepdims=False):
        return _ops.prod(self, axis, keepdims)

    def var(self, axis=None, keepdims=False):
        return _ops.var(self, axis, keepdims)

    def std(self, axis=None, keepdims=False):
        return _ops.std(self, axis, keepdims)

    def argmax(self, axis=None):
        return _ops.argmax(self, axis)

    def argmin(self, axis=None):
        return _ops.argmin(self, axis)

    def any(self, axis=None, keepdims=False):
        return Tensor._wrap(self.data.any(axis=axis, keepdims=keepdims), backend=self._backend)

    def all(self, axis=None, keepdims=False):
        return Tensor._wrap(self.data.all(axis=axis, keepdims=keepdims), backend=self._backend)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _ops.reshape(self, shape)

    def flatten(self):
        return _ops.reshape(self, (-1,))

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return _ops.transpose(self, axes or None)

    def expand_dims(self, axis):
        return _ops.expand_dims(self, axis)

    def squeeze(self, axis=None):
        return _ops.squeeze(self, axis)

    def clip(self, lo, hi):
        return _ops.clip(self, lo, hi)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def square(self):
        return _ops.square(self)

    def abs(self):
        return _ops.abs(self)

    def astype(self, dtype):
        return _ops.cast(self, dtype)

    def tile(self, reps):
        return _ops.tile(self, reps)


_names = itertools.count()
_scopes = []  # the open name_scope names, outermost first


class name_scope:
    """``with name_scope("block"):`` Variables created inside get the path ``"block/<name>"``
    (their ``name`` stays as given), as ``keras.name_scope``. Scopes nest."""

    def __init__(self, name, **kwargs):
        if not isinstance(name, str):
            raise ValueError(f"name_scope expects a string name; received {name!r}")
        self.name = name

    def __enter__(self):
        _scopes.append(self.name)
        return self

    def __exit__(self, *exc):
        _scopes.pop()
        return False


class Variable(Tensor):
    """A mutable, named tensor: model weights. Trainable variables require gradients.

    Updates (``assign``, ``assign_add``, ``assign_sub``) write into the same buffer, so captured
    device graphs and optimizer tables keep pointing at live memory.
    """

    __slots__ = ("trainable", "constraint", "overwrite_with_gradient", "path")

    def __init__(self, initial_value, trainable=True, name=None, dtype=None, device=None,
                 constraint=None):
        if callable(initial_value):
            initial_value = initial_value()
        if isinstance(initial_value, Tensor):
            initial_value = initial_value.data
        super().__init__(initial_value, dtype=dtype, device=device)
        # own the buffer: in-place updates must never write into the caller's array
        self.data = self.data.copy()
        if trainable and self.dtype.kind != "f":
            raise TypeError(f"a trainable Variable must be floating; received dtype {self.dtype}")
        self.trainable = bool(trainable)
        self.requires_grad = self.trainable
        self.name = name if name is not None else f"Variable:{next(_names)}"
        # Keras's variable path: the open name scopes, then the name
        self.path = "/".join([*_scopes, str(self.name)])
        self.constraint = constraint
        # Keras: an optimizer writes such a variable's gradient into it instead of a step
        self.overwrite_with_gradient = False

    def numpy(self):
        """A host copy of the value: a snapshot that later assignments (an optimizer step
        updates variables in place) leave unchanged, as Keras's ``variable.numpy()``."""
        host = self._backend.to_numpy(self.data)
        return host.copy() if host is self.data else host

    def _set_trainable(self, flag):
        self.trainable = bool(flag)
        self.requires_grad = self.trainable

    def _coerce(self, value):
        arr = value.data if isinstance(value, Tensor) else value
        if not self._backend.is_native(arr):
            arr = self._backend.asarray(arr)
        if tuple(arr.shape) != self.shape:
            raise ValueError(f"cannot assign a value of shape {tuple(arr.shape)} to Variable "
                             f"{self.name!r} of shape {self.shape}")
        return arr

    def assign(self, value):
        self.data[...] = self._coerce(value)
        return self

    def assign_add(self, value):
        self.data += self._coerce(value)
        return self

    def assign_sub(self, value):
        self.data -= self._coerce(value)
        return self

    @property
    def value(self):
        """The current value as a Tensor sharing this Variable's buffer (Keras's property)."""
        return Tensor._wrap(self.data, backend=self._backend)

    def __repr__(self):
        body = np.array2string(self.numpy(), separator=", ", threshold=20, precision=4)
        return (f"<Variable {self.name!r} shape={self.shape} dtype={self.dtype} "
                f"device={self.device!r} {body}>")


def stop_gradient(x):
    """The same values with no gradient flowing back."""
    if not isinstance(x, Tensor):
        return Tensor(x)
    return x.detach()


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


# The operators above (x + y, x @ w, x.sum()) are ops, and ops sit above tensors: the package root
# binds the ops module here once both are loaded (cuflow/__init__.py), the one seam between them.
_ops = None
