"""``Trainer``: compile / fit / evaluate / predict and the ``*_on_batch`` calls, mixed into
``Model``. The methods check their arguments and delegate: the loss and metrics to
``compile_utils.CompileState``, the data to ``data_adapters``, the loops to ``epoch_iterator``,
one batch to ``step`` (eager) or ``captured_step`` (a CUDA graph), everything that differs when
data-parallel to the model's distribution strategy (``distribution``)."""

from __future__ import annotations

import functools

import numpy as np

from .. import autodiff
from ..backend.selection import announce_device_once
from ..tensor import Tensor
from ..tree import flatten as _flatten
from ..tree import map_structure
from . import compile_utils, epoch_iterator, seams, step
from .data_adapters import is_host_text, make_data
from .data_adapters import pack_x_y_sample_weight as pack
from .data_adapters import unpack_x_y_sample_weight as unpack
from .distribution import DEFAULT, current_strategy
from .logs import float_logs


class NotCompiledError(RuntimeError, ValueError):
    """fit / evaluate / train_on_batch before compile (RuntimeError as tf.keras 2, ValueError as
    Keras 3)."""


def _steps(data):
    """The number of batches, or None for a generator that runs until it is exhausted."""
    try:
        return len(data)
    except TypeError:
        return None


def _abort_job_on_error(method):
    """Under a ``cuflow.distribute`` strategy an exception on one rank ends every rank (the
    others would otherwise wait forever in their next collective)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self._strategy.abort_on_error(method.__name__):
            return method(self, *args, **kwargs)

    return run


class Trainer:
    compiled = False
    optimizer = None
    stop_training = False
    history = None
    _strategy = DEFAULT  # the strategy whose scope compile() ran in (see distribution.py)
    _compile_state = None
    _jit_compile = "auto"  # compile(jit_compile=): True / "auto" capture CUDA graphs on a GPU
    run_eagerly = False
    _loss_check = None  # fit(nan_bundle=...): checks each eager step's loss on the host
    _resume_epoch = None  # resume_from_epoch(): where the running fit's epoch loop starts

    @property
    def distribute_strategy(self):
        """The distribution strategy this model trains under (the do-nothing default unless
        compiled inside a ``cuflow.distribute`` strategy's scope)."""
        return self._strategy

    @property
    def jit_compile(self):
        """Whether fit / evaluate / predict compile their steps (Keras's property): here,
        capture them as CUDA graphs. ``"auto"`` reads True on a GPU, False on the CPU (which
        always runs eagerly)."""
        if self._jit_compile == "auto":
            return str(getattr(self, "device", "cpu")).startswith("gpu")
        return bool(self._jit_compile)

    @jit_compile.setter
    def jit_compile(self, value):
        if value not in (True, False, "auto"):
            raise ValueError(f"jit_compile must be True, False or 'auto'; received {value!r}")
        self._jit_compile = value

    # ---- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        from .. import optimizers
        from ..mixed_precision import global_policy

        if kwargs:
            raise TypeError(f"compile() got unexpected keyword argument(s) {sorted(kwargs)}")
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"jit_compile must be True, False or 'auto'; received "
                             f"{jit_compile!r}")
        self.optimizer = optimizers.get(optimizer)
        self._strategy = current_strategy()  # data-parallel when compiled in strategy.scope()
        if global_policy().name == "mixed_float16" and \
                not isinstance(self.optimizer, optimizers.LossScaleOptimizer):
            # as Keras 3: float16 gradients underflow without loss scaling
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer)
        # resolves the losses now so an unknown name fails at compile, as Keras does
        self._compile_state = compile_utils.CompileState(loss, loss_weights, metrics,
                                                         weighted_metrics)
        self._jit_compile = jit_compile
        self.run_eagerly = bool(run_eagerly)
        self.compiled = True
        self.loss = loss
        self._compile_args = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                              "loss_weights": loss_weights, "weighted_metrics": weighted_metrics,
                              "jit_compile": jit_compile}

    def get_compile_config(self):
        """The compile arguments, serialized (strings / {"class_name", "config"} dicts)."""
        if not self.compiled:
            return None
        return compile_utils.compile_config(self._compile_args, self.optimizer)

    def compile_from_config(self, config):
        """``compile`` from ``get_compile_config()`` output: every object resolved by name in a
        closed registry, nothing imported."""
        self.compile(**compile_utils.compile_args_from_config(config))

    def _assert_compiled(self, what):
        if not self.compiled:
            raise NotCompiledError(f"You must call compile() before {what}(): the model has no "
                                   f"loss or optimizer yet")

    # ---- losses and metrics ----------------------------------------------------------------
    @property
    def metrics(self):
        """Keras 3's list: the "loss" tracker, the compiled metrics as one container, the
        per-output loss trackers. Subclasses may override it (fit resets what it lists)."""
        if not self.compiled:
            return []
        state = self._compile_state
        out = [state.loss_tracker]
        if state.has_metrics:
            out.append(self.compiled_metrics)
        return out + list(state.output_loss_trackers)

    @property
    def compiled_metrics(self):
        return compile_utils.CompileMetrics(self._compile_state, self._model_output_names())

    @property
    def compiled_loss(self):
        return compile_utils.CompileLoss(self._compile_state, self._model_output_names())

    def _model_output_names(self):
        return getattr(self, "output_names", None)

    def _named_metrics(self):
        return self._compile_state.named_metrics() if self.compiled else []

    def get_metrics_result(self):
        """Every compiled metric's current result by name (0-d Tensors, no host read)."""
        return {name: m.result() for name, m in sorted(self._named_metrics())}

    @property
    def metrics_names(self):
        return [n for n, _ in self._named_metrics()] or ["loss"]

    def reset_metrics(self):
        for _, m in self._named_metrics():
            m.reset_state()
        if self._overridden("metrics"):  # a subclass's own trackers (Keras resets these too)
            for m in self.metrics:
                m.reset_state()

    def _prepare_step(self, y, y_pred):
        """Flat targets and float32 predictions; builds the compiled metrics on first use."""
        return self._compile_state.prepare(y, y_pred, self._model_output_names())

    def _compute_loss(self, ys, preds, sw):
        """The compiled loss plus every regularization loss: what training minimizes."""
        total, per_output = self._compile_state.loss_terms(ys, preds, sw)
        for extra in self.losses:
            total = total + extra
        return total, per_output

    def _update_metrics(self, ys, preds, sw, total, per_output, n):
        self._compile_state.record_losses(total, per_output, n)
        self._compile_state.update_metrics(ys, preds, sw)

    # ---- steps: eager (step.py); fit may replay them as CUDA graphs (captured_step.py) ------
    def _train_step(self, x, y, sample_weight=None):
        """The built-in training step on one batch (the fast path fit uses)."""
        step.train_step(self, x, y, sample_weight, self._loss_check)

    def _test_step(self, x, y, sample_weight=None):
        step.test_step(self, x, y, sample_weight)

    def _predict_step(self, x):
        return step.predict_step(self, x)

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
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _overridden(self, name):
        """True when a subclass replaced Trainer's ``name`` (a custom train_step, metrics ...)."""
        return getattr(type(self), name) is not getattr(Trainer, name)

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

    def _make_data(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                   steps=None, class_weight=None):
        """Batches of the model's inputs on the model's device, the model built from them."""
        data = make_data(self._normalize_x(x), self._normalize_y(y), sample_weight, batch_size,
                         shuffle, steps, class_weight, device=self.device)
        self._prepare_model_for(data)
        return data

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
    def resume_from_epoch(self, epoch):
        """Start the epoch loop of the ``fit`` that is beginning at ``epoch`` instead of its
        ``initial_epoch`` (when later): the seam for a callback's ``on_train_begin`` resuming
        an interrupted run, as ``BackupAndRestore`` does. Read once, by that fit."""
        self._resume_epoch = int(epoch)

    @_abort_job_on_error
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, verify_kernels=None,
            nan_bundle=None, **kwargs):
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}")
        self._assert_compiled("fit")
        debug = seams.debug_hooks()
        # "auto" with measure=True: time this model on each device and move it to the faster
        debug.maybe_pick_device(self, x, y, batch_size)
        self._loss_check = debug.nan_guard(nan_bundle, self) if nan_bundle else None
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative int; received {epochs!r}")
        data = make_data(self._normalize_x(x), self._normalize_y(y), sample_weight, batch_size,
                         shuffle, steps_per_epoch, class_weight, device=self.device)
        val = None
        if validation_data is not None:
            vx, vy, vsw = (tuple(validation_data) + (None,))[:3] if isinstance(
                validation_data, (list, tuple)) else (validation_data, None, None)
            val = make_data(self._normalize_x(vx), self._normalize_y(vy), vsw,
                            validation_batch_size or batch_size, False, validation_steps,
                            device=self.device)
        elif validation_split:
            data, val = epoch_iterator.split_validation(data, validation_split)
        strategy = self._strategy
        data, val = strategy.shard(data), strategy.shard(val)  # this rank's rows of each batch
        self._prepare_model_for(data)
        if verbose != 0 and strategy.rank == 0:
            line = announce_device_once()  # where a user looks: above the first progress bar
            if line:
                print(line, flush=True)
        cbs = seams.callback_list(callbacks, add_history=True, add_progbar=verbose != 0,
                                  model=self, verbose=verbose, epochs=epochs, steps=_steps(data))
        cbs = strategy.filter_callbacks(cbs)  # data-parallel: rank 0 alone prints and writes
        self.stop_training = False
        with debug.kernel_verifier(verify_kernels, self):
            epoch_iterator.fit_loop(self, cbs, data, val, initial_epoch, epochs,
                                    validation_freq)
        return self.history

    @_abort_job_on_error
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s) {sorted(kwargs)}")
        self._assert_compiled("evaluate")
        data = make_data(self._normalize_x(x), self._normalize_y(y), sample_weight, batch_size,
                         False, steps, device=self.device)
        data = self._strategy.shard(data)
        self._prepare_model_for(data)
        cbs = seams.callback_list(callbacks, add_history=False, add_progbar=verbose != 0,
                                  model=self, verbose=verbose, epochs=1, steps=_steps(data))
        cbs = self._strategy.filter_callbacks(cbs)
        logs = epoch_iterator.evaluate_loop(self, data, cbs)
        return self._result(logs, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        data = self._make_data(x, batch_size=batch_size, steps=steps)
        cbs = seams.callback_list(callbacks, add_history=False, add_progbar=verbose != 0,
                                  model=self, verbose=verbose, epochs=1, steps=_steps(data))
        return epoch_iterator.predict_loop(self, data, cbs)

    # ---- single batches --------------------------------------------------------------------
    def _single_batch(self, x, y=None, sample_weight=None, class_weight=None):
        data = self._make_data(x, y, sample_weight, class_weight=class_weight)
        if not hasattr(data, "n"):
            raise ValueError(f"the *_on_batch methods take one batch of arrays; received "
                             f"{type(x).__name__}")
        if not data.n:
            raise ValueError("a batch needs at least one sample; received 0 samples")
        data.batch_size = max(data.n, 1)
        data.steps = 1
        return next(iter(data.batches()))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._assert_compiled("train_on_batch")
        xb, yb, swb = self._single_batch(x, y, sample_weight, class_weight)
        self.reset_metrics()
        if self._overridden("train_step"):
            return self._result(float_logs(self.train_step(pack(xb, yb, swb))), return_dict,
                                True)
        self._train_step(xb, yb, swb)
        return self._result(self._strategy.epoch_logs(self._named_metrics()), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        xb, yb, swb = self._single_batch(x, y, sample_weight)
        self.reset_metrics()
        if self._overridden("test_step"):
            return self._result(float_logs(self.test_step(pack(xb, yb, swb))), return_dict,
                                True)
        self._test_step(xb, yb, swb)
        return self._result(self._strategy.epoch_logs(self._named_metrics()), return_dict)

    def predict_on_batch(self, x):
        xb, _, _ = self._single_batch(x)
        out = self.predict_step(pack(xb)) if self._overridden("predict_step") else \
            self._predict_step(xb)
        return epoch_iterator.concat_outputs([out])

    def _result(self, logs, return_dict, returned=False):
        """Logs as a dict, or as evaluate's list (a single value alone) in Keras 3 order; the
        logs a custom step ``returned`` keep their own order unless they hold a loss."""
        if return_dict:
            return logs
        if returned and "loss" not in logs:
            values = list(logs.values())
        else:
            values = self._compile_state.logs_in_order(logs)
        return values[0] if len(values) == 1 else values
