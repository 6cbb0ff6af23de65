"""Learning-rate schedules (``cuflow.optimizers.schedules``), Keras formulas.

``schedule(step)`` takes a Python int (→ float, the optimizer's host path: no device sync), a
0-d NumPy/CuPy array (→ 0-d array of that module) or a cuflow Tensor (→ Tensor).
"""

from __future__ import annotations

import bisect
import math
import numbers

import numpy as np


class _Host:
    """The array-module functions the formulas use, for Python scalars."""

    floor, ceil, cos, log, sqrt = math.floor, math.ceil, math.cos, math.log, math.sqrt
    minimum, maximum = staticmethod(min), staticmethod(max)

    @staticmethod
    def power(a, b):
        return a ** b

    @staticmethod
    def where(cond, a, b):
        return a if cond else b


def _number(value, what, cls, positive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
            positive and not value > 0):
        need = "a number > 0" if positive else "a number"
        raise ValueError(f"{cls}: {what} must be {need}; received {what}={value!r}")
    return value


class LearningRateSchedule:
    """Base class: subclasses implement ``_compute(xp, step)`` with ``step`` a float or a float
    0-d array, plus ``get_config``."""

    def __call__(self, step):
        from ..tensor import Tensor

        if isinstance(step, Tensor):
            out = self(step.data)
            return Tensor._wrap(out, backend=step._backend)
        if isinstance(step, numbers.Number):
            return float(self._compute(_Host, float(step)))
        xp = _array_module(step)
        return xp.asarray(self._compute(xp, xp.asarray(step).astype(np.float64)))

    def _compute(self, xp, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__ or _compute")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _array_module(a):
    if hasattr(a, "__cuda_array_interface__"):
        import importlib

        return importlib.import_module("cupy")  # already imported: ``a`` is a CuPy array
    return np


class ExponentialDecay(LearningRateSchedule):
    """``lr * decay_rate ** (step / decay_steps)`` (floored exponent when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        n = type(self).__name__
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", n)
        self.decay_steps = _number(decay_steps, "decay_steps", n, positive=True)
        self.decay_rate = _number(decay_rate, "decay_rate", n)
        self.staircase = bool(staircase)
        self.name = name

    def _compute(self, xp, step):
        p = step / self.decay_steps
        if self.staircase:
            p = xp.floor(p)
        return self.initial_learning_rate * xp.power(self.decay_rate, p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: boundaries must have one element fewer "
                             f"than values; received boundaries={boundaries} (length "
                             f"{len(boundaries)}) and values={values} (length {len(values)})")
        if any(b > a for a, b in zip(boundaries[1:], boundaries)):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must be increasing; received "
                             f"boundaries={boundaries}")
        self.boundaries, self.values, self.name = boundaries, values, name

    def _compute(self, xp, step):
        if xp is _Host:
            return self.values[bisect.bisect_left(self.boundaries, step)]
        idx = (step > xp.asarray(self.boundaries, dtype=np.float64)).sum()
        return xp.asarray(self.values, dtype=np.float64)[idx]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(lr - end) * (1 - step/decay_steps) ** power + end``, step capped at ``decay_steps``
    (``cycle``: decay_steps stretched to the next multiple above step)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        n = type(self).__name__
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", n)
        self.decay_steps = _number(decay_steps, "decay_steps", n, positive=True)
        self.end_learning_rate = _number(end_learning_rate, "end_learning_rate", n)
        self.power = _number(power, "power", n)
        self.cycle = bool(cycle)
        self.name = name

    def _compute(self, xp, step):
        steps = self.decay_steps
        if self.cycle:
            steps = steps * xp.where(step == 0, 1.0, xp.ceil(step / self.decay_steps))
        else:
            step = xp.minimum(step, steps)
        p = step / steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * xp.power(1 - p, self.power) + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``lr / (1 + decay_rate * step / decay_steps)`` (floored ratio when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        n = type(self).__name__
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", n)
        self.decay_steps = _number(decay_steps, "decay_steps", n, positive=True)
        self.decay_rate = _number(decay_rate, "decay_rate", n)
        self.staircase = bool(staircase)
        self.name = name

    def _compute(self, xp, step):
        p = step / self.decay_steps
        if self.staircase:
            p = xp.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps``, then ``lr * ((1-alpha) * 0.5*(1+cos(pi*s/decay_steps)) + alpha)``."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        n = type(self).__name__
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", n)
        self.decay_steps = _number(decay_steps, "decay_steps", n, positive=True)
        self.alpha = _number(alpha, "alpha", n)
        if warmup_target is not None:
            _number(warmup_target, "warmup_target", n)
        if _number(warmup_steps, "warmup_steps", n) < 0:
            raise ValueError(f"{n}: warmup_steps must be >= 0; received "
                             f"warmup_steps={warmup_steps!r}")
        self.warmup_target, self.warmup_steps, self.name = warmup_target, warmup_steps, name

    def _decay(self, xp, step, start_lr):
        cosine = 0.5 * (1.0 + xp.cos(math.pi * (step / self.decay_steps)))
        return start_lr * ((1 - self.alpha) * cosine + self.alpha)

    def _compute(self, xp, step):
        if self.warmup_target is None:
            return self._decay(xp, xp.minimum(step, self.decay_steps), self.initial_learning_rate)
        ws = self.warmup_steps
        step = xp.minimum(step, self.decay_steps + ws)
        decayed = self._decay(xp, step - ws, self.warmup_target)
        if ws == 0:
            return decayed
        warm = (self.warmup_target - self.initial_learning_rate) * (step / ws) \
            + self.initial_learning_rate
        return xp.where(step < ws, warm, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR: cosine decay restarted every period, periods growing by ``t_mul`` and peaks
    shrinking by ``m_mul``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        n = type(self).__name__
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", n)
        self.first_decay_steps = _number(first_decay_steps, "first_decay_steps", n,
                                         positive=True)
        self._t_mul = _number(t_mul, "t_mul", n, positive=True)
        self._m_mul = _number(m_mul, "m_mul", n)
        self.alpha = _number(alpha, "alpha", n)
        self.name = name

    def _compute(self, xp, step):
        frac = step / self.first_decay_steps
        t_mul = self._t_mul
        if t_mul == 1.0:
            i_restart = xp.floor(frac)
            frac = frac - i_restart
        else:
            i_restart = xp.floor(xp.log(1.0 - frac * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            frac = (frac - sum_r) / t_mul ** i_restart
        cosine = 0.5 * self._m_mul ** i_restart * (1.0 + xp.cos(math.pi * frac))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_REGISTRY = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                     InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule):
    """``{"class_name": ..., "config": ...}`` (plus Keras's module/registered_name keys)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"serialize() expects a LearningRateSchedule; received "
                         f"{type(schedule).__name__}")
    return {"module": "cuflow.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A schedule from ``serialize``'s output; classes come from a closed registry plus
    ``custom_objects`` (nothing is imported by name)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize() expects a dict with 'class_name' and 'config'; "
                         f"received {config!r}")
    registry = dict(_REGISTRY, **(custom_objects or {}))
    cls = registry.get(config["class_name"])
    if cls is None:
        raise ValueError(f"unknown learning-rate schedule {config['class_name']!r}; expected one "
                         f"of {sorted(registry)}")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """A schedule from a schedule, a serialized dict, or None (None)."""
    if identifier is None or isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"could not interpret learning-rate schedule identifier {identifier!r}")


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize",
           "get", "serialize"]
