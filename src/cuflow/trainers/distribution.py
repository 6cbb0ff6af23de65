"""The distribution strategy the training loop always calls, and its do-nothing default.

The loop never asks "is there a strategy?": a model compiled outside every strategy scope holds
:data:`DEFAULT`, whose hooks shard nothing, reduce nothing and pick the single-process steps
(eager, or a captured CUDA graph on the GPU). ``cuflow.distribute.DataParallel`` subclasses
:class:`DefaultStrategy` and overrides the hooks (as Keras's default strategy stands in for
``tf.distribute`` strategies); it opens its scope with :func:`enter_scope` / :func:`exit_scope`.

The hooks, in the order ``fit`` calls them: ``abort_on_error``, ``shard``, ``filter_callbacks``,
``prepare_fit`` (the train step), ``test_function``, ``reduce_gradients`` (inside each step),
``batch_logs``, ``any`` (stop_training), ``sync_non_trainable`` and ``epoch_logs``.
"""

from __future__ import annotations

import contextlib

from . import captured_step
from .logs import LazyLogs, metric_logs

_scopes = []  # strategies whose scope() is open, innermost last


def enter_scope(strategy):
    _scopes.append(strategy)


def exit_scope(strategy):
    _scopes.remove(strategy)


def scoped_strategy():
    """The strategy whose scope is open, or None."""
    return _scopes[-1] if _scopes else None


def current_strategy():
    """The strategy a model compiled now trains under: the open scope's, else the default."""
    return scoped_strategy() or DEFAULT


class DefaultStrategy:
    """One process, all of the data: every hook leaves the single-process loop as it is."""

    rank = 0
    size = 1

    def abort_on_error(self, what):
        """Around fit / evaluate: a multi-process strategy ends every rank on an exception."""
        return contextlib.nullcontext()

    def shard(self, data):
        """This rank's rows of each global batch (None passes)."""
        return data

    def filter_callbacks(self, callbacks):
        """The callbacks this rank runs (a multi-process strategy keeps the printing to one)."""
        return callbacks

    def prepare_fit(self, model):
        """fit's per-batch training step ``(x, y, sample_weight)``: eager, or on the GPU with
        ``jit_compile`` a captured CUDA graph replaying it."""
        return captured_step.train_function(model)

    def test_function(self, model, data):
        """evaluate's per-batch step: on the GPU a captured CUDA graph when there are enough
        batches to repay the warm-up and capture, else the eager step."""
        if captured_step.batch_count(data) <= captured_step.WARMUP + 1:
            return model._test_step
        return captured_step.test_function(model)

    def reduce_gradients(self, grads, n_local):
        """The gradients every rank applies (a mean over the ranks, weighted by their rows)."""
        return grads

    def batch_logs(self, named_metrics):
        """The logs ``on_*_batch_end`` receives: read from the device only when a callback
        reads them."""
        return LazyLogs(named_metrics)

    def epoch_logs(self, named_metrics):
        """Epoch / evaluation logs as floats."""
        return metric_logs(named_metrics)

    def any(self, flag):
        """True on every rank when it is True on one (``stop_training``)."""
        return bool(flag)

    def sync_non_trainable(self, model):
        """Make non-trainable weights (BatchNorm statistics) equal on every rank."""

    def fold_rng_after_restore(self):
        """After a restored backup, give each rank its own dropout stream again."""

    def __repr__(self):
        return "<DefaultStrategy: one process>"


DEFAULT = DefaultStrategy()
