"""What ``compile`` makes of its loss and metric arguments, and what a custom ``train_step``
sees of them, as in Keras: ``model.metrics`` (the loss tracker and one container of the
compiled metrics), ``compiled_loss`` / ``compiled_metrics`` (tf.keras 2); plus the compile
arguments to and from their serialized form.

:class:`CompileState` owns the loss weighting and the metrics; the trainer holds one per
``compile`` and asks it, never the other way round: nothing here reads the model.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import ops
from ..tree import flatten as _flatten


def resolve_loss(v):
    """A loss name / function / object as a ``Loss`` (unknown names fail now, as in Keras)."""
    if v is None:
        return None
    if isinstance(v, str) and v.lower() in ("crossentropy", "ce"):  # Keras: chosen by shapes
        return losses_mod.probabilistic.ShapeResolvedCrossentropy(name=v)
    fn = losses_mod.get(v)
    # plain functions compute per-sample values; the wrapper adds weights + reduction
    return fn if isinstance(fn, losses_mod.Loss) else losses_mod.LossFunctionWrapper(fn)


def resolve_loss_spec(loss):
    """``compile(loss=...)``: one loss, a list (one per output) or a dict by output name."""
    if isinstance(loss, dict):
        return {k: resolve_loss(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [resolve_loss(v) for v in loss]
    return resolve_loss(loss)


def per_output(spec, names, what):
    """Spread a compile argument (single / list / dict) over the outputs."""
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(f"compile {what} names unknown output(s) {unknown}; the model's "
                             f"outputs are {names}")
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and what in ("loss", "loss_weights"):
        if len(spec) != len(names):
            kind = "losses" if what == "loss" else "loss_weights"
            raise ValueError(f"compile received {len(spec)} {kind} for a model with "
                             f"{len(names)} outputs {names}")
        return list(spec)
    return [spec] * len(names)


def output_names_for(y_pred, model_names):
    """The model's output names when they match the outputs, else ``output_1, output_2 ...``."""
    flat = _flatten(y_pred)
    if not model_names or len(model_names) != len(flat):
        return [f"output_{i + 1}" for i in range(len(flat))]
    return model_names


def flat_targets(y, names):
    if y is None:
        return [None] * len(names)
    if isinstance(y, dict):
        missing = [n for n in names if n not in y]
        if missing and len(names) > 1:
            raise ValueError(f"targets dict lacks output(s) {missing}; expected keys {names}")
        return [y.get(n) for n in names]
    flat = _flatten(y)
    if len(flat) != len(names):
        raise ValueError(f"the model has {len(names)} output(s) {names} but {len(flat)} "
                         f"target array(s) were given")
    return flat


def _build_metrics(spec, weighted, names, output_losses, ys, preds):
    """``[(log name, metric, output index, weighted)]`` for a ``metrics=`` argument."""
    if isinstance(spec, dict):
        groups = per_output(spec, names, "metrics")
    elif isinstance(spec, (list, tuple)) and len(names) > 1 and spec and \
            all(isinstance(s, (list, tuple)) or s is None for s in spec):
        groups = list(spec)
    else:
        groups = [spec] * len(names)
    built = []
    for i, group in enumerate(groups):
        group = [] if group is None else (list(group) if isinstance(group, (list, tuple))
                                          else [group])
        for m in group:
            if isinstance(m, str) and m in ("accuracy", "acc"):
                obj = metrics_mod.resolve_accuracy(
                    output_losses[i], tuple(ys[i].shape) if ys[i] is not None else None,
                    tuple(preds[i].shape), name=m)
            elif isinstance(m, str) or callable(m) and not hasattr(m, "update_state"):
                obj = metrics_mod.get(m)
                if isinstance(m, str):
                    obj.name = m  # Keras 3 logs a string metric under the given name
            else:
                obj = copy.deepcopy(m) if len(names) > 1 else m
            prefix = f"{names[i]}_" if len(names) > 1 else ""
            built.append((prefix + obj.name, obj, i, weighted))
    return built


