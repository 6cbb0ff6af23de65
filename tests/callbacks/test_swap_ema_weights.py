"""cuflow.callbacks.swap_ema_weights: fit ends holding the moving averages (use_ema), and
SwapEMAWeights validates with them."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.callbacks import SwapEMAWeights

from ._fakes import Recorder, ema_model, small_data


def _evaluate_with(weights, xv, yv):
    m = ema_model(use_ema=False)
    m.set_weights(weights)
    return m.evaluate(xv, yv, batch_size=10, verbose=0)


def test_fit_ends_with_the_moving_averages_of_the_weights():
    x, y = small_data(40, 0)
    m = ema_model()
    rec = Recorder()
    m.fit(x, y, batch_size=10, epochs=3, verbose=0, callbacks=[rec])
    for got, ema in zip(m.get_weights(), rec.ema[-1]):
        np.testing.assert_array_equal(got, ema)
    assert not all(np.array_equal(a, b) for a, b in zip(rec.raw[-1], rec.ema[-1]))


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_swap_ema_weights_validates_with_the_averages(swap_on_epoch):
    x, y = small_data(40, 0)
    xv, yv = small_data(20, 1)
    base = Recorder()  # the same training without the callback: its averages and raw weights
    ema_model().fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[base])
    rec = Recorder()
    m = ema_model()
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
    x, y = small_data(40, 0)
    xv, yv = small_data(20, 1)
    rec = Recorder()
    hist = ema_model().fit(x, y, batch_size=10, epochs=2, validation_data=(xv, yv), verbose=0,
                        callbacks=[rec])
    assert hist.history["val_loss"][-1] == pytest.approx(_evaluate_with(rec.raw[-1], xv, yv),
                                                         rel=1e-6)


def test_swap_ema_weights_needs_use_ema():
    x, y = small_data(20, 0)
    with pytest.raises(ValueError, match=r"requires an optimizer created with use_ema=True; "
                                         r"received Adam\(use_ema=False\)"):
        ema_model(use_ema=False).fit(x, y, epochs=1, verbose=0, callbacks=[SwapEMAWeights()])
