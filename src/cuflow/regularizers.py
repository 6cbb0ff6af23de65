"""Keras weight regularizers (``tf.keras.regularizers``): penalties added to the training loss.

``reg(weight)`` returns a scalar Tensor built from ``cuflow.ops``, so the penalty is differentiable
and stays on the weight's device.
"""

from __future__ import annotations

import math

import numpy as np

from . import ops
from ._lookup import Configurable, Lookup
from .tensor import Tensor


def _penalty(value, name):
    """A non-negative finite float (Keras' validate_float_arg); None means 0 for L1L2."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float, "
                         f"received {name}={value!r}")
    return v


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Regularizer(Configurable):
    """Base class: ``__call__(weight)`` -> scalar penalty."""

    def __call__(self, x):
        return 0.0


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _penalty(0.0 if l1 is None else l1, "l1")
        self.l2 = _penalty(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = _as_tensor(x)
        total = None
        if self.l1:
            total = self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            term = self.l2 * ops.sum(ops.square(x))
            total = term if total is None else total + term
        if total is None:  # both zero: a constant 0 of the weight's dtype and device
            total = Tensor(np.zeros((), dtype=x.dtype if x.dtype.kind == "f" else "float32"),
                           device=x.device)
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1=0.01):
        self.l1 = _penalty(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return self.l1 * ops.sum(ops.abs(_as_tensor(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01):
        self.l2 = _penalty(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return self.l2 * ops.sum(ops.square(_as_tensor(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Keras 3: factor * mean |cosine| between distinct rows (``mode="rows"``) or columns of a
    2-D weight, pushing them towards orthogonality."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _penalty(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns'; "
                             f"received {mode!r}")
        self.mode = mode

    def __call__(self, x):
        x = _as_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2-D weight; received shape "
                             f"{x.shape}")
        axis = 1 if self.mode == "rows" else 0
        unit = x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis, keepdims=True), 1e-12))
        product = unit @ unit.T if self.mode == "rows" else unit.T @ unit
        size = product.shape[0]
        if size < 2:
            return ops.sum(product) * 0.0
        off = Tensor(1.0 - np.eye(size), dtype=x.dtype, device=x.device)  # a constant mask
        num_pairs = size * (size - 1) / 2.0
        return self.factor * 0.5 * ops.sum(ops.abs(product * off)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# tf.keras aliases: the classes themselves
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES = {c.__name__: c for c in (L1, L2, L1L2, OrthogonalRegularizer)}
_NAMES = {**_CLASSES, "l1": L1, "l2": L2, "l1_l2": L1L2,
          "orthogonal_regularizer": OrthogonalRegularizer}


_lookup = Lookup("regularizer", _NAMES, Regularizer)
serialize, deserialize, get = _lookup.serialize, _lookup.deserialize, _lookup.get


__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get",
           "l1", "l1_l2", "l2", "orthogonal_regularizer", "serialize"]