def _unique_log_names(built):
    """Keras 3's log names: a repeated metric name gets ``_1``, ``_2`` ...; a weighted metric
    whose name is taken is logged as ``weighted_<name>`` (after the output prefix)."""
    seen, out = {}, []
    for name, obj, i, weighted in built:
        if name in seen and weighted:
            prefix = name[:len(name) - len(obj.name)] if name.endswith(obj.name) else ""
            name = f"{prefix}weighted_{obj.name}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name] - 1}"
        else:
            seen[name] = 1
        out.append((name, obj, i, weighted))
    return out


class CompileState:
    """The loss and metrics of one ``compile``: the losses per output and their weights, the
    "loss" tracker, one tracker per output loss (several outputs), and the compiled metrics,
    built on the first batch ("accuracy" needs the shapes)."""

    def __init__(self, loss=None, loss_weights=None, metrics=None, weighted_metrics=None):
        self.loss_spec = resolve_loss_spec(loss)
        self.loss_weights = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.loss_tracker = metrics_mod.Mean(name="loss")
        self.output_loss_trackers = []
        self.compiled_metrics = None  # [(name, metric, output index, weighted)]
        self.output_losses = None
        self.output_names = None

    @property
    def has_metrics(self):
        return bool(self.metrics_spec or self.weighted_metrics_spec)

    def prepare(self, y, y_pred, model_names=None):
        """Flat targets and predictions (float16 predictions as float32: losses and metrics
        run in float32); builds the metrics on the first call."""
        flat_pred = [ops.cast(p, "float32") if p.dtype == np.float16 else p
                     for p in _flatten(y_pred)]
        if self.output_names is None or len(self.output_names) != len(flat_pred):
            self.output_names = output_names_for(y_pred, model_names)
        ys = flat_targets(y, self.output_names)
        if self.compiled_metrics is None:
            self._build(ys, flat_pred)
        return ys, flat_pred

    def _build(self, ys, preds):
        names = self.output_names
        self.output_losses = per_output(self.loss_spec, names, "loss")
        self.output_loss_trackers = [metrics_mod.Mean(name=f"{n}_loss") for n in names] \
            if len(names) > 1 else []
        self.compiled_metrics = _unique_log_names(
            _build_metrics(self.metrics_spec, False, names, self.output_losses, ys, preds) +
            _build_metrics(self.weighted_metrics_spec, True, names, self.output_losses, ys,
                           preds))

    def loss_terms(self, ys, preds, sw):
        """The weighted sum of the output losses, and each output's loss (None without one)."""
        total = None
        per_out = []
        weights = self.loss_weights
        names = self.output_names
        # one weight per output, as a list in output order or a dict by output name
        wlist = per_output(weights, names, "loss_weights") if weights is not None \
            else [1.0] * len(names)
        for i, fn in enumerate(self.output_losses):
            if fn is None:
                per_out.append(None)
                continue
            if ys[i] is None:
                raise ValueError(f"output {names[i]!r} has a loss but no target was given")
            value = fn(ys[i], preds[i], sample_weight=sw)
            per_out.append(value)
            w = 1.0 if wlist[i] is None else float(wlist[i])
            term = value if w == 1.0 else value * w
            total = term if total is None else total + term
        if total is None:
            raise ValueError("compile() was given no loss for any output; pass loss=...")
        return total, per_out

    def record_losses(self, total, per_out, n):
        self.loss_tracker.update_scalar(total, n)
        for tracker, value in zip(self.output_loss_trackers, per_out):
            if value is not None:
                tracker.update_scalar(value, n)

    def update_metrics(self, ys, preds, sw):
        for _, m, i, weighted in self.compiled_metrics:
            if ys[i] is None:
                continue
            m.update_state(ys[i], preds[i], sample_weight=sw if weighted else None)

    def named_metrics(self):
        """``[(log name, metric)]``: the compiled metrics, "loss", the per-output losses."""
        named = [(n, m) for n, m, _, _ in self.compiled_metrics or []]
        named.append(("loss", self.loss_tracker))
        named += [(t.name, t) for t in self.output_loss_trackers]
        return named

    def logs_in_order(self, logs):
        """Keras 3 order for evaluate's list: loss, the compiled metrics as given, the
        per-output losses, then anything else sorted."""
        names = ["loss"] + [n for n, _, _, _ in self.compiled_metrics or []] + \
            [t.name for t in self.output_loss_trackers]
        ordered = [logs[n] for n in names if n in logs]
        return ordered + [logs[k] for k in sorted(logs) if k not in names]


