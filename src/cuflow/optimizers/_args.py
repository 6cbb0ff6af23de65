"""The optimizers' argument helpers: the default-learning-rate marker, the unknown-argument
error, the learning-rate float Keras programs call ``.numpy()``/``.assign()`` on, and number
checks."""

from __future__ import annotations

import numpy as np


class _Default(float):
    """A signature default: lets ``__init__`` tell ``lr=`` from an explicit ``learning_rate=``."""

    __slots__ = ()

    def __repr__(self):
        return float.__repr__(self)


# Shared default learning rates (module-level: the marker type must survive as the default).
DEFAULT_LR = _Default(0.001)
DEFAULT_SGD_LR = _Default(0.01)


class ArgumentError(TypeError, ValueError):
    """An unknown keyword argument (Keras raises ValueError, Python convention TypeError)."""


class _LearningRate(float):
    """The current learning rate: a float that also answers ``.numpy()`` and ``.assign(v)``,
    which Keras programs call on the learning-rate Variable Keras returns."""

    __slots__ = ("_opt",)

    def __new__(cls, value, opt):
        self = float.__new__(cls, value)
        self._opt = opt
        return self

    def numpy(self):
        return np.float32(self)

    def assign(self, value):
        self._opt.learning_rate = value
        return self


def _as_float(value, what):
    if isinstance(value, (bool, str)) or value is None:
        raise ValueError(f"{what} must be a number; received {what}={value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number; received {what}={value!r}") from None
