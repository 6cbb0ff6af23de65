"""Regression metrics against float64 NumPy references."""

import numpy as np
import pytest

from cuflow import metrics
from cuflow.testing import on_every_device

from ._helpers import _t


@pytest.fixture
def data(rng):
    y = rng.normal(size=(24, 3))
    p = y + rng.normal(scale=0.5, size=(24, 3))
    w = rng.uniform(0.1, 2.0, size=24)
    return y, p, w


REFS = {
    "mse": lambda y, p: ((y - p) ** 2).mean(-1),
    "mae": lambda y, p: np.abs(y - p).mean(-1),
    "mape": lambda y, p: 100 * (np.abs(y - p) / np.maximum(np.abs(y), 1e-7)).mean(-1),
}
CLASSES = {"mse": metrics.MeanSquaredError, "mae": metrics.MeanAbsoluteError,
           "mape": metrics.MeanAbsolutePercentageError}


@pytest.mark.parametrize("kind", sorted(REFS))
@on_every_device
def test_regression_metrics(device, data, kind):
    y, p, w = data
    per_sample = REFS[kind](y, p)
    m = CLASSES[kind]()
    for lo, hi in ((0, 10), (10, 24)):
        m.update_state(_t(y[lo:hi], device), _t(p[lo:hi], device))
    assert float(m.result()) == pytest.approx(per_sample.mean(), rel=1e-5)
    mw = CLASSES[kind]()
    mw.update_state(_t(y, device), _t(p, device), sample_weight=_t(w, device))
    assert float(mw.result()) == pytest.approx((per_sample * w).sum() / w.sum(), rel=1e-5)
    fn = {"mse": metrics.mean_squared_error, "mae": metrics.mean_absolute_error,
          "mape": metrics.mean_absolute_percentage_error}[kind]
    np.testing.assert_allclose(fn(y, p).numpy(), per_sample, rtol=1e-6)


@on_every_device
def test_rmse(device, data):
    y, p, w = data
    m = metrics.RootMeanSquaredError()
    m.update_state(_t(y, device), _t(p, device))
    assert float(m.result()) == pytest.approx(np.sqrt(((y - p) ** 2).mean()), rel=1e-5)
    mw = metrics.RootMeanSquaredError()
    mw.update_state(_t(y, device), _t(p, device), sample_weight=_t(w, device))
    want = np.sqrt((((y - p) ** 2).mean(-1) * w).sum() / w.sum())
    assert float(mw.result()) == pytest.approx(want, rel=1e-5)
    assert m.name == "root_mean_squared_error"


@on_every_device
def test_column_predictions_with_flat_labels(device):
    # (N,) labels with (N, 1) predictions: Keras expands the labels, one value per sample
    m = metrics.MeanAbsoluteError()
    m.update_state(_t([1.0, 2.0, 3.0], device), _t([[1.5], [2.0], [1.0]], device))
    assert float(m.result()) == pytest.approx((0.5 + 0 + 2) / 3)
