"""The eager steps on one batch: training, evaluation, prediction.

One training step: forward, loss, one backward pass that returns raw gradient arrays, one
optimizer call updating every variable in place, metrics accumulated on the device. Nothing is
read on the host (a ``loss_check`` does, on purpose: ``fit(nan_bundle=...)``).

Each step goes through the model's ``_compute_loss`` / ``_update_metrics`` (debugging tools
instrument those per model) and through the model's distribution strategy for the gradients.
``cuflow.debug`` calls these functions directly to time or profile a plain step.
"""

from __future__ import annotations

import warnings

from .. import autodiff
from ..tree import flatten as _flatten


def variables_to_train(model):
    """The variables a training step updates: the trainable weights, read once per ``fit``
    (as Keras) while fit caches them, else on every step."""
    variables = getattr(model, "_step_variables", None)
    if variables is None:
        variables = model.trainable_weights
        if getattr(model, "_cache_step_variables", False):
            model._step_variables = variables
    return variables


def train_step(model, x, y, sample_weight=None, loss_check=None):
    """The built-in training step on one batch (the fast path fit uses).

    ``loss_check(loss, x, y, sample_weight)``: called before the update; True skips it and
    stops training (NaN bundles)."""
    model._clear_call_losses()
    y_pred = model(x, training=True)
    ys, preds = model._prepare_step(y, y_pred)
    total, per_output = model._compute_loss(ys, preds, sample_weight)
    variables = variables_to_train(model)
    skip_update = False
    if not variables:  # as Keras: a step that updates nothing, the metrics still recorded
        warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        skip_update = True
    if loss_check is not None:  # debugging mode: one host read per step
        skip_update = bool(loss_check(total, x, y, sample_weight))
        if skip_update:
            model.stop_training = True
    if total.requires_grad and not skip_update:
        ones = total._backend.xp.ones(total.shape, dtype=total.dtype)
        scale = getattr(model.optimizer, "loss_scale", None)
        if scale is not None:  # LossScaleOptimizer: backward of loss * scale
            ones *= scale
        grads = autodiff.run_backward([total], [ones], sources=variables)
        # data-parallel: averaged over the ranks, weighted by shard rows (else unchanged)
        grads = model.distribute_strategy.reduce_gradients(grads, _flatten(x)[0].shape[0])
        model.optimizer.apply(grads, variables)  # also applies weight constraints
    with autodiff.no_grad():
        model._update_metrics(ys, preds, sample_weight, total, per_output,
                              _flatten(x)[0].shape[0])


def test_step(model, x, y, sample_weight=None):
    """Forward and loss without gradients; metrics accumulated on the device."""
    with autodiff.no_grad():
        model._clear_call_losses()
        y_pred = model(x, training=False)
        ys, preds = model._prepare_step(y, y_pred)
        total, per_output = model._compute_loss(ys, preds, sample_weight)
        model._update_metrics(ys, preds, sample_weight, total, per_output,
                              _flatten(x)[0].shape[0])


def predict_step(model, x):
    with autodiff.no_grad():
        return model(x, training=False)