class CompileMetrics:
    """The compiled metrics as one object named "compile_metrics" (Keras 3's container).

    ``update_state(y, y_pred, sample_weight)`` builds the metrics on first use (``"accuracy"``
    needs the shapes) and updates each; ``result()`` is a dict by metric name."""

    name = "compile_metrics"

    def __init__(self, state, output_names=None):
        self._state = state
        self._output_names = output_names

    @property
    def metrics(self):
        return [m for _, m, _, _ in self._state.compiled_metrics or []]

    def update_state(self, y_true, y_pred, sample_weight=None):
        ys, preds = self._state.prepare(y_true, y_pred, self._output_names)
        self._state.update_metrics(ys, preds, sample_weight)

    def result(self):
        return {name: m.result() for name, m, _, _ in self._state.compiled_metrics or []}

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    @property
    def variables(self):
        return [v for m in self.metrics for v in getattr(m, "variables", [])]


class CompileLoss:
    """tf.keras 2's ``model.compiled_loss(y, y_pred, sample_weight, regularization_losses)``:
    the compiled total loss, also recorded in the "loss" tracker. ``loss`` is the resolved
    ``compile(loss=...)`` argument."""

    def __init__(self, state, output_names=None):
        self._state = state
        self._output_names = output_names

    @property
    def loss(self):
        return self._state.loss_spec

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        ys, preds = self._state.prepare(y_true, y_pred, self._output_names)
        total, per_out = self._state.loss_terms(ys, preds, sample_weight)
        for extra in regularization_losses or []:
            total = total + extra
        self._state.record_losses(total, per_out, batch_size(y_pred))
        return total


def batch_size(y):
    """The number of rows of a batch structure's first array (1 for a scalar)."""
    first = _flatten(y)[0]
    return first.shape[0] if getattr(first, "ndim", 0) else 1


# ---- the compile arguments, serialized and back -------------------------------------------------
def _serialize(v, serialize):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, dict):
        return {k: _serialize(x, serialize) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_serialize(x, serialize) for x in v]
    return serialize(v)


def compile_config(args, optimizer):
    """``get_compile_config()``: the compile arguments ``args`` as strings and
    ``{"class_name", "config"}`` dicts."""
    from .. import optimizers

    return {"optimizer": optimizers.serialize(optimizer),
            "loss": _serialize(args["loss"], losses_mod.serialize),
            "metrics": _serialize(args["metrics"], metrics_mod.serialize),
            "loss_weights": args["loss_weights"],
            "weighted_metrics": _serialize(args["weighted_metrics"], metrics_mod.serialize),
            "jit_compile": args["jit_compile"]}


def metrics_from_config(spec, custom_objects=None):
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and "class_name" in spec:
        return metrics_mod.deserialize(spec, custom_objects=custom_objects)
    if isinstance(spec, dict):
        return {k: metrics_from_config(v, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [metrics_from_config(v, custom_objects) for v in spec]
    return spec


def loss_from_config(spec, custom_objects=None):
    if spec is None:
        return None
    if isinstance(spec, str) and custom_objects and spec in custom_objects:
        return custom_objects[spec]
    if isinstance(spec, str) or (isinstance(spec, dict) and "class_name" in spec):
        return losses_mod.deserialize(spec, custom_objects=custom_objects)
    if isinstance(spec, dict):
        return {k: loss_from_config(v, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [loss_from_config(v, custom_objects) for v in spec]
    return spec


def compile_args_from_config(config, custom_objects=None):
    """``compile`` keyword arguments from a compile config: every object resolved by name in a
    closed registry, nothing imported."""
    from .. import optimizers

    config = dict(config)
    opt = config.get("optimizer")
    if isinstance(opt, dict):  # a name stays a name: compile() resolves it
        config["optimizer"] = optimizers.deserialize(opt, custom_objects=custom_objects)
    config["loss"] = loss_from_config(config.get("loss"), custom_objects)
    for key in ("metrics", "weighted_metrics"):
        config[key] = metrics_from_config(config.get(key), custom_objects)
    return config
