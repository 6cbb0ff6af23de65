"""The loops: where the epochs start (initial_epoch, a resume asked for by a callback), the
callback hooks around batches, evaluation logs, predict's concatenation, validation_split, and
out-of-memory errors naming the batch size."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import callbacks, layers
from cuflow.errors import OutOfMemoryError
from cuflow.models import Sequential
from cuflow.trainers import epoch_iterator
from cuflow.trainers.data_adapters import make_data

RNG = np.random.default_rng(5)
X = RNG.normal(size=(10, 3)).astype("float32")
Y = RNG.normal(size=(10, 1)).astype("float32")


def _model():
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


class Recorder(callbacks.Callback):
    def __init__(self, resume=None):
        super().__init__()
        self.resume = resume
        self.events = []

    def on_train_begin(self, logs=None):
        if self.resume is not None:
            self.model.resume_from_epoch(self.resume)

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch", epoch))

    def on_test_begin(self, logs=None):
        self.events.append(("test_begin",))

    def on_test_batch_end(self, batch, logs=None):
        self.events.append(("test_batch", batch, round(float(logs["loss"]), 6)))

    def on_test_end(self, logs=None):
        self.events.append(("test_end", sorted(logs)))


@pytest.mark.parametrize("initial, resume, want", [(0, None, [0, 1, 2, 3]), (1, None, [1, 2, 3]),
                                                   (0, 2, [2, 3]), (3, 1, [3])])
def test_epochs_start_at_initial_epoch_or_a_later_resume(initial, resume, want):
    rec = Recorder(resume)
    _model().fit(X, Y, epochs=4, initial_epoch=initial, verbose=0, callbacks=[rec])
    assert [e for kind, e in rec.events if kind == "epoch"] == want


def test_a_resume_asked_for_before_fit_is_not_carried_into_it():
    model = _model()
    model.resume_from_epoch(3)  # not from a callback of the fit that begins
    rec = Recorder()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[rec])
    assert [e for kind, e in rec.events if kind == "epoch"] == [0, 1]


def test_evaluate_loop_runs_the_test_hooks_and_returns_float_logs():
    model = _model()
    w, b = model.get_weights()
    data = make_data(X, Y, batch_size=4, device=model.device)
    rec = Recorder()
    rec.set_model(model)
    logs = epoch_iterator.evaluate_loop(model, data, rec)
    assert rec.events[0] == ("test_begin",) and rec.events[-1] == ("test_end", ["loss"])
    assert [e[1] for e in rec.events if e[0] == "test_batch"] == [0, 1, 2]
    np.testing.assert_allclose(logs["loss"], np.mean((X @ w + b - Y) ** 2), rtol=1e-5)
    assert isinstance(logs["loss"], float)


def test_predict_loop_concatenates_batches_and_refuses_no_data():
    model = _model()
    w, b = model.get_weights()
    out = model.predict(X, batch_size=3, verbose=0)  # 4 batches, the last of one row
    np.testing.assert_allclose(out, X @ w + b, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="received no data"):
        model.predict(X, batch_size=3, steps=0, verbose=0)


def test_concat_outputs_joins_tensors_lists_and_dicts_on_the_batch_axis():
    a, b = np.ones((2, 3), "float32"), np.zeros((1, 3), "float32")
    got = epoch_iterator.concat_outputs([{"p": cf.Tensor(a), "q": [cf.Tensor(a)]},
                                         {"p": cf.Tensor(b), "q": [cf.Tensor(b)]}])
    np.testing.assert_array_equal(got["p"], np.concatenate([a, b]))
    np.testing.assert_array_equal(got["q"][0], np.concatenate([a, b]))


def test_validation_split_needs_arrays():
    gen = ((X[i:i + 2], Y[i:i + 2]) for i in range(0, 10, 2))
    data = make_data(gen, steps=5)
    with pytest.raises(ValueError, match="validation_split needs array data"):
        epoch_iterator.split_validation(data, 0.2)
    train, val = epoch_iterator.split_validation(make_data(X, Y, batch_size=4), 0.3)
    assert (train.n, val.n) == (7, 3)
    np.testing.assert_array_equal(val.x, X[7:])  # the last samples, before shuffling


def test_an_allocation_failure_names_the_loop_and_batch_size(monkeypatch):
    model = _model()

    def fail(*args, **kwargs):
        raise MemoryError("no room")

    monkeypatch.setattr(model, "_train_step", fail)
    with pytest.raises(OutOfMemoryError, match=r"fit \(batch_size=4\)"):
        model.fit(X, Y, batch_size=4, verbose=0)


def _batches(n, rows=2):
    """A finite generator of ``n`` (x, y) batches: the slices of X / Y, in order."""
    for i in range(n):
        yield X[i * rows:(i + 1) * rows], Y[i * rows:(i + 1) * rows]


def test_fit_on_a_generator_without_steps_runs_until_it_is_exhausted():
    model = _model()
    w0, b0 = model.get_weights()
    rec = Recorder()
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model.fit(_batches(4), epochs=3, verbose=0, callbacks=[rec])
    # every batch trained once, in the first epoch; the second found nothing and stopped
    assert int(model.optimizer.iterations.numpy()) == 4
    assert len(hist.history["loss"]) == 1
    assert [e for kind, *e in rec.events if kind == "epoch"] == [[0], [1]]
    assert not np.allclose(model.get_weights()[0], w0)


def test_evaluate_and_predict_on_a_generator_without_steps_see_every_batch():
    model = _model()
    w, b = (np.asarray(a, np.float64) for a in model.get_weights())
    want = np.mean((X[:8].astype(np.float64) @ w + b - Y[:8]) ** 2)
    np.testing.assert_allclose(model.evaluate(_batches(4), verbose=0), want, rtol=1e-5)
    pred = model.predict((x for x, _ in _batches(5)), verbose=0)
    np.testing.assert_allclose(pred, X @ w + b, rtol=1e-5, atol=1e-6)


def test_a_generator_shorter_than_steps_per_epoch_warns_as_keras():
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        model.fit(_batches(3), epochs=1, steps_per_epoch=5, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 3


def test_data_that_is_neither_arrays_nor_batches_is_named():
    model = _model()
    with pytest.raises(ValueError, match="unrecognized data type: x=0"):
        model.fit(0, verbose=0)
    with pytest.raises(ValueError, match="take one batch of arrays; received generator"):
        model.predict_on_batch(x for x, _ in _batches(1))
