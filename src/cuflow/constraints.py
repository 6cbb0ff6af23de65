"""Keras weight constraints (``tf.keras.constraints``): projections applied after each update.

``constraint(w)`` returns the projected weight as a Tensor on ``w``'s device. The optimizer
assigns it back outside the graph, so it is computed under ``no_grad``.
"""

from __future__ import annotations

from . import ops
from ._lookup import Configurable, Lookup
from .autodiff import no_grad
from .tensor import Tensor

EPSILON = 1e-7  # Keras' backend.epsilon(): keeps zero columns finite


def _as_tensor(w):
    return w.detach() if isinstance(w, Tensor) else Tensor(w)


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis, keepdims=True))


class Constraint(Configurable):
    """Base class: ``__call__(w)`` -> the constrained weight (the identity here)."""

    def __call__(self, w):
        return w


class MaxNorm(Constraint):
    """Rescale slices along ``axis`` whose L2 norm exceeds ``max_value`` down to it."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        with no_grad():
            w = _as_tensor(w)
            norms = _norms(w, self.axis)
            desired = ops.clip(norms, 0.0, float(self.max_value))
            return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero the negative entries (NaN stays NaN, as Keras' w * (w >= 0))."""

    def __call__(self, w):
        with no_grad():
            w = _as_tensor(w)
            return w * ops.cast(w >= 0.0, w.dtype)


class UnitNorm(Constraint):
    """Scale slices along ``axis`` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        with no_grad():
            w = _as_tensor(w)
            return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move slice norms into [min_value, max_value]; ``rate`` < 1 moves only part of the way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        if min_value > max_value:
            raise ValueError(f"MinMaxNorm: min_value ({min_value}) must not exceed max_value "
                             f"({max_value})")
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        with no_grad():
            w = _as_tensor(w)
            norms = _norms(w, self.axis)
            clipped = ops.clip(norms, float(self.min_value), float(self.max_value))
            desired = self.rate * clipped + (1.0 - self.rate) * norms
            return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# tf.keras aliases: the classes themselves
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = {c.__name__: c for c in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}
_NAMES = {**_CLASSES, "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
          "min_max_norm": MinMaxNorm, "maxnorm": MaxNorm, "nonneg": NonNeg,
          "unitnorm": UnitNorm}


_lookup = Lookup("constraint", _NAMES, Constraint)
serialize, deserialize, get = _lookup.serialize, _lookup.deserialize, _lookup.get


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm"]
