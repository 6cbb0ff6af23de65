"""The logs callbacks and ``fit`` / ``evaluate`` see: metric results read from the device only
when a callback reads them, and the logs a custom step returns, as floats."""

from __future__ import annotations

import collections.abc

import numpy as np

from ..tensor import Tensor


def log_value(result):
    """A metric result as logs carry it: a float, or a NumPy array for vector results
    (``F1Score(average=None)``, several thresholds), as Keras 3."""
    arr = result.numpy() if hasattr(result, "numpy") else np.asarray(result)
    return float(arr.reshape(())) if arr.size == 1 else arr


def metric_logs(named_metrics):
    """``{name: value}`` of ``[(name, metric)]``, sorted by name as Keras 3 hands logs to
    callbacks and History (one host read per metric)."""
    return {name: log_value(m.result()) for name, m in sorted(named_metrics, key=lambda nm: nm[0])}


class LazyLogs(collections.abc.Mapping):
    """Metric results read on access only: on the GPU each read is a device synchronisation.
    Made once per batch, so making one costs nothing (the names are sorted when iterated)."""

    def __init__(self, named_metrics):
        self._metrics = named_metrics

    def __getitem__(self, key):
        for name, metric in self._metrics:
            if name == key:
                return log_value(metric.result())
        raise KeyError(key)

    def __iter__(self):
        return iter(sorted(name for name, _ in self._metrics))  # Keras 3 order

    def __len__(self):
        return len(self._metrics)


def float_logs(logs):
    """A custom step's returned logs (Tensors, numbers, nested dicts) as a flat dict of floats."""
    out = {}
    for key, value in (logs or {}).items():
        if isinstance(value, collections.abc.Mapping):
            out.update(float_logs(value))
        elif isinstance(value, Tensor):
            out[key] = float(value.numpy()) if value.size == 1 else value.numpy()
        else:
            try:
                out[key] = float(value)
            except (TypeError, ValueError):
                out[key] = value
    return dict(sorted(out.items()))


class StepLogs(collections.abc.Mapping):
    """Logs returned by a custom step, converted to floats only when a callback reads them."""

    def __init__(self, logs):
        self._logs = logs
        self._flat = None

    def _values(self):
        if self._flat is None:
            self._flat = float_logs(self._logs)
        return self._flat

    def __getitem__(self, key):
        return self._values()[key]

    def __iter__(self):
        return iter(self._values())

    def __len__(self):
        return len(self._values())
