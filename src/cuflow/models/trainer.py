"""compile / fit / evaluate / predict and the *_on_batch calls, mixed into ``Model``.

One eager training step: forward, loss, one backward pass that returns raw gradient arrays,
one optimizer call updating every variable in place, metrics accumulated on the device. Host
reads happen only when callbacks ask for log values (the progress bar throttles them).
"""

from __future__ import annotations

import collections.abc
import copy
import functools

import numpy as np

from .. import autodiff, ops
from ..tensor import Tensor
from ..tree import flatten as _flatten
from ..tree import map_structure
from .compile_utils import CompileLoss, CompileMetrics, StepLogs, float_logs, pack, unpack
from .data import ArrayData, is_host_text, make_data


class NotCompiledError(RuntimeError, ValueError):
    """fit / evaluate / train_on_batch before compile (RuntimeError as tf.keras 2, ValueError as
    Keras 3)."""


class LazyLogs(collections.abc.Mapping):
    """Metric results read on access only: on the GPU each read is a device synchronisation."""

    def __init__(self, metrics):
        self._metrics = sorted(metrics, key=lambda nm: nm[0])  # Keras 3 order

    def __getitem__(self, key):
        for name, metric in self._metrics:
            if name == key:
                return _log_value(metric.result())
        raise KeyError(key)

    def __iter__(self):
        return iter([name for name, _ in self._metrics])

    def __len__(self):
        return len(self._metrics)


def _log_value(result):
    """A metric result as logs carry it: a float, or a NumPy array for vector results
    (``F1Score(average=None)``, several thresholds), as Keras 3."""
    arr = result.numpy() if hasattr(result, "numpy") else np.asarray(result)
    return float(arr.reshape(())) if arr.size == 1 else arr


def _to_float_logs(metrics):
    # sorted by name, as Keras 3 hands logs to callbacks and History
    return {name: _log_value(m.result()) for name, m in sorted(metrics, key=lambda nm: nm[0])}


