"""The loops of ``fit``, ``evaluate`` and ``predict``: epochs, the numbered batches of each,
the callback hooks around them, and the step each batch runs.

The loop asks the model's distribution strategy for everything that differs when training
data-parallel (the step functions, the batch and epoch logs, whether any rank stopped), so it
has one shape whatever the strategy. A subclass's own ``train_step`` / ``test_step`` /
``predict_step`` (Keras's custom steps) replaces the built-in step and returns its own logs.
Allocation failures inside a loop become ``cuflow.OutOfMemoryError`` naming the batch size
(``cuflow.memory``, which belongs with the backend).
"""

from __future__ import annotations

import warnings

from .. import memory
from ..tensor import Tensor
from . import captured_step
from .data_adapters import ArrayData
from .data_adapters import pack_x_y_sample_weight as pack
from .logs import StepLogs, float_logs


def split_validation(data, validation_split):
    """Keras's validation_split: the last fraction of the samples, taken before shuffling."""
    if not isinstance(data, ArrayData):
        raise ValueError("validation_split needs array data; pass validation_data for "
                         "generators")
    return data.split(float(validation_split))


def _oom(what, data, model):
    return memory.translate_oom(f"{what} (batch_size={getattr(data, 'batch_size', None)})",
                                model.device)


# ---- fit ----------------------------------------------------------------------------------------
def fit_loop(model, cbs, data, val, initial_epoch, epochs, validation_freq):
    """Every epoch of one ``fit``, with the step the strategy picks (eager, a captured CUDA
    graph, or a data-parallel step) and, for validation, one evaluation step for the whole fit."""
    strategy = model.distribute_strategy
    step = strategy.prepare_fit(model)
    model._step_variables = None
    model._cache_step_variables = True  # the trainable variables are fixed for one fit
    model._fit_test_step = None if val is None else strategy.test_function(model, val)
    try:
        return _epochs(model, cbs, step, data, val, initial_epoch, epochs, validation_freq)
    finally:
        model._step_variables = None
        model._cache_step_variables = False
        model._fit_test_step = None


def _start_epoch(model, initial_epoch):
    """``initial_epoch``, or later when a callback asked to resume there (BackupAndRestore)."""
    resume, model._resume_epoch = model._resume_epoch, None
    return int(initial_epoch) if resume is None else max(int(initial_epoch), int(resume))


def _epochs(model, cbs, step, data, val, initial_epoch, epochs, validation_freq):
    model._resume_epoch = None  # only a resume asked for by this fit's callbacks counts
    cbs.on_train_begin()
    initial_epoch = _start_epoch(model, initial_epoch)
    with _oom("fit", data, model):
        logs = _epoch_loop(model, cbs, step, data, val, initial_epoch, epochs, validation_freq)
    opt = getattr(model, "optimizer", None)
    if int(epochs) > int(initial_epoch) and hasattr(opt, "finalize_variable_values"):
        # as Keras 3: with use_ema the model ends fit holding the moving averages
        opt.finalize_variable_values(model.trainable_weights)
    cbs.on_train_end(logs)
    return logs


def _epoch_loop(model, cbs, step, data, val, initial_epoch, epochs, validation_freq):
    strategy = model.distribute_strategy
    custom = model._overridden("train_step")
    logs = {}
    for epoch in range(int(initial_epoch), int(epochs)):
        model.reset_metrics()
        cbs.on_epoch_begin(epoch)
        named, returned, i = None, None, -1
        for i, (xb, yb, swb) in enumerate(data.batches()):
            cbs.on_train_batch_begin(i)
            if custom:  # a user's train_step(data) returns its own logs
                returned = model.train_step(pack(xb, yb, swb))
                cbs.on_train_batch_end(i, StepLogs(returned))
            else:
                step(xb, yb, swb)
                if named is None:  # the metrics exist once the first step has run
                    named = model._named_metrics()
                # read lazily; data-parallel: a collective summing the metrics over the ranks
                cbs.on_train_batch_end(i, strategy.batch_logs(named))
            # data-parallel: every rank stops at the same step, or none
            model.stop_training = strategy.any(model.stop_training)
            if model.stop_training:
                break
        if _ran_out(data, i + 1):  # a generator exhausted in an earlier epoch: stop here
            break
        strategy.sync_non_trainable(model)  # data-parallel: identical BatchNorm statistics
        logs = float_logs(returned) if custom else strategy.epoch_logs(model._named_metrics())
        if val is not None and (epoch + 1) % int(validation_freq) == 0:
            # as Keras 3: callbacks see the validation pass (on_test_begin/batch/end)
            val_logs = evaluate_loop(model, val, cbs)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    return logs


