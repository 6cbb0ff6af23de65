"""The reduction twins (backend/numpy/reductions.py), the reference semantics of
``kernels/reductions.cu``: batch sums and global norms in float64, accuracy counts of every kind,
validation and zero-size inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cuflow.backend.numpy import reductions as nk

RNG = np.random.default_rng(1234)


def test_reductions():
    x = RNG.normal(size=(7, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(nk.sum_batch(x), x.astype(np.float64).sum(0), rtol=1e-6)
    assert nk.sum_batch(x).dtype == np.float32
    arrays = [x, RNG.normal(size=5).astype(np.float32)]
    norm = nk.global_l2_norm(arrays)
    assert norm.shape == () and norm.dtype == np.float32
    ref = math.sqrt(sum(float(np.sum(a.astype(np.float64) ** 2)) for a in arrays))
    assert float(norm) == pytest.approx(ref, rel=1e-6)
    assert nk.global_l2_norm([x, np.ones(2)]).dtype == np.float64
    assert float(nk.global_l2_norm([])) == 0.0


def test_accuracy_counts():
    p = RNG.normal(size=(50, 4))
    labels = RNG.integers(0, 4, size=50)
    want = int(np.sum(p.argmax(-1) == labels))
    got = nk.accuracy_count(labels, p, "sparse")
    assert got.shape == () and got.dtype == np.int64 and int(got) == want
    assert int(nk.accuracy_count(labels.astype(np.float32), p, "sparse")) == want
    assert int(nk.accuracy_count(np.eye(4)[labels], p, "categorical")) == want
    pb = RNG.uniform(size=(10, 3))
    tb = RNG.integers(0, 2, size=(10, 3))
    assert int(nk.accuracy_count(tb, pb, "binary")) == int(np.sum((pb > 0.5) == tb))
    assert int(nk.accuracy_count(tb, pb, "binary", threshold=0.2)) == int(np.sum((pb > 0.2) == tb))


def test_validation_and_zero_size_inputs():
    with pytest.raises(ValueError, match="unknown accuracy kind 'top5'; expected one of: sparse"):
        nk.accuracy_count(np.zeros(2), np.zeros(2), "top5")
    with pytest.raises(ValueError, match="0-d"):
        nk.sum_batch(np.float32(1.0))
    with pytest.raises(TypeError, match="arrays\\[i\\]"):
        nk.global_l2_norm([np.ones(2, np.int32)])
    with pytest.raises(ValueError, match="same shape"):
        nk.accuracy_count(np.zeros((2, 3)), np.zeros((2, 4)), "binary")
    z = np.zeros((0, 4), np.float32)
    assert nk.sum_batch(z).shape == (4,) and not nk.sum_batch(z).any()
    assert int(nk.accuracy_count(np.zeros(0, np.int64), z, "sparse")) == 0
    assert int(nk.accuracy_count(z, z, "categorical")) == 0
    assert float(nk.global_l2_norm([z])) == 0.0


def test_float16_binary_accuracy_compares_in_float16_as_keras():
    # Keras: ops.cast(threshold, y_pred.dtype); float16(0.3) = 0.30005 is not above itself
    t = np.array([0, 0, 1, 0], np.float16)
    p = np.array([0.3, 0.2998, 0.5, 0.1], np.float16)
    assert int(nk.accuracy_count(t, p, "binary", 0.3)) == 4
    keras_style = (p > np.float16(0.3)).astype(np.float16) == t
    assert int(np.count_nonzero(keras_style)) == 4


def test_float16_sums_round_once_from_float64():
    # 1 + 2**-11 + 2**-24 lies just above the midpoint of 1 and 1 + 2**-10: one rounding goes up;
    # rounding through float32 first lands on the midpoint and ties to even, 1.0
    x = np.array([[1.0], [2.0**-11], [2.0**-24]], np.float16)
    assert nk.sum_batch(x)[0] == np.float16(1 + 2.0**-10)
    assert np.float16(np.float32(1 + 2.0**-11 + 2.0**-24)) == np.float16(1.0)
