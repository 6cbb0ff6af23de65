"""ops.nn.normalization: batch_normalization, rms_normalization, normalize and moments against
NumPy, with gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, draws, t

R = np.random.default_rng(3)
_draw = draws(R)
anyv = _draw.anyv


def test_batch_and_rms_normalization(device):
    x = R.normal(size=(5, 4))
    mean, var, off, sc = x.mean(0), x.var(0), R.normal(size=4), R.normal(size=4)
    close(ops.batch_normalization(t(x, device), t(mean, device), t(var, device), axis=1,
                                  offset=t(off, device), scale=t(sc, device)),
          (x - mean) / np.sqrt(var + 1e-3) * sc + off)
    close(ops.rms_normalization(t(x, device), scale=t(sc, device), epsilon=1e-6),
          x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6) * sc)
    check_gradients(lambda a: ops.rms_normalization(a, epsilon=1e-6), [x], device=device)


def test_normalize_and_moments(device):
    x = anyv(3, 4)
    with cf.device(device):
        n = ops.normalize(t(x, device), axis=-1)
        np.testing.assert_allclose(n.numpy(), x / np.linalg.norm(x, axis=-1, keepdims=True))
        n1 = ops.normalize(t(x, device), axis=0, order=1)
        np.testing.assert_allclose(n1.numpy(), x / np.abs(x).sum(0, keepdims=True))
        m, v = ops.moments(t(x, device), axes=(0,))
        np.testing.assert_allclose(m.numpy(), x.mean(0))
        np.testing.assert_allclose(v.numpy(), x.var(0))
    check_gradients(lambda a: ops.normalize(a, axis=0), [x], device=device)


def test_batch_normalization_errors():
    with pytest.raises(ValueError, match="must be 1-D of size 4"):
        ops.batch_normalization(t(np.ones((2, 4))), t(np.ones(3)), t(np.ones(4)), axis=1)


def test_keras_normalize_layer_normalization_moments():
    import warnings

    x = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(ops.normalize(x, axis=None).numpy(), x / np.sqrt(28), rtol=1e-6)
    # the norm is floored at epsilon; a zero vector stays zero with a finite gradient
    np.testing.assert_allclose(ops.normalize(np.array([[1e-6, 1e-8]]), epsilon=1e-5).numpy(),
                               [[1e-1, 1e-3]], rtol=1e-6)
    check_gradients(lambda t: ops.normalize(t, epsilon=1e-3), [np.zeros((1, 2)) + 1e-5])
    for bad in ("a", 0, -1, 2.5):
        with pytest.raises(ValueError, match="Argument `order` must be an int >= 1"):
            ops.normalize(x, order=bad)
    np.testing.assert_allclose(ops.layer_normalization(np.arange(5, dtype="float32")).numpy(),
                               [-1.4142135, -0.70710677, 0.0, 0.7071067, 1.4142135], atol=1e-3)
    z = np.random.default_rng(2).normal(size=(2, 3, 4))
    ref = (z - z.mean((1, 2), keepdims=True)) / np.sqrt(z.var((1, 2), keepdims=True) + 1e-3)
    np.testing.assert_allclose(ops.layer_normalization(z, axis=(1, 2), epsilon=1e-3).numpy(),
                               ref, rtol=1e-10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ops.layer_normalization(np.arange(5.0), rms_scaling=True)
    assert any("rms_scaling=True" in str(w.message) for w in caught)
    # float16 moments are reduced in float32 and the variance clipped to float16's maximum
    h = np.array([-741.0, 353.2, 1099.0, -1807.0, 502.8, -83.4, 333.5, -130.9], np.float16)
    m, v = ops.moments(h, axes=[0])
    assert m.dtype == v.dtype == np.float16
    assert float(v) == float(np.finfo(np.float16).max)
