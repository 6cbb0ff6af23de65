"""The do-nothing default strategy every model trains under outside a strategy scope, and the
stack of open scopes."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, metrics
from cuflow.models import Sequential
from cuflow.trainers import distribution
from cuflow.trainers.data_adapters import make_data
from cuflow.trainers.distribution import DEFAULT, DefaultStrategy
from cuflow.trainers.logs import LazyLogs


def _model():
    model = Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_a_model_compiled_outside_every_scope_holds_the_default():
    model = _model()
    assert model.distribute_strategy is DEFAULT
    assert (DEFAULT.rank, DEFAULT.size) == (0, 1)
    assert Sequential([layers.Dense(1)]).distribute_strategy is DEFAULT  # before compile


def test_scopes_nest_and_the_default_stands_in_outside_them():
    outer, inner = DefaultStrategy(), DefaultStrategy()
    assert distribution.scoped_strategy() is None
    assert distribution.current_strategy() is DEFAULT
    distribution.enter_scope(outer)
    distribution.enter_scope(inner)
    try:
        assert distribution.current_strategy() is inner
        distribution.exit_scope(inner)
        assert distribution.current_strategy() is outer
        model = _model()
        assert model.distribute_strategy is outer  # compile() takes the open scope's
    finally:
        distribution.exit_scope(outer)
    assert distribution.scoped_strategy() is None


def test_data_callbacks_and_gradients_pass_through_unchanged():
    data = make_data(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"))
    cbs = object()
    grads = [np.ones(3), None]
    assert DEFAULT.shard(data) is data and DEFAULT.shard(None) is None
    assert DEFAULT.filter_callbacks(cbs) is cbs
    assert DEFAULT.reduce_gradients(grads, 4) is grads
    assert DEFAULT.any(0) is False and DEFAULT.any(1) is True
    DEFAULT.sync_non_trainable(_model())  # nothing to synchronise
    DEFAULT.fold_rng_after_restore()


def test_errors_propagate_unchanged():
    with pytest.raises(ZeroDivisionError):
        with DEFAULT.abort_on_error("fit"):
            raise ZeroDivisionError


def test_logs_are_lazy_per_batch_and_floats_per_epoch():
    mean, total = metrics.Mean(name="m"), metrics.Sum(name="a")
    mean.update_state([1.0, 2.0, 6.0])
    total.update_state([1.0, 2.0])
    named = [("m", mean), ("a", total)]
    batch = DEFAULT.batch_logs(named)
    assert isinstance(batch, LazyLogs) and list(batch) == ["a", "m"]
    assert DEFAULT.epoch_logs(named) == {"a": 3.0, "m": 3.0}


def test_single_process_steps_on_the_cpu_are_the_eager_ones():
    model = _model()
    assert DEFAULT.prepare_fit(model) == model._train_step
    few = make_data(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), batch_size=2)
    assert DEFAULT.test_function(model, few) == model._test_step
    many = make_data(np.ones((40, 2), "float32"), np.ones((40, 1), "float32"), batch_size=2)
    assert DEFAULT.test_function(model, many) == model._test_step  # no jit on the CPU
    with cf.device("cpu"):
        model.fit(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), verbose=0)