def _abort_job_on_error(method):
    """Under a ``cuflow.distribute`` strategy an exception on one rank ends every rank (the
    others would otherwise wait forever in their next collective)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        strategy = self._strategy
        if strategy is None:
            return method(self, *args, **kwargs)
        with strategy.abort_on_error(method.__name__):
            return method(self, *args, **kwargs)

    return run


class Trainer:
    compiled = False
    optimizer = None
    stop_training = False
    history = None
    _strategy = None  # cuflow.distribute strategy whose scope compile() ran in

    # ---- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        from .. import losses as losses_mod
        from .. import optimizers

        if kwargs:
            raise TypeError(f"compile() got unexpected keyword argument(s) {sorted(kwargs)}")
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"jit_compile must be True, False or 'auto'; received "
                             f"{jit_compile!r}")
        self.optimizer = optimizers.get(optimizer)
        from ..distribute import get_strategy

        self._strategy = get_strategy()  # data-parallel when compiled in strategy.scope()
        from ..mixed_precision import global_policy

        if global_policy().name == "mixed_float16" and \
                not isinstance(self.optimizer, optimizers.LossScaleOptimizer):
            # as Keras 3: float16 gradients underflow without loss scaling
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer)
        # resolve now so an unknown name fails at compile, as Keras does
        def resolve(v):
            if v is None:
                return None
            fn = losses_mod.get(v)
            # plain functions compute per-sample values; the wrapper adds weights + reduction
            return fn if isinstance(fn, losses_mod.Loss) else losses_mod.LossFunctionWrapper(fn)

        if isinstance(loss, dict):
            self._loss_spec = {k: resolve(v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            self._loss_spec = [resolve(v) for v in loss]
        else:
            self._loss_spec = resolve(loss)
        self._loss_weights = loss_weights
        self._metrics_spec = metrics
        self._weighted_metrics_spec = weighted_metrics
        self._compiled_metrics = None  # built on the first batch: 'accuracy' needs shapes
        from .. import metrics as metrics_mod

        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._output_loss_trackers = []
        self._jit_compile = jit_compile
        self.run_eagerly = bool(run_eagerly)
        self.compiled = True
        self.loss = loss
        self._compile_args = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                              "loss_weights": loss_weights, "weighted_metrics": weighted_metrics,
                              "jit_compile": jit_compile}

    def get_compile_config(self):
        """The compile arguments, serialized (strings / {"class_name", "config"} dicts)."""
        from .. import losses as losses_mod
        from .. import metrics as metrics_mod
        from .. import optimizers

        if not self.compiled:
            return None

        def ser_loss(v):
            if v is None or isinstance(v, str):
                return v
            if isinstance(v, dict):
                return {k: ser_loss(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [ser_loss(x) for x in v]
            return losses_mod.serialize(v)

        def ser_metric(v):
            if v is None or isinstance(v, str):
                return v
            if isinstance(v, dict):
                return {k: ser_metric(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [ser_metric(x) for x in v]
            return metrics_mod.serialize(v)

        a = self._compile_args
        return {"optimizer": optimizers.serialize(self.optimizer), "loss": ser_loss(a["loss"]),
                "metrics": ser_metric(a["metrics"]), "loss_weights": a["loss_weights"],
                "weighted_metrics": ser_metric(a["weighted_metrics"]),
                "jit_compile": a["jit_compile"]}

    def compile_from_config(self, config):
        """``compile`` from ``get_compile_config()`` output: every object resolved by name in a
        closed registry, nothing imported."""
        from ..saving import serialization

        config = dict(config)
        opt = config.get("optimizer")
        if isinstance(opt, dict):
            from .. import optimizers

            config["optimizer"] = optimizers.deserialize(opt)
        config["loss"] = serialization._loss_from_config(config.get("loss"), None)
        for key in ("metrics", "weighted_metrics"):
            config[key] = serialization._metrics_from_config(config.get(key), None)
        self.compile(**config)

    def _assert_compiled(self, what):
        if not self.compiled:
            raise NotCompiledError(f"You must call compile() before {what}(): the model has no "
                                   f"loss or optimizer yet")

    # ---- outputs, losses, metrics -----------------------------------------------------------
    def _output_names_for(self, y_pred):
        names = getattr(self, "output_names", None)
        flat = _flatten(y_pred)
        if not names or len(names) != len(flat):
            names = [f"output_{i + 1}" for i in range(len(flat))]
        return names

    def _per_output(self, spec, names, what):
        """Spread a compile argument (single / list / dict) over the outputs."""
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(f"compile {what} names unknown output(s) {unknown}; the model's "
                                 f"outputs are {names}")
            return [spec.get(n) for n in names]
        if isinstance(spec, (list, tuple)) and what == "loss":
            if len(spec) != len(names):
                raise ValueError(f"compile received {len(spec)} losses for a model with "
                                 f"{len(names)} outputs {names}")
            return list(spec)
        return [spec] * len(names)

    def _flat_targets(self, y, names):
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

    def _build_compiled_metrics(self, ys, preds, names):
        from .. import metrics as metrics_mod

        losses_ = self._per_output(self._loss_spec, names, "loss")
        self._output_losses = losses_
        self._output_loss_trackers = [metrics_mod.Mean(name=f"{n}_loss") for n in names] \
            if len(names) > 1 else []

        def build(spec, weighted):
            per = []
            if isinstance(spec, dict):
                groups = self._per_output(spec, names, "metrics")
            elif isinstance(spec, (list, tuple)) and len(names) > 1 and spec and \
                    all(isinstance(s, (list, tuple)) or s is None for s in spec):
                groups = list(spec)
            else:
                groups = [spec] * len(names)
            for i, group in enumerate(groups):
                group = [] if group is None else (list(group) if isinstance(group, (list, tuple))
                                                  else [group])
                made = []
                for m in group:
                    if isinstance(m, str) and m in ("accuracy", "acc"):
                        obj = metrics_mod.resolve_accuracy(
                            losses_[i], tuple(ys[i].shape) if ys[i] is not None else None,
                            tuple(preds[i].shape), name=m)
                    elif isinstance(m, str) or callable(m) and not hasattr(m, "update_state"):
                        obj = metrics_mod.get(m)
                        if isinstance(m, str):
                            obj.name = m  # Keras 3 logs a string metric under the given name
                    else:
                        obj = copy.deepcopy(m) if len(names) > 1 else m
                    prefix = f"{names[i]}_" if len(names) > 1 else ""
                    made.append((prefix + obj.name, obj, i, weighted))
                per += made
            return per

        self._compiled_metrics = build(self._metrics_spec, False) + \
            build(self._weighted_metrics_spec, True)

    @property
    def metrics(self):
        """Keras 3's list: the "loss" tracker, the compiled metrics as one container, the
        per-output loss trackers. Subclasses may override it (fit resets what it lists)."""
        if not self.compiled:
            return []
        out = [self._loss_tracker]
        if self._metrics_spec or self._weighted_metrics_spec:
            out.append(CompileMetrics(self))
        return out + list(self._output_loss_trackers)

    @property
    def compiled_metrics(self):
        return CompileMetrics(self)

    @property
    def compiled_loss(self):
        return CompileLoss(self)

    def _named_metrics(self):
        if not self.compiled:
            return []
        named = [(n, m) for n, m, _, _ in self._compiled_metrics or []]
        named.append(("loss", self._loss_tracker))
        named += [(t.name, t) for t in self._output_loss_trackers]
        return named

    def get_metrics_result(self):
        """Every compiled metric's current result by name (0-d Tensors, no host read)."""
        return {name: m.result() for name, m in sorted(self._named_metrics())}

    @property
    def metrics_names(self):
        return [n for n, _ in self._named_metrics()] or ["loss"]

    def reset_metrics(self):
        for _, m in self._named_metrics():
            m.reset_state()
        if _overridden(self, "metrics"):  # a subclass's own trackers (Keras resets these too)
            for m in self.metrics:
                m.reset_state()

    def _compute_loss(self, ys, preds, sw):
        """The compiled loss plus every regularization loss: what training minimizes."""
        total, per_output = self._loss_terms(ys, preds, sw)
        for extra in self.losses:
            total = total + extra
        return total, per_output

    def _loss_terms(self, ys, preds, sw):
        total = None
        per_output = []
        weights = self._loss_weights
        names = self._out_names
        wlist = self._per_output(weights, names, "loss_weights") if weights is not None \
            else [1.0] * len(names)
        if isinstance(weights, (list, tuple)) and len(weights) != len(names):
            raise ValueError(f"loss_weights has {len(weights)} entries for {len(names)} outputs")
        for i, fn in enumerate(self._output_losses):
            if fn is None:
                per_output.append(None)
                continue
            if ys[i] is None:
                raise ValueError(f"output {names[i]!r} has a loss but no target was given")
            value = fn(ys[i], preds[i], sample_weight=sw)
            per_output.append(value)
            w = 1.0 if wlist[i] is None else float(wlist[i])
            term = value if w == 1.0 else value * w
            total = term if total is None else total + term
        if total is None:
            raise ValueError("compile() was given no loss for any output; pass loss=...")
        return total, per_output

    def _update_metrics(self, ys, preds, sw, total, per_output, n):
        self._loss_tracker.update_scalar(total, n)
        for tracker, value in zip(self._output_loss_trackers, per_output):
            if value is not None:
                tracker.update_scalar(value, n)
        for _, m, i, weighted in self._compiled_metrics:
            if ys[i] is None:
                continue
            m.update_state(ys[i], preds[i], sample_weight=sw if weighted else None)

    # ---- steps -----------------------------------------------------------------------------
    def _prepare_step(self, y, y_pred):
        flat_pred = [ops.cast(p, "float32") if p.dtype == np.float16 else p
                     for p in _flatten(y_pred)]  # losses and metrics in float32
        if getattr(self, "_out_names", None) is None or len(self._out_names) != len(flat_pred):
            self._out_names = self._output_names_for(y_pred)
        ys = self._flat_targets(y, self._out_names)
        if self._compiled_metrics is None:
            self._build_compiled_metrics(ys, flat_pred, self._out_names)
        return ys, flat_pred

    def _train_step(self, x, y, sample_weight=None):
        """The built-in training step on one batch (the fast path fit uses)."""
        self._clear_call_losses()
        y_pred = self(x, training=True)
        ys, preds = self._prepare_step(y, y_pred)
        total, per_output = self._compute_loss(ys, preds, sample_weight)
        variables = getattr(self, "_step_variables", None)
        if variables is None:
            variables = self.trainable_weights
            if getattr(self, "_cache_step_variables", False):  # fixed for one fit, as Keras
                self._step_variables = variables
        if not variables:
            raise ValueError(f"model {self.name!r} has no trainable weights to train")
        skip_update = False
        if getattr(self, "_nan_bundle_path", None):
            # debugging mode: one host read per step, so the bundle holds the pre-step state
            from ..debug import hooks as debug_hooks

            skip_update = debug_hooks.save_bundle_if_nonfinite(
                self._nan_bundle_path, self, total, x, y, sample_weight)
            if skip_update:
                self.stop_training = True
        if total.requires_grad and not skip_update:
            ones = total._backend.xp.ones(total.shape, dtype=total.dtype)
            scale = getattr(self.optimizer, "loss_scale", None)
            if scale is not None:  # LossScaleOptimizer: backward of loss * scale
                ones *= scale
            grads = autodiff.run_backward([total], [ones], sources=variables)
            if self._strategy is not None:  # averaged over the ranks, weighted by shard rows
                grads = self._strategy.reduce_gradients(grads, _flatten(x)[0].shape[0])
            self.optimizer.apply(grads, variables)  # also applies weight constraints
        with autodiff.no_grad():
            self._update_metrics(ys, preds, sample_weight, total, per_output,
                                 _flatten(x)[0].shape[0])

    def _test_step(self, x, y, sample_weight=None):
        with autodiff.no_grad():
            self._clear_call_losses()
            y_pred = self(x, training=False)
            ys, preds = self._prepare_step(y, y_pred)
            total, per_output = self._compute_loss(ys, preds, sample_weight)
            self._update_metrics(ys, preds, sample_weight, total, per_output,
                                 _flatten(x)[0].shape[0])

    def _predict_step(self, x):
        with autodiff.no_grad():
            return self(x, training=False)

    # ---- the Keras step API (override these as in Keras) ------------------------------------
    def train_step(self, data):
        """One training step on ``data`` = ``(x, y)`` / ``(x, y, sample_weight)``; returns the
        metric results. Override it for custom training (GANs, VAEs ...), as in Keras."""
        x, y, sw = unpack(data)
        self._train_step(x, y, sw)
        return self.get_metrics_result()

    def test_step(self, data):
        x, y, sw = unpack(data)
        self._test_step(x, y, sw)
        return self.get_metrics_result()

    def predict_step(self, data):
        x, _, _ = unpack(data)
        return self._predict_step(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus regularization losses for one batch (Keras 3)."""
        if y_pred is None:
            y_pred = self(x, training=training)
        ys, preds = self._prepare_step(y, y_pred)
        return self._compute_loss(ys, preds, sample_weight)[0]

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch and return every result (Keras 3)."""
        CompileMetrics(self).update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # ---- data ------------------------------------------------------------------------------
    def _normalize_x(self, x):
        names = getattr(self, "input_names", None)
        n_inputs = len(names) if names else 1
        if isinstance(x, dict) and names and len(names) >= 1 and \
                not getattr(self, "_dict_inputs", False):
            missing = [n for n in names if n not in x]
            if missing:
                raise ValueError(f"input dict lacks key(s) {missing}; the model's inputs are "
                                 f"{names}")
            ordered = [x[n] for n in names]
            return ordered if n_inputs > 1 else ordered[0]
        if isinstance(x, (list, tuple)) and n_inputs == 1 and not any(
                hasattr(a, "shape") and not isinstance(a, (str, bytes)) for a in x):
            return np.asarray(x)  # (a list of strings, NumPy's included, is one text array)
        if isinstance(x, (list, tuple)) and n_inputs == 1 and len(x) == 1:
            return x[0]
        return x

    def _normalize_y(self, y):
        if isinstance(y, (list, tuple)) and not any(hasattr(a, "shape") for a in y):
            return np.asarray(y)
        return y

    def _prepare_model_for(self, data):
        first = data.first_x()
        if first is not None:
            self._check_input_compat(first)
            if not self.built:
                with autodiff.no_grad():
                    self(map_structure(lambda a: a if is_host_text(a) else
                                       Tensor._wrap(a, backend=data.bk), first))

    def _check_input_compat(self, first):
        expected = getattr(self, "_input_batch_shapes", None)
        if not expected:
            return
        flat = _flatten(first)
        if len(flat) != len(expected):
            raise ValueError(f'layer "{self.name}" expects {len(expected)} input(s), but it '
                             f"received {len(flat)} input array(s)")
        for i, (arr, exp) in enumerate(zip(flat, expected)):
            got = tuple(arr.shape[1:])
            want = tuple(exp[1:])
            if len(got) != len(want) or any(w is not None and w != g for g, w in zip(got, want)):
                raise ValueError(f'Input {i} of layer "{self.name}" is incompatible with the '
                                 f"layer: expected shape={tuple(exp)}, found shape="
                                 f"{(None,) + got}")

    # ---- fit / evaluate / predict -----------------------------------------------------------
    def _metric_logs(self):
        """Epoch / evaluation logs as floats (summed over the ranks when data-parallel)."""
        if self._strategy is not None:
            return self._strategy.epoch_logs(self._named_metrics())
        return _to_float_logs(self._named_metrics())

    @_abort_job_on_error
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, verify_kernels=None,
            nan_bundle=None, **kwargs):
        from ..callbacks import CallbackList

        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}")
        self._assert_compiled("fit")
        from ..debug import hooks as debug_hooks

        # "auto" with measure=True: time this model on each device and move it to the faster
        debug_hooks.maybe_pick_device(self, x, y, batch_size)
        self._nan_bundle_path = nan_bundle
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative int; received {epochs!r}")
        x = self._normalize_x(x)
        y = self._normalize_y(y)
        data = make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                         class_weight, device=self.device)
        val = None
        if validation_data is not None:
            vx, vy, vsw = (tuple(validation_data) + (None,))[:3] if isinstance(
                validation_data, (list, tuple)) else (validation_data, None, None)
            val = make_data(self._normalize_x(vx), self._normalize_y(vy), vsw,
                            validation_batch_size or batch_size, False, validation_steps,
                            device=self.device)
        elif validation_split:
            if not isinstance(data, ArrayData):
                raise ValueError("validation_split needs array data; pass validation_data for "
                                 "generators")
            data, val = data.split(float(validation_split))
        if self._strategy is not None:  # this rank's rows of each global batch
            data, val = self._strategy.shard(data), self._strategy.shard(val)
        self._prepare_model_for(data)
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=epochs, steps=len(data))
        if self._strategy is not None:  # rank 0 alone prints the bar and writes CSV logs
            cbs = self._strategy.filter_callbacks(cbs)
        self.stop_training = False
        verifier = debug_hooks.kernel_verifier(verify_kernels, self)
        with verifier:
            self._fit_loop(cbs, data, val, initial_epoch, epochs, validation_freq)
        return self.history

    def _fit_loop(self, cbs, data, val, initial_epoch, epochs, validation_freq):
        from . import graph_step

        # eager train_step, or on the GPU with jit_compile a captured CUDA graph replaying it
        # data-parallel: weights broadcast from rank 0, then eager steps (host collectives
        # cannot be captured in a CUDA graph)
        step = graph_step.train_function(self, data) if self._strategy is None else \
            self._strategy.prepare_fit(self)
        self._step_variables = None
        self._cache_step_variables = True
        # validation replays one captured evaluation step for the whole fit
        self._fit_test_step = None if val is None else self._test_function(val)
        try:
            return self._epochs(cbs, step, data, val, initial_epoch, epochs, validation_freq)
        finally:
            self._step_variables = None
            self._cache_step_variables = False
            self._fit_test_step = None

    def _epochs(self, cbs, step, data, val, initial_epoch, epochs, validation_freq):
        from .. import memory

        cbs.on_train_begin()
        resume = getattr(self, "_resume_epoch", None)  # set by BackupAndRestore on a restore
        if resume is not None:
            initial_epoch, self._resume_epoch = max(int(initial_epoch), int(resume)), None
        with memory.translate_oom(f"fit (batch_size={getattr(data, 'batch_size', None)})",
                                  self.device):
            logs = self._epoch_loop(cbs, step, data, val, initial_epoch, epochs,
                                    validation_freq)
        opt = getattr(self, "optimizer", None)
        if int(epochs) > int(initial_epoch) and hasattr(opt, "finalize_variable_values"):
            # as Keras 3: with use_ema the model ends fit holding the moving averages
            opt.finalize_variable_values(self.trainable_weights)
        cbs.on_train_end(logs)
        return logs

    def _epoch_loop(self, cbs, step, data, val, initial_epoch, epochs, validation_freq):
        logs = {}
        for epoch in range(int(initial_epoch), int(epochs)):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            lazy, custom, returned = None, _overridden(self, "train_step"), None
            for i, (xb, yb, swb) in enumerate(data.batches()):
                cbs.on_train_batch_begin(i)
                if custom:  # a user's train_step(data) returns its own logs
                    returned = self.train_step(pack(xb, yb, swb))
                    cbs.on_train_batch_end(i, StepLogs(returned))
                else:
                    step(xb, yb, swb)
                    if self._strategy is not None:  # a collective: metrics summed over ranks
                        lazy = self._strategy.batch_logs(self._named_metrics())
                    elif lazy is None:  # metrics exist once the first step has run
                        lazy = LazyLogs(self._named_metrics())
                    cbs.on_train_batch_end(i, lazy)
                if self._strategy is not None:  # every rank stops at the same step, or none
                    self.stop_training = self._strategy.any(self.stop_training)
                if self.stop_training:
                    break
            if self._strategy is not None:  # identical BatchNorm statistics on every rank
                self._strategy.sync_non_trainable(self)
            logs = float_logs(returned) if custom else self._metric_logs()
            if val is not None and (epoch + 1) % int(validation_freq) == 0:
                # as Keras 3: callbacks see the validation pass (on_test_begin/batch/end)
                val_logs = self._run_evaluation(val, cbs)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        return logs

    def _run_evaluation(self, data, callbacks=None):
        from .. import memory

        self.reset_metrics()
        if callbacks is not None:
            callbacks.on_test_begin()
        with memory.translate_oom(f"evaluate (batch_size={getattr(data, 'batch_size', None)})",
                                  self.device):
            self._test_batches(data, callbacks)
        logs = self._custom_test_logs if self._custom_test_logs is not None else \
            self._metric_logs()
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    def _test_function(self, data):
        """evaluate's per-batch step: on the GPU a captured CUDA graph when there are enough
        batches to repay the warm-up and capture, else the eager step."""
        from . import graph_step

        if self._strategy is not None:  # data-parallel: skips empty shards, sums over ranks
            return self._strategy.test_function(self)
        if _batch_count(data) <= graph_step.WARMUP + 1:
            return self._test_step
        return graph_step.test_function(self)

    def _test_batches(self, data, callbacks):
        custom, returned = _overridden(self, "test_step"), None
        strategy = self._strategy
        test_step = getattr(self, "_fit_test_step", None) or self._test_function(data)
        for step, (xb, yb, swb) in enumerate(data.batches()):
            if callbacks is not None:
                callbacks.on_test_batch_begin(step)
            if custom:
                returned = self.test_step(pack(xb, yb, swb))
            else:
                test_step(xb, yb, swb)
            if callbacks is not None:
                callbacks.on_test_batch_end(step, StepLogs(returned) if custom else
                                            LazyLogs(self._named_metrics()) if strategy is None
                                            else strategy.batch_logs(self._named_metrics()))
        self._custom_test_logs = float_logs(returned) if custom else None

    def _logs_in_order(self, logs):
        """Keras 3 order for evaluate's list: loss, the compiled metrics as given, the
        per-output losses, then anything else sorted."""
        names = ["loss"] + [n for n, _, _, _ in self._compiled_metrics or []] + \
            [t.name for t in getattr(self, "_output_loss_trackers", [])]
        ordered = [logs[n] for n in names if n in logs]
        return ordered + [logs[k] for k in sorted(logs) if k not in names]

    @_abort_job_on_error
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        from ..callbacks import CallbackList

        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s) {sorted(kwargs)}")
        self._assert_compiled("evaluate")
        data = make_data(self._normalize_x(x), self._normalize_y(y), sample_weight, batch_size,
                         False, steps, device=self.device)
        if self._strategy is not None:
            data = self._strategy.shard(data)
        self._prepare_model_for(data)
        cbs = CallbackList(callbacks, add_history=False, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=1, steps=len(data))
        if self._strategy is not None:
            cbs = self._strategy.filter_callbacks(cbs)
        logs = self._run_evaluation(data, cbs)
        if return_dict:
            return logs
        values = self._logs_in_order(logs)
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        from ..callbacks import CallbackList

        data = make_data(self._normalize_x(x), None, None, batch_size, False, steps,
                         device=self.device)
        self._prepare_model_for(data)
        cbs = CallbackList(callbacks, add_history=False, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=1, steps=len(data))
        from .. import memory
        from . import graph_step

        cbs.on_predict_begin()
        outs = []
        custom = _overridden(self, "predict_step")
        predict_fn = self._predict_step if custom or \
            _batch_count(data) <= graph_step.WARMUP + 1 else graph_step.predict_function(self)
        with memory.translate_oom(f"predict (batch_size={getattr(data, 'batch_size', None)})",
                                  self.device):
            for step, (xb, _, _) in enumerate(data.batches()):
                cbs.on_predict_batch_begin(step)
                outs.append(self.predict_step(pack(xb)) if custom else predict_fn(xb))
                cbs.on_predict_batch_end(step, {"outputs": outs[-1]})
        cbs.on_predict_end()
        if not outs:
            raise ValueError("predict() received no data (zero samples)")
        return _concat_outputs(outs)

    # ---- single batches --------------------------------------------------------------------
    def _single_batch(self, x, y=None, sample_weight=None, class_weight=None):
        data = make_data(self._normalize_x(x), self._normalize_y(y), sample_weight,
                         batch_size=None, class_weight=class_weight, device=self.device)
        self._prepare_model_for(data)
        if not getattr(data, "n", 1):
            raise ValueError("a batch needs at least one sample; received 0 samples")
        data.batch_size = max(data.n, 1)
        data.steps = 1
        return next(iter(data.batches()))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._assert_compiled("train_on_batch")
        xb, yb, swb = self._single_batch(x, y, sample_weight, class_weight)
        self.reset_metrics()
        if _overridden(self, "train_step"):
            return self._returned_result(self.train_step(pack(xb, yb, swb)), return_dict)
        self._train_step(xb, yb, swb)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        xb, yb, swb = self._single_batch(x, y, sample_weight)
        self.reset_metrics()
        if _overridden(self, "test_step"):
            return self._returned_result(self.test_step(pack(xb, yb, swb)), return_dict)
        self._test_step(xb, yb, swb)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        xb, _, _ = self._single_batch(x)
        out = self.predict_step(pack(xb)) if _overridden(self, "predict_step") else \
            self._predict_step(xb)
        return _concat_outputs([out])

    def _returned_result(self, returned, return_dict):
        logs = float_logs(returned)
        if return_dict:
            return logs
        values = self._logs_in_order(logs) if "loss" in logs else list(logs.values())
        return values[0] if len(values) == 1 else values

    def _batch_result(self, return_dict):
        logs = self._metric_logs()
        if return_dict:
            return logs
        values = self._logs_in_order(logs)
        return values[0] if len(values) == 1 else values


def _batch_count(data):
    try:
        return len(data)
    except TypeError:  # a generator of unknown length
        return float("inf")


def _overridden(model, name):
    """True when a subclass replaced Trainer's ``name`` (a custom train_step, metrics ...)."""
    return getattr(type(model), name) is not getattr(Trainer, name)


def _concat_outputs(outs):
    first = outs[0]
    if isinstance(first, Tensor):
        bk = first._backend
        return bk.to_numpy(bk.xp.concatenate([o.data for o in outs], axis=0))
    if isinstance(first, dict):
        return {k: _concat_outputs([o[k] for o in outs]) for k in first}
    return [_concat_outputs([o[i] for o in outs]) for i in range(len(first))]