def _ran_out(data, batches_seen):
    """True (with Keras's warning) when a generator yielded nothing this epoch, or fewer batches
    than the ``steps_per_epoch`` asked for. A generator without ``steps`` ends its first epoch
    when exhausted, as Keras; a later epoch then has no data and training stops."""
    if not getattr(data, "exhausted", False):
        return False
    short = getattr(data, "steps", None) is not None and batches_seen < data.steps
    if batches_seen and not short:
        return False
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                  "dataset or generator can generate at least `steps_per_epoch * epochs` "
                  "batches.", stacklevel=3)
    return batches_seen == 0


# ---- evaluate -----------------------------------------------------------------------------------
def evaluate_loop(model, data, callbacks=None):
    """One pass over ``data`` with the metrics reset first; returns the logs."""
    model.reset_metrics()
    if callbacks is not None:
        callbacks.on_test_begin()
    with _oom("evaluate", data, model):
        returned = _test_batches(model, data, callbacks)
    logs = float_logs(returned) if returned is not None else \
        model.distribute_strategy.epoch_logs(model._named_metrics())
    if callbacks is not None:
        callbacks.on_test_end(logs)
    return logs


def _test_batches(model, data, callbacks):
    """Runs every batch; returns a custom ``test_step``'s last logs (None for the built-in)."""
    strategy = model.distribute_strategy
    custom, returned = model._overridden("test_step"), None
    test_step = getattr(model, "_fit_test_step", None) or strategy.test_function(model, data)
    for step, (xb, yb, swb) in enumerate(data.batches()):
        if callbacks is not None:
            callbacks.on_test_batch_begin(step)
        if custom:
            returned = model.test_step(pack(xb, yb, swb))
        else:
            test_step(xb, yb, swb)
        if callbacks is not None:
            callbacks.on_test_batch_end(step, StepLogs(returned) if custom else
                                        strategy.batch_logs(model._named_metrics()))
    return (returned or {}) if custom else None


# ---- predict ------------------------------------------------------------------------------------
def predict_loop(model, data, cbs):
    """Every batch's outputs, concatenated; on the GPU a captured CUDA graph when there are
    enough batches to repay the capture."""
    cbs.on_predict_begin()
    outs = []
    custom = model._overridden("predict_step")
    predict_fn = model._predict_step if custom or \
        captured_step.batch_count(data) <= captured_step.WARMUP + 1 else \
        captured_step.predict_function(model)
    with _oom("predict", data, model):
        for step, (xb, _, _) in enumerate(data.batches()):
            cbs.on_predict_batch_begin(step)
            outs.append(model.predict_step(pack(xb)) if custom else predict_fn(xb))
            cbs.on_predict_batch_end(step, {"outputs": outs[-1]})
    cbs.on_predict_end()
    if not outs:
        raise ValueError("predict() received no data (zero samples)")
    return concat_outputs(outs)


def concat_outputs(outs):
    """Per-batch outputs (Tensors, lists or dicts of them) as host arrays, batch axis joined."""
    first = outs[0]
    if isinstance(first, Tensor):
        bk = first._backend
        return bk.to_numpy(bk.xp.concatenate([o.data for o in outs], axis=0))
    if isinstance(first, dict):
        return {k: concat_outputs([o[k] for o in outs]) for k in first}
    return [concat_outputs([o[i] for o in outs]) for i in range(len(first))]
