"""Arithmetic on symbolic tensors while building a functional model, as Keras allows:
``inputs_a + inputs_b``, ``x * 2``, ``-x``, ``x @ w``, ``x[:, 0]`` ... Each becomes a call of a
small ``SymbolicOp`` layer (no weights) that the model replays with ``cuflow.ops`` on real
tensors; its config holds the operator and any plain constant operand, so the model's config
round-trips."""

from __future__ import annotations

import numpy as np

from ... import autodiff, ops
from ...tensor import Tensor
from ..layer import Layer

_BINARY = {"add": ops.add, "subtract": ops.subtract, "multiply": ops.multiply,
           "divide": ops.divide, "matmul": ops.matmul, "power": ops.power,
           "floor_divide": ops.floor_divide, "mod": ops.mod, "less": ops.less,
           "less_equal": ops.less_equal, "greater": ops.greater,
           "greater_equal": ops.greater_equal}
_UNARY = {"negative": ops.negative, "absolute": ops.absolute}
_PLAIN = (bool, int, float, type(None))


def _key_to_config(key):
    """An index (ints, slices, None, Ellipsis, tuples of them) as JSON-able values."""
    if isinstance(key, tuple):
        return {"tuple": [_key_to_config(k) for k in key]}
    if isinstance(key, slice):
        return {"slice": [key.start, key.stop, key.step]}
    if key is Ellipsis:
        return {"ellipsis": True}
    if key is None or isinstance(key, (int, np.integer)):
        return None if key is None else int(key)
    raise TypeError(f"a symbolic tensor can be indexed with ints, slices, None and ...; "
                    f"received {key!r}")


def _key_from_config(cfg):
    if isinstance(cfg, dict):
        if "tuple" in cfg:
            return tuple(_key_from_config(k) for k in cfg["tuple"])
        if "slice" in cfg:
            return slice(*cfg["slice"])
        return Ellipsis
    return cfg


class SymbolicOp(Layer):
    """``op`` applied to the input(s): a binary operator between two symbolic tensors (inputs
    ``[a, b]``), or between one and a constant ``operand`` (``reverse``: the constant on the
    left), a unary operator, or ``"getitem"`` with ``key``."""

    def __init__(self, op, operand=None, reverse=False, key=None, operand_dtype=None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(operand, (list, tuple)) or operand_dtype is not None:
            operand = np.asarray(operand, dtype=operand_dtype)  # an array constant
            if operand_dtype is None:  # Python numbers: float32 / int32, as Keras
                operand = operand.astype({"f": "float32", "i": "int32"}.get(
                    operand.dtype.kind, operand.dtype))
        if op not in _BINARY and op not in _UNARY and op != "getitem":
            raise ValueError(f"SymbolicOp: unknown op {op!r}; expected one of "
                             f"{sorted(_BINARY) + sorted(_UNARY) + ['getitem']}")
        self.op, self.operand, self.reverse = op, operand, bool(reverse)
        self.key = _key_from_config(key) if isinstance(key, dict) else key
        self._symbolic_dtype = None
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        from ...tree import flatten
        from .keras_tensor import KerasTensor

        flat = flatten(inputs)
        if flat and all(isinstance(t, KerasTensor) for t in flat):  # probe with their dtypes
            self._probe_specs = [(t.shape, t.dtype) for t in flat]
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        if self.op == "getitem":
            return inputs[self.key]
        if self.op in _UNARY:
            return _UNARY[self.op](inputs)
        fn = _BINARY[self.op]
        if isinstance(inputs, (list, tuple)) and len(inputs) == 2 and self.operand is None:
            return fn(inputs[0], inputs[1])
        other = self.operand
        return fn(other, inputs) if self.reverse else fn(inputs, other)

    def compute_output_shape(self, input_shape):
        """Runs the op on ones of the inputs' shapes and dtypes (unknown sizes as 1) and
        records the output dtype for the symbolic tensor."""
        specs = getattr(self, "_probe_specs", None)

        def ones(shape, dtype):  # (ones, not zeros: a probe of 1 / x must not divide by 0)
            return Tensor(np.ones(tuple(1 if d is None else d for d in shape), dtype=dtype))

        probe = [ones(s, d) for s, d in specs] if specs else [ones(input_shape, "float32")]
        with autodiff.no_grad(), np.errstate(all="ignore"):
            out = self.call(probe if len(probe) > 1 else probe[0])
        self._symbolic_dtype = str(out.dtype)
        shape = tuple(out.shape)
        first = specs[0][0] if specs else input_shape
        unknown_batch = bool(first) and first[0] is None and \
            all(not s or s[0] is None for s, _ in (specs or [(first, None)]))
        return (None,) + shape[1:] if unknown_batch and shape else shape

    def get_config(self):
        operand, dtype = self.operand, None
        if isinstance(operand, np.ndarray) and operand.dtype.kind in "biuf":
            operand, dtype = operand.tolist(), str(operand.dtype)
        elif not isinstance(operand, _PLAIN):
            raise NotImplementedError(f"SymbolicOp {self.op!r}: a constant operand of type "
                                      f"{type(operand).__name__} cannot be saved in a config; "
                                      f"use a layer (or a plain number) instead")
        return {**super().get_config(), "op": self.op, "operand": operand,
                "operand_dtype": dtype, "reverse": self.reverse,
                "key": None if self.key is None else _key_to_config(self.key)}


def apply(op, tensor, other=None, reverse=False, key=None):
    """The symbolic result of ``op`` on ``tensor`` (and ``other``: a KerasTensor or a
    constant)."""
    from .keras_tensor import KerasTensor

    if op == "getitem":
        _key_to_config(key)  # refuses what a config could not hold, naming it
        return SymbolicOp("getitem", key=key)(tensor)
    if other is None and op in _UNARY:
        return SymbolicOp(op)(tensor)
    if isinstance(other, KerasTensor):
        a, b = (other, tensor) if reverse else (tensor, other)
        return SymbolicOp(op)([a, b])
    if isinstance(other, Tensor):
        other = other.numpy()
    if isinstance(other, np.generic):
        other = other.item()
    return SymbolicOp(op, operand=other, reverse=reverse)(tensor)


def _register():
    import types

    from ...registration import register_builtin_module

    # found by name when a functional config is loaded (not a public cuflow.layers class)
    register_builtin_module(types.SimpleNamespace(SymbolicOp=SymbolicOp))


_register()
del _register
