"""losses.loss: the Loss base class and the reduction of per-sample losses: reductions, sample
weights (per sample, per step, as Tensors or lists), gradients through weighted reductions,
empty batches, dtypes, errors and custom subclasses."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import losses
from cuflow.testing import check_gradients

from ._reference import R, S, anyv, ref_mse


def test_shape_mismatch_error_names_both_shapes(device):
    with pytest.raises(ValueError, match=r"y_true.shape=\(4, 3\) and y_pred.shape=\(4, 5\)"):
        losses.MeanSquaredError()(cf.Tensor(anyv((4, 3)), device=device),
                                  cf.Tensor(anyv(S), device=device))


def test_reductions_and_sample_weights(device):
    t, p = anyv((6, 3)), anyv((6, 3))
    per = ref_mse(t, p)
    w = R.uniform(0.1, 2.0, 6)
    T, P = cf.Tensor(t, device=device), cf.Tensor(p, device=device)

    def run(reduction, sw=None):
        return losses.MeanSquaredError(reduction=reduction)(T, P, sample_weight=sw).numpy()

    np.testing.assert_allclose(run("sum_over_batch_size"), per.mean(), rtol=1e-7)
    np.testing.assert_allclose(run("sum_over_batch_size", w), (per * w).sum() / 6, rtol=1e-7)
    np.testing.assert_allclose(run("mean", w), (per * w).sum() / 6, rtol=1e-7)
    np.testing.assert_allclose(run("sum", w), (per * w).sum(), rtol=1e-7)
    np.testing.assert_allclose(run("mean_with_sample_weight", w), (per * w).sum() / w.sum(),
                               rtol=1e-7)
    np.testing.assert_allclose(run("none", w), per * w, rtol=1e-7)
    np.testing.assert_allclose(run(None), per, rtol=1e-7)
    # (N, 1) weights, Tensor weights and list weights all mean the same
    np.testing.assert_allclose(run("sum", w[:, None]), (per * w).sum(), rtol=1e-7)
    np.testing.assert_allclose(run("none", cf.Tensor(w, device=device)), per * w, rtol=1e-7)
    np.testing.assert_allclose(run("sum", w.tolist()), (per * w).sum(), rtol=1e-6)
    np.testing.assert_allclose(run("sum", 2.0), 2 * per.sum(), rtol=1e-7)
    assert run("none", w[:, None]).shape == (6,)


def test_sequence_losses_take_per_sample_weights(device):
    t, p = anyv((3, 4, 2)), anyv((3, 4, 2))
    per = ref_mse(t, p)  # (3, 4)
    w = np.array([1.0, 0.0, 2.0])
    got = losses.MeanSquaredError()(cf.Tensor(t, device=device), cf.Tensor(p, device=device),
                                    sample_weight=w)
    np.testing.assert_allclose(got.numpy(), (per * w[:, None]).sum() / per.size, rtol=1e-7)


def test_weighted_reduction_gradients(device):
    t, p = anyv((5, 3)), anyv((5, 3))
    w = R.uniform(0.1, 2.0, 5)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight"):
        fn = losses.Huber(delta=0.7, reduction=reduction)
        check_gradients(lambda yp: fn(cf.Tensor(t, device=device), yp,  # noqa: B023
                                      sample_weight=cf.Tensor(w, device=device)),
                        [p], device=device)


def test_reduction_errors_and_bad_weights(device):
    with pytest.raises(ValueError, match="argument `reduction`.*Received: reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match=r"sample_weight of shape \(4,\).*\(6,\)"):
        losses.MeanSquaredError()(cf.Tensor(anyv((6, 2)), device=device),
                                  cf.Tensor(anyv((6, 2)), device=device),
                                  sample_weight=np.ones(4))
    assert losses.MeanSquaredError(reduction="auto").reduction == "sum_over_batch_size"
    assert losses.MeanSquaredError(reduction=losses.Reduction.SUM).reduction == "sum"


def test_empty_batch_gives_zero(device):
    got = losses.MeanSquaredError()(cf.Tensor(np.zeros((0, 3)), device=device),
                                    cf.Tensor(np.zeros((0, 3)), device=device))
    assert float(got) == 0.0


def test_dtypes(device):
    t = cf.Tensor(anyv(S).astype(np.float32), device=device)
    p = cf.Tensor(anyv(S).astype(np.float32), device=device)
    assert losses.MeanSquaredError()(t, p).dtype == np.float32
    assert losses.MeanSquaredError()(anyv(S), p).dtype == np.float32  # y_true follows y_pred
    assert losses.MeanSquaredError(dtype="float64")(t, p).dtype == np.float64
    ints = cf.Tensor(np.arange(20).reshape(S), device=device)
    assert losses.mean_squared_error(t, ints).dtype == np.float32


def test_custom_loss_subclass(device):
    class Mean4th(losses.Loss):
        def call(self, y_true, y_pred):
            return cf.ops.mean((y_pred - y_true) ** 4, axis=-1)

    t, p = anyv(S), anyv(S)
    fn = Mean4th()
    assert fn.name == "mean4th"
    got = fn(cf.Tensor(t, device=device), cf.Tensor(p, device=device), sample_weight=np.arange(4))
    np.testing.assert_allclose(got.numpy(), (np.mean((p - t) ** 4, -1) * np.arange(4)).mean(),
                               rtol=1e-7)


def test_standardize_reduction_and_masks(device):
    assert losses.standardize_reduction(None) == "none"
    assert losses.standardize_reduction("AUTO") == "sum_over_batch_size"
    values = cf.Tensor(np.array([1.0, 2.0, 3.0, 4.0]), device=device)
    mask = cf.Tensor(np.array([True, False, True, True]), device=device)
    # a mask leaves the masked entries out of the sum and out of the denominator
    got = losses.reduce_weighted_values(values, mask=mask)
    assert float(got) == pytest.approx((1 + 3 + 4) / 3)
    got = losses.reduce_weighted_values(values, sample_weight=np.array([1.0, 1, 0, 2]),
                                        reduction="mean_with_sample_weight")
    assert float(got) == pytest.approx((1 + 2 + 8) / 4)
