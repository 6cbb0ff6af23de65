"""Keras 3 behaviours around fit's validation pass and EMA weights: callbacks see the validation
pass, fit ends holding the moving averages (use_ema), SwapEMAWeights validates with them."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.callbacks import Callback, SwapEMAWeights


def _data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, n)


def _model(use_ema=True):
    cf.utils.set_random_seed(0)
    m = cf.models.Sequential([L.Input(shape=(4,)), L.Dense(6, activation="tanh"), L.Dense(3)])
    m.compile(optimizer=cf.optimizers.Adam(0.05, use_ema=use_ema, ema_momentum=0.8),
              loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    return m


class Recorder(Callback):
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


def _evaluate_with(weights, xv, yv):
    m = _model(use_ema=False)
    m.set_weights(weights)
    return m.evaluate(xv, yv, batch_size=10, verbose=0)


def test_callbacks_see_fit_validation_passes():
    x, y = _data(40, 0)
    xv, yv = _data(20, 1)
    rec = Recorder()
    _model(use_ema=False).fit(x, y, batch_size=10, epochs=2, validation_data=(xv, yv),
                              verbose=0, callbacks=[rec])
    one_epoch = ["test_begin", "test_batch", "test_batch", "test_end", "epoch_end"]
    assert rec.events == one_epoch * 2


def test_fit_ends_with_the_moving_averages_of_the_weights():
    x, y = _data(40, 0)
    m = _model()
    rec = Recorder()
    m.fit(x, y, batch_size=10, epochs=3, verbose=0, callbacks=[rec])
    for got, ema in zip(m.get_weights(), rec.ema[-1]):
        np.testing.assert_array_equal(got, ema)
    assert not all(np.array_equal(a, b) for a, b in zip(rec.raw[-1], rec.ema[-1]))


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_swap_ema_weights_validates_with_the_averages(swap_on_epoch):
    x, y = _data(40, 0)
    xv, yv = _data(20, 1)
    base = Recorder()  # the same training without the callback: its averages and raw weights
    _model().fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[base])
    rec = Recorder()
    m = _model()
    hist = m.fit(x, y, batch_size=10, epochs=2, validation_data=(xv, yv), verbose=0,
                 callbacks=[SwapEMAWeights(swap_on_epoch), rec])
    for epoch in range(2):
        assert hist.history["val_loss"][epoch] == pytest.approx(
            _evaluate_with(base.ema[epoch], xv, yv), rel=1e-6)
        # swap_on_epoch: epoch-end callbacks after it see the averages; else the raw weights
        want = base.ema[epoch] if swap_on_epoch else base.raw[epoch]
        for got, w in zip(rec.raw[epoch], want):
            np.testing.assert_allclose(got, w, rtol=1e-6, atol=1e-7)
    for got, ema in zip(m.get_weights(), base.ema[-1]):  # training was not disturbed
        np.testing.assert_allclose(got, ema, rtol=1e-6, atol=1e-7)


def test_without_the_callback_validation_uses_the_raw_weights():
    x, y = _data(40, 0)
    xv, yv = _data(20, 1)
    rec = Recorder()
    hist = _model().fit(x, y, batch_size=10, epochs=2, validation_data=(xv, yv), verbose=0,
                        callbacks=[rec])
    assert hist.history["val_loss"][-1] == pytest.approx(_evaluate_with(rec.raw[-1], xv, yv),
                                                         rel=1e-6)


def test_swap_ema_weights_needs_use_ema():
    x, y = _data(20, 0)
    with pytest.raises(ValueError, match=r"requires an optimizer created with use_ema=True; "
                                         r"received Adam\(use_ema=False\)"):
        _model(use_ema=False).fit(x, y, epochs=1, verbose=0, callbacks=[SwapEMAWeights()])
