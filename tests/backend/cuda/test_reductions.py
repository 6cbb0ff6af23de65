"""Reductions on the GPU (backend/cuda/reductions.py, ``kernels/reductions.cu``) against their
NumPy twins: launches checked against the compiled signatures on the CPU, and on a GPU batch
sums, global norms and accuracy counts of every kind."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import reductions as gk
from cuflow.backend.numpy import reductions as nk

from . import _fake_device as fd
from ._gpu import DTYPES, RNG, Dev, assert_twin, values, variants

LAUNCH_DTYPES = ["float32", "float64", "float16"]


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", LAUNCH_DTYPES)
@pytest.mark.parametrize("shape", [(1,), (7, 3), (300, 70), (100000, 2)])
def test_reduction_launches(checker, dtype, shape):
    x = fd.device_array(_rand(shape, dtype))
    assert gk.sum_batch(x).shape == shape[1:]
    out = gk.global_l2_norm([x, fd.device_array(_rand((33,), dtype)),
                             fd.device_array(np.zeros((0,), dtype))])
    assert out.shape == () and str(out.dtype) == ("float64" if dtype == "float64" else
                                                  "float32")


@pytest.mark.parametrize("label_dtype", ["int32", "int64"])
def test_accuracy_launches(checker, label_dtype):
    p = fd.device_array(_rand((9, 4), "float32"))
    labels = fd.device_array(np.arange(9) % 4, label_dtype)
    assert gk.accuracy_count(labels, p, "sparse").dtype == np.int64
    onehot = fd.device_array(np.eye(4, dtype=np.float32)[np.arange(9) % 4])
    gk.accuracy_count(onehot, p, "categorical")
    gk.accuracy_count(fd.device_array(np.ones((9, 4), np.float32)), p, "binary", 0.3)
    assert [e.split("<")[0] for e in checker.names()] == [
        "cf_accuracy_fwd", "cf_accuracy_fwd", "cf_binary_accuracy_fwd"]


def test_unknown_accuracy_kind_is_refused_before_any_launch():
    pytest.importorskip("cupy", reason="the CUDA wrappers import CuPy before checking names")
    with pytest.raises(ValueError, match="binary"):
        gk.accuracy_count(np.zeros(2), np.zeros(2), "top5")


# ---- on a GPU --------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(0, 3), (1,), (7, 3), (33, 1023), (2**20 + 3, 2), (5, 2**20)])
def test_reduction_kernels(shape, dtype):
    gk = Dev.mod()
    x = values(shape, dtype, specials=False)
    for _, xd in variants(x):
        assert_twin(Dev.get(gk.sum_batch(xd)), nk.sum_batch(x), dtype)
    arrays = [x, values((1023,), dtype), values((0,), dtype)]
    got = gk.global_l2_norm([Dev.put(a) for a in arrays])
    assert got.shape == ()
    assert_twin(Dev.get(got), nk.global_l2_norm(arrays), np.float32)
    assert_twin(Dev.get(gk.global_l2_norm([Dev.put(x), Dev.put(np.ones(3))])),
                nk.global_l2_norm([x, np.ones(3)]), np.float64)


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(0, 4), (1, 1), (7, 3), (1023, 33), (2**20 + 3, 4)])
def test_accuracy_kernels(shape):
    gk = Dev.mod()
    p = values(shape, np.float32, specials=False)
    labels = RNG.integers(0, shape[-1], shape[0])
    onehot = np.eye(shape[-1], dtype=np.float32)[labels]
    for lab in (labels, labels.astype(np.int32), labels.astype(np.float32)):
        got = gk.accuracy_count(Dev.put(lab), Dev.put(p), "sparse")
        assert got.dtype == np.int64 and got.shape == ()
        assert int(Dev.get(got)) == int(nk.accuracy_count(lab, p, "sparse"))
    assert int(Dev.get(gk.accuracy_count(Dev.put(onehot), Dev.put(p), "categorical"))) == \
        int(nk.accuracy_count(onehot, p, "categorical"))
    tb = RNG.integers(0, 2, shape)
    assert int(Dev.get(gk.accuracy_count(Dev.put(tb), Dev.put(p), "binary", 0.1))) == \
        int(nk.accuracy_count(tb, p, "binary", 0.1))


FLOAT16_CASES = [
    # Keras compares in y_pred's dtype: float16(0.3) = 0.30005 is not above float16(0.3)
    ("binary", np.array([0, 0, 1, 0], np.float16), np.array([0.3, 0.2998, 0.5, 0.1], np.float16)),
]


@pytest.mark.gpu
def test_float16_kernels_agree_with_the_twins_bit_for_bit():
    gk = Dev.mod()
    for kind, t, p in FLOAT16_CASES:
        got = gk.accuracy_count(Dev.put(t), Dev.put(p), kind, 0.3)
        assert int(Dev.get(got)) == int(nk.accuracy_count(t, p, kind, 0.3)) == 4
    # 1 + 2**-11 + 2**-24: one rounding from double gives 1 + 2**-10; through float, 1.0
    x = np.array([[1.0], [2.0**-11], [2.0**-24]], np.float16)
    want = nk.sum_batch(x)
    assert want[0] == np.float16(1 + 2.0**-10)
    got = Dev.get(gk.sum_batch(Dev.put(x)))
    assert got.dtype == np.float16 and got.tobytes() == want.tobytes()
    # the Dense epilogue's bias gradient sums the same way (linear: dz = dy)
    _, db = gk.bias_activation_backward("linear", None, Dev.put(x), Dev.put(x))
    assert Dev.get(db).tobytes() == want.tobytes()
