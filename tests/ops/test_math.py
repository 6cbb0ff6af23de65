"""ops.math: segment reductions, top_k / in_top_k, logsumexp, erf / erfinv, rsqrt and
extract_sequences: values against NumPy (scipy where importable), gradients, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from ._helpers import draws

R = np.random.default_rng(31)
_draw = draws(R)
anyv, distinct = _draw.anyv, _draw.distinct


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, want, tol=1e-10):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# ---- segment reductions -------------------------------------------------------------------------

def test_segments(device):
    data = np.array([1.0, 2.0, 10.0, 20.0, 100.0, 200.0])
    ids = np.array([0, 0, 1, 1, 2, 2])
    close(ops.segment_max(t(data, device), t(ids, device), 3), [2, 20, 200])  # Keras' example
    close(ops.segment_sum(t(data, device), t(ids, device)), [3, 30, 300])
    d2 = R.uniform(-1, 1, (5, 3))
    ids2 = np.array([3, -1, 0, 3, 0])
    want = np.zeros((5, 3))
    for i, s in enumerate(ids2):
        if s >= 0:
            want[s] += d2[i]
    close(ops.segment_sum(t(d2, device), t(ids2, device), 5), want)
    mx = ops.segment_max(t(d2, device), t(ids2, device), 5).numpy()
    assert np.all(np.isneginf(mx[[1, 2, 4]]))  # empty segments
    close(mx[3], np.maximum(d2[0], d2[3]))
    ints = ops.segment_max(t(np.array([1, 5, 3]), device), t(np.array([0, 0, 2]), device), 3)
    np.testing.assert_array_equal(ints.numpy(), [5, np.iinfo(np.int64).min, 3])
    # N-D segment ids cover data's leading dimensions
    close(ops.segment_sum(t(np.ones((2, 2, 3)), device), t(np.array([[0, 1], [1, 1]]), device)),
          [[1, 1, 1], [3, 3, 3]])


def test_segment_max_gradient_goes_to_first_tie():
    d = cf.Tensor(np.array([[3.0, 1.0], [3.0, 2.0], [1.0, 2.0]]), requires_grad=True)
    with cf.GradientTape() as tape:
        y = ops.segment_max(d, np.array([0, 0, 0]), 1).sum()
    (g,) = tape.gradient(y, [d])
    np.testing.assert_array_equal(g.numpy(), [[1, 0], [0, 1], [0, 0]])


def test_segment_errors():
    with pytest.raises(ValueError, match="out of range for num_segments=2"):
        ops.segment_sum(cf.Tensor(np.ones(3)), np.array([0, 1, 2]), 2)
    with pytest.raises(ValueError, match="leading dimension"):
        ops.segment_max(cf.Tensor(np.ones(3)), np.array([0, 1]))
    with pytest.raises(TypeError, match="integers"):
        ops.segment_sum(cf.Tensor(np.ones(3)), np.array([0.0, 1.0, 1.0]))


# ---- top_k, in_top_k, logsumexp -----------------------------------------------------------------

def test_top_k(device):
    x = distinct(3, 5)
    with cf.device(device):
        vals, idx = ops.top_k(t(x, device), 2)
        want = np.argsort(-x, axis=-1)[:, :2]
        np.testing.assert_array_equal(idx.numpy(), want)
        np.testing.assert_array_equal(vals.numpy(), np.take_along_axis(x, want, -1))
        assert not idx.requires_grad and idx.dtype.kind == "i"
        ties = ops.top_k(np.array([1.0, 3.0, 2.0, 3.0]), 3)[1].tolist()
        assert ties == [1, 3, 2]  # ties keep the lower index first
    check_gradients(lambda a: ops.top_k(a, 3)[0], [x], device=device)
    with pytest.raises(ValueError, match="received 6"):
        ops.top_k(x, 6)


def test_in_top_k(device):
    pred = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, np.nan, 0.05, 0.3], [0.3, 0.2, 0.1, 0.4]])
    out = ops.in_top_k(t(np.array([2, 1, 0]), device), t(pred, device), 1).numpy()
    np.testing.assert_array_equal(out, [True, False, False])  # a tie counts in; NaN never
    out = ops.in_top_k(t(np.array([2, 3, 0]), device), t(pred, device), 2).numpy()
    np.testing.assert_array_equal(out, [True, True, True])
    with pytest.raises(IndexError, match="out of range"):
        ops.in_top_k(np.array([4, 0, 0]), cf.Tensor(pred), 1)


# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
    ("logsumexp", lambda a: ops.logsumexp(a, axis=-1),
     lambda a: np.log(np.exp(a).sum(-1)), [anyv(3, 4)]),
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


# ---- erf, erfinv, rsqrt -------------------------------------------------------------------------

UNARY = [
    ("erf", ops.erf, np.vectorize(math.erf), anyv(2, 3)),
]


@pytest.mark.parametrize("name,fn,ref,x", UNARY, ids=[c[0] for c in UNARY])
def test_unary_math(name, fn, ref, x, device):
    with cf.device(device):
        np.testing.assert_allclose(fn(t(x, device)).numpy(), ref(x), rtol=1e-6, atol=1e-12)
    check_gradients(fn, [x], device=device)


def test_erfinv(device):
    y = np.array([-0.5, -0.2, -0.1, 0.0, 0.3])
    close(ops.erfinv(t(y, device)), [-0.47694, -0.17914, -0.08886, 0.0, 0.27246], 1e-5)
    grid = np.concatenate([np.linspace(-0.999999, 0.999999, 801), [1 - 1e-12, -1 + 1e-15, 1e-300]])
    got = ops.erfinv(t(grid, device)).numpy()
    for v, x in zip(grid, got):  # erf(erfinv(y)) == y to rounding; erfc keeps the tails exact
        if abs(v) > 0.5:
            assert math.isclose(math.erfc(abs(x)), 1 - abs(v), rel_tol=1e-13)
        else:
            assert math.isclose(math.erf(x), v, rel_tol=1e-14, abs_tol=1e-300)
    edge = ops.erfinv(t(np.array([1.0, -1.0, 1.5, np.nan]), device)).numpy()
    assert edge[0] == np.inf and edge[1] == -np.inf and np.isnan(edge[2:]).all()
    special = pytest.importorskip("scipy.special")
    close(got, special.erfinv(grid), 1e-13)


def test_rsqrt(device):
    x = R.uniform(0.5, 2.0, (2, 3))
    close(ops.rsqrt(t(x, device)), 1 / np.sqrt(x))
    check_gradients(ops.rsqrt, [x], device=device)


# ---- framing ------------------------------------------------------------------------------------

def test_extract_sequences(device):
    x = np.arange(20.0).reshape(2, 10)
    out = ops.extract_sequences(t(x, device), 4, 3).numpy()
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out[1, 2], x[1, 6:10])
    np.testing.assert_array_equal(ops.extract_sequences(t(np.arange(7), device), 2, 2).numpy(),
                                  [[0, 1], [2, 3], [4, 5]])


def test_extract_sequences_errors():
    x = cf.Tensor(np.ones((2, 4)))
    with pytest.raises(ValueError, match="sequence_stride"):
        ops.extract_sequences(x, 2, 0)


def test_erfc_and_cdist():
    import math

    def sp_cdist(a, b):  # float64 reference: Euclidean distance of every pair of rows
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    x = np.array([-1e5, -3.0, 0.0, 1e-5, 5.0, 20.0])
    np.testing.assert_allclose(ops.erfc(x).numpy(), [math.erfc(v) for v in x], rtol=1e-13)
    assert ops.erfc(np.arange(3)).dtype == np.float32  # integers promote, as Keras
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(ops.cdist(a, b).numpy(), sp_cdist(a, b), rtol=1e-12)
    batched = ops.cdist(np.stack([a, a]), np.stack([b, b])).numpy()
    np.testing.assert_allclose(batched[1], sp_cdist(a, b), rtol=1e-12)
    check_gradients(ops.cdist, [a, b])
    check_gradients(ops.erfc, [rng.uniform(-2, 2, (3, 4))])
    with pytest.raises(ValueError, match="Last dimension of inputs to `cdist` must match"):
        ops.cdist(a, rng.normal(size=(5, 4)))
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.cdist(a[0], b)


def test_logsumexp_defaults_to_all_axes():
    x = np.random.default_rng(4).normal(size=(3, 4))
    np.testing.assert_allclose(ops.logsumexp(x).numpy(), np.log(np.exp(x).sum()), rtol=1e-12)
