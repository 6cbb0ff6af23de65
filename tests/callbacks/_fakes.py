"""What the callback tests share: a stand-in model (just the interface callbacks use, recording
what they do), a fit-like driver of the hooks, epoch logs, a fake clock, and a small real model."""

import re

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.callbacks import Callback

ANSI = re.compile(r"\x1b\[\d+m")


class FakeOptimizer:
    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate


class FakeModel:
    def __init__(self, learning_rate=0.01):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros(2)]
        self.saved = []  # (kind, filepath)
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, filepath):
        self.saved.append(("model", filepath))

    def save_weights(self, filepath):
        self.saved.append(("weights", filepath))


def run_epochs(callbacks, model, epoch_logs, steps=2, batch_logs=None):
    """Drive fit-like hooks; epoch ``e`` sets weights to [e, e] so restores are visible."""
    from cuflow.callbacks import CallbackList

    cbs = CallbackList(callbacks, add_history=True, model=model, verbose=0,
                       epochs=len(epoch_logs), steps=steps)
    cbs.on_train_begin()
    done = 0
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for b in range(steps):
            cbs.on_train_batch_begin(b)
            cbs.on_train_batch_end(b, dict(batch_logs or {"loss": 1.0}))
        model.weights = [np.full(2, float(epoch))]
        cbs.on_epoch_end(epoch, dict(logs))
        done += 1
        if model.stop_training:
            break
    cbs.on_train_end()
    return done


def losses(*values):
    """Epoch logs with ``loss`` and ``val_loss`` both set to each value."""
    return [{"loss": v, "val_loss": v} for v in values]


class Clock:
    """A fake time.monotonic: advances only when told to."""

    def __init__(self):
        self.now = 100.0

    def monotonic(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The progress bars' clock, replaced by a ``Clock`` the test advances."""
    from cuflow.callbacks import progbar_logger as logger_mod
    from cuflow.utils import progbar as progbar_mod

    c = Clock()
    monkeypatch.setattr(progbar_mod, "time", c)
    monkeypatch.setattr(logger_mod, "time", c)
    return c


def small_data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, n)


def ema_model(use_ema=True):
    cf.utils.set_random_seed(0)
    m = cf.models.Sequential([L.Input(shape=(4,)), L.Dense(6, activation="tanh"), L.Dense(3)])
    m.compile(optimizer=cf.optimizers.Adam(0.05, use_ema=use_ema, ema_momentum=0.8),
              loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    return m


class Recorder(Callback):
    """Records the validation hooks fit calls, and the EMA and raw weights at each epoch end."""

    def __init__(self):
        super().__init__()
        self.events, self.ema, self.raw = [], [], []

    def on_test_begin(self, logs=None):
        self.events.append("test_begin")

    def on_test_batch_end(self, batch, logs=None):
        self.events.append("test_batch")

    def on_test_end(self, logs=None):
        self.events.append("test_end")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append("epoch_end")
        opt = self.model.optimizer
        if opt.use_ema:
            self.ema.append([a.numpy().copy() for a in opt._ema])
        self.raw.append(self.model.get_weights())
