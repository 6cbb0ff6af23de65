"""The last-axis twins (backend/numpy/rows.py), the reference semantics of
``kernels/rows.cu``: softmax, log_softmax, logsumexp, row max/argmax against formulas and
central differences, stability on extreme logits, NaN/Inf placement, validation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cuflow.backend.numpy import losses
from cuflow.backend.numpy import rows as nk

from .._cases import numeric_grad, softmax_ref

RNG = np.random.default_rng(1234)


def test_softmax_family_matches_formula():
    x = RNG.normal(size=(6, 9)) * 3
    np.testing.assert_allclose(nk.softmax_forward(x), softmax_ref(x), rtol=1e-13)
    np.testing.assert_allclose(nk.log_softmax_forward(x), np.log(softmax_ref(x)), rtol=1e-12)
    np.testing.assert_allclose(nk.logsumexp(x), np.log(np.exp(x).sum(-1)), rtol=1e-13)
    np.testing.assert_array_equal(nk.row_max(x), x.max(-1))
    np.testing.assert_array_equal(nk.row_argmax(x), x.argmax(-1))
    assert nk.row_argmax(x).dtype == np.int64
    y3 = nk.softmax_forward(RNG.normal(size=(2, 3, 4)).astype(np.float32))
    assert y3.shape == (2, 3, 4) and y3.dtype == np.float32


@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
def test_softmax_backward_central_difference(which):
    fwd = getattr(nk, f"{which}_forward")
    bwd = getattr(nk, f"{which}_backward")
    x = RNG.normal(size=(3, 7))
    w = RNG.normal(size=x.shape)
    num = numeric_grad(lambda z: float(np.sum(w * fwd(z))), x)
    np.testing.assert_allclose(bwd(fwd(x), w), num, rtol=1e-3, atol=1e-5)


EXTREME_LOGITS = [
    np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 3.0]]),
    np.array([[3e38, -3e38, 0.0], [-3e38, 1.0, 3e38]]),
    np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, 2.0]]),
]


@pytest.mark.parametrize("x", EXTREME_LOGITS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_functions_stable_on_extreme_logits(x, dtype):
    x = x.astype(dtype)
    labels = np.array([1, 2])
    onehot = np.eye(3, dtype=dtype)[labels]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [nk.softmax_forward(x), nk.log_softmax_forward(x)[:, 1:], nk.logsumexp(x),
                *losses.sparse_softmax_cross_entropy(x, labels),
                *losses.loss_forward_backward("categorical_crossentropy", onehot, x, True),
                nk.softmax_backward(nk.softmax_forward(x), np.ones_like(x))]
    for out in outs:
        assert np.isfinite(out[np.isfinite(out) | np.isnan(out)]).all()
        assert not np.isnan(out).any(), out
    assert np.allclose(nk.softmax_forward(x).sum(-1), 1)


def test_row_nan_and_inf_placement():
    x = np.array([[np.nan, 1.0, 2.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0],
                  [1.0, np.nan, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sm = nk.softmax_forward(x)
        lse = nk.logsumexp(x)
        am = nk.row_argmax(x)
        mx = nk.row_max(x)
    assert np.isnan(sm).all()
    assert np.isnan(lse[0]) and lse[1] == -np.inf and lse[2] == np.inf and np.isnan(lse[3])
    assert list(am) == [0, 0, 0, 1]
    assert np.isnan(mx[0]) and mx[1] == -np.inf and mx[2] == np.inf


def test_validation_and_zero_size_inputs():
    with pytest.raises(ValueError, match="empty last axis"):
        nk.row_max(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="0-d"):
        nk.logsumexp(np.float64(1.0))
    with pytest.raises(ValueError, match="y and dy must have the same shape"):
        nk.softmax_backward(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="int64"):
        nk.softmax_forward(np.ones((2, 3), np.int64))
    z = np.zeros((0, 4), np.float32)
    assert nk.softmax_forward(z).shape == (0, 4)
    assert nk.softmax_forward(np.zeros((2, 0))).shape == (2, 0)
    assert nk.log_softmax_backward(z, z).shape == (0, 4)
    assert nk.logsumexp(z).shape == (0,)
    assert nk.row_argmax(z).dtype == np.int64
