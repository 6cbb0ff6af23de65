"""losses.segmentation: Dice and Tversky against the Keras doc / test-suite numbers and float64
NumPy references over any axes."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import losses

from ._reference import R, _on, ref_dice, ref_tversky


def test_dice_and_tversky_keras_examples():
    yt, yp = np.array([[1, 2], [1, 2]]), np.array([[4, 1], [6, 1]])
    assert float(losses.Dice()(yt, yp)) == pytest.approx(-0.55555546, rel=1e-6)
    assert float(losses.Tversky()(yt, yp)) == pytest.approx(-0.55555546, rel=1e-6)
    assert float(losses.Tversky(alpha=0.2, beta=0.8)(yt, yp)) == pytest.approx(-0.29629636,
                                                                                 rel=1e-6)
    yt = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]])
    yp = np.array([[0, 1, 0, 1], [1, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]])
    assert float(losses.Dice()(yt, yp)) == pytest.approx(0.77777773, rel=1e-6)
    assert float(losses.Tversky()(yt, yp)) == pytest.approx(0.77777773, rel=1e-6)
    assert float(losses.Tversky(alpha=0.2, beta=0.8)(yt, yp)) == pytest.approx(0.7916667,
                                                                                 rel=1e-6)
    yt = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    yp = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    out = losses.Dice(axis=(1, 2, 3), reduction=None)(yt, yp)
    np.testing.assert_allclose(out.numpy(), [0.5, 0.75757575], rtol=1e-6)
    assert float(losses.dice(yt, yp)) == pytest.approx(0.6164384, rel=1e-6)
    np.testing.assert_allclose(losses.Tversky(axis=(1, 2, 3), reduction=None)(yt, yp).numpy(),
                               [0.5, 0.75757575], rtol=1e-6)
    np.testing.assert_allclose(losses.Tversky(alpha=0.2, beta=0.8, axis=(1, 2, 3),
                                              reduction=None)(yt, yp).numpy(),
                               [0.5, 0.7222222], rtol=1e-6)


def test_dice_tversky_match_reference(device):
    t = R.integers(0, 2, (3, 4, 5)).astype(float)
    p = R.uniform(0, 1, (3, 4, 5))
    for axis in (None, (1, 2), -1):
        np.testing.assert_allclose(losses.dice(*_on(device, t, p), axis=axis).numpy(),
                                   ref_dice(t, p, axis), rtol=1e-12)
        np.testing.assert_allclose(losses.tversky(*_on(device, t, p), 0.3, 0.7, axis=axis)
                                   .numpy(), ref_tversky(t, p, 0.3, 0.7, axis), rtol=1e-12)
    np.testing.assert_allclose(losses.tversky(t, p).numpy(), ref_dice(t, p), rtol=1e-6)


def test_overlap_defaults_like_keras():
    assert losses.Dice().axis is None
    t = losses.Tversky()
    assert (t.alpha, t.beta) == (0.5, 0.5)
