"""``kernels/reductions.cu`` run by the simulator through ``backend/cuda/reductions.py`` against
``backend/numpy/reductions.py``: batch sums (one chunk and several, 32-column block edges), the
global L2 norm over several arrays (block partials, the one-block finisher), accuracy counts
(sparse with int32/int64 labels, categorical, binary; per-thread and per-block rows), float16
bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import reductions as gk
from cuflow.backend.numpy import reductions as nk

from ._twin import DTYPES, assert_twin, both, get, put, values

SHAPES = [(1,), (7, 3), (33, 31), (40, 33), (2100, 5), (9, 2, 40)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_batch_and_norm(sim, dtype):
    for shape in SHAPES:
        x = values(shape, dtype, specials=False)
        for xd in both(x):
            assert_twin(get(gk.sum_batch(xd)), nk.sum_batch(x), dtype)
        arrays = [x, values((1023,), dtype), values((0,), dtype), values((5000,), dtype)]
        got = gk.global_l2_norm([put(a) for a in arrays])
        assert_twin(get(got), nk.global_l2_norm(arrays), np.float32)
        assert_twin(get(gk.global_l2_norm([put(x), put(np.ones(3))])),
                    nk.global_l2_norm([x, np.ones(3)]), np.float64)
    assert any("cf_sum_batch_fwd" in e and g[1] > 1 for _, e, g, *_ in sim.launches)


def test_special_values(sim):
    x = values((64, 3), np.float32)  # NaN, +-inf among them
    assert_twin(get(gk.sum_batch(put(x))), nk.sum_batch(x), np.float32)
    assert_twin(get(gk.global_l2_norm([put(x)])), nk.global_l2_norm([x]), np.float32)


@pytest.mark.parametrize("shape", [(1, 1), (300, 3), (70, 17), (9, 40), (5, 1100)])
def test_accuracy(sim, shape):
    rng = np.random.default_rng(sum(shape))
    for dtype in DTYPES:
        p = values(shape, dtype, specials=False)
        labels = rng.integers(0, shape[-1], shape[0])
        onehot = np.eye(shape[-1], dtype=dtype)[labels]
        for lab in (labels, labels.astype(np.int32)):
            got = gk.accuracy_count(put(lab), put(p), "sparse")
            assert int(get(got)) == int(nk.accuracy_count(lab, p, "sparse"))
        got = gk.accuracy_count(put(onehot), put(p), "categorical")
        assert int(get(got)) == int(nk.accuracy_count(onehot, p, "categorical"))
        tb = rng.integers(0, 2, shape).astype(dtype)
        for pd in both(p):
            got = gk.accuracy_count(put(tb), pd, "binary", 0.1)
            assert int(get(got)) == int(nk.accuracy_count(tb, p, "binary", 0.1))


def test_float16_bit_for_bit(sim):
    t = np.array([0, 0, 1, 0], np.float16)
    p = np.array([0.3, 0.2998, 0.5, 0.1], np.float16)
    assert int(get(gk.accuracy_count(put(t), put(p), "binary", 0.3))) == 4
    x = np.array([[1.0], [2.0**-11], [2.0**-24]], np.float16)
    got = get(gk.sum_batch(put(x)))
    assert got.tobytes() == nk.sum_batch(x).tobytes() == np.float16(1 + 2.0**-10).tobytes()
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(300, 37)) * 100).astype(np.float16)
    assert get(gk.sum_batch(put(x))).tobytes() == nk.sum_batch(x).tobytes()
