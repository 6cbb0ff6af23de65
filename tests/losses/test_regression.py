"""losses.regression: mean squared / absolute / percentage / squared-logarithmic error, log-cosh,
Huber and cosine similarity against float64 NumPy, with gradients, the class axis and aliases."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import losses
from cuflow.testing import check_gradients

from ._reference import (
    S3,
    R,
    S,
    anyv,
    binary,
    posv,
    ref_cosine,
    ref_huber,
    ref_log_cosh,
    ref_mae,
    ref_mape,
    ref_mse,
    ref_msle,
)

# (id, loss function, reference, y_true, y_pred)
CASES = [
    ("mse", losses.mean_squared_error, ref_mse, anyv(S), anyv(S)),
    ("mse_3d", losses.mse, ref_mse, anyv(S3), anyv(S3)),
    ("mae", losses.mean_absolute_error, ref_mae, anyv(S), anyv(S)),
    ("mape", losses.mape, ref_mape, anyv(S), anyv(S)),
    ("msle", losses.msle, ref_msle, posv(S), posv(S)),
    ("huber", losses.huber, ref_huber, anyv(S), anyv(S)),
    ("log_cosh", losses.log_cosh, ref_log_cosh, anyv(S), anyv(S)),
    ("cosine", losses.cosine_similarity, ref_cosine, anyv(S), anyv(S)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_values(device, case):
    _, fn, ref, t, p = case
    out = fn(cf.Tensor(t, device=device), cf.Tensor(p, device=device))
    assert isinstance(out, cf.Tensor) and out.device == cf.Tensor(p, device=device).device
    assert out.shape == p.shape[:-1]
    np.testing.assert_allclose(out.numpy(), ref(t, p), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_gradients(device, case):
    _, fn, _, t, p = case
    check_gradients(lambda yp: fn(cf.Tensor(t, device=device), yp), [p], device=device)


def test_cosine_similarity_axis(device):
    tb, pb = binary((3, 4)), R.uniform(0.05, 0.95, (3, 4))
    got = losses.CosineSimilarity(axis=0, reduction="none")(cf.Tensor(tb + 1, device=device),
                                                            cf.Tensor(pb, device=device))
    np.testing.assert_allclose(got.numpy(), ref_cosine(tb.T + 1, pb.T), rtol=1e-6)


def test_function_aliases():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.mean_absolute_error
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.msle is losses.mean_squared_logarithmic_error
    assert losses.logcosh is losses.log_cosh


def test_y_true_broadcasts_against_y_pred_as_keras():
    y_true, y_pred = np.array([[1.0], [2.0]]), np.array([[0.0, 3.0], [2.0, 5.0]])
    got = losses.MeanSquaredError(reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(got.numpy(), np.mean((y_true - y_pred) ** 2, axis=-1))
    with pytest.raises(ValueError, match="same shape"):
        losses.MeanSquaredError()(np.ones((2, 3)), np.ones((2, 2)))
