"""What a custom ``train_step`` sees, as in Keras: ``model.metrics`` (the loss tracker and one
container of the compiled metrics), ``compiled_loss`` / ``compiled_metrics`` (tf.keras 2), and
the conversion of the logs a custom step returns."""

from __future__ import annotations

import collections.abc

from ..tensor import Tensor


class CompileMetrics:
    """The compiled metrics as one object named "compile_metrics" (Keras 3's container).

    ``update_state(y, y_pred, sample_weight)`` builds the metrics on first use (``"accuracy"``
    needs the shapes) and updates each; ``result()`` is a dict by metric name."""

    name = "compile_metrics"

    def __init__(self, model):
        self._model = model

    @property
    def metrics(self):
        return [m for _, m, _, _ in self._model._compiled_metrics or []]

    def update_state(self, y_true, y_pred, sample_weight=None):
        model = self._model
        ys, preds = model._prepare_step(y_true, y_pred)
        for _, metric, i, weighted in model._compiled_metrics:
            if ys[i] is not None:
                metric.update_state(ys[i], preds[i],
                                    sample_weight=sample_weight if weighted else None)

    def result(self):
        return {name: m.result() for name, m, _, _ in self._model._compiled_metrics or []}

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    @property
    def variables(self):
        return [v for m in self.metrics for v in getattr(m, "variables", [])]


class CompileLoss:
    """tf.keras 2's ``model.compiled_loss(y, y_pred, sample_weight, regularization_losses)``:
    the compiled total loss, also recorded in the "loss" tracker."""

    def __init__(self, model):
        self._model = model

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        model = self._model
        ys, preds = model._prepare_step(y_true, y_pred)
        total, per_output = model._loss_terms(ys, preds, sample_weight)
        for extra in regularization_losses or []:
            total = total + extra
        model._loss_tracker.update_scalar(total, _batch_size(y_pred))
        for tracker, value in zip(model._output_loss_trackers, per_output):
            if value is not None:
                tracker.update_scalar(value, _batch_size(y_pred))
        return total


def _batch_size(y_pred):
    from ..tree import flatten as _flatten

    first = _flatten(y_pred)[0]
    return first.shape[0] if getattr(first, "ndim", 0) else 1


def unpack(data):
    """``(x, y, sample_weight)`` from a batch ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sw)``."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(f"a batch must be x, (x,), (x, y) or (x, y, sample_weight); received a "
                         f"tuple of {len(data)} items")
    return data, None, None


def pack(x, y=None, sample_weight=None):
    """The batch Keras hands to ``train_step``: (x, y) or (x, y, sw); without y, x itself
    (or (x,) when x is a list or tuple of inputs), as Keras's pack_x_y_sample_weight."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


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
