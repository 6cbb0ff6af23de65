"""The keras.ops surface beyond the core ops: creation, einsum, math, sorting, indexing.

Forward values against NumPy, float64 central-difference gradients for the differentiable ops,
and errors that name what was received.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(11)


def anyv(*shape):
    return R.uniform(-2.0, 2.0, size=shape)


def pos(*shape):
    return R.uniform(0.5, 2.0, size=shape)


def distinct(*shape):
    n = int(np.prod(shape))
    return (R.permutation(n).astype(np.float64) / n * 4 - 2 + 0.01).reshape(shape)


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


# ---- creation and shape queries -----------------------------------------------------------------

def test_creation_values_dtypes_and_device(device):
    with cf.device(device):
        assert ops.zeros((2, 3)).dtype == np.float32 and ops.zeros((2, 3)).device == device
        np.testing.assert_array_equal(ops.ones(3, dtype="int32").numpy(), np.ones(3, "int32"))
        np.testing.assert_array_equal(ops.full((2,), 7).numpy(), [7, 7])
        assert ops.full((2,), 7).dtype == np.int32 and ops.full((2,), 0.5).dtype == np.float32
        x = ops.convert_to_tensor(np.arange(6.0).reshape(2, 3))
        assert x.dtype == np.float64 and ops.convert_to_tensor(x) is x
        assert ops.convert_to_tensor([1, 2], dtype="float32").dtype == np.float32
        np.testing.assert_array_equal(ops.zeros_like(x).numpy(), np.zeros((2, 3)))
        assert ops.ones_like(x, dtype="int64").dtype == np.int64
        np.testing.assert_array_equal(ops.full_like(x, 3).numpy(), np.full((2, 3), 3.0))
        a = ops.arange(5)
        assert a.dtype == np.int32 and a.tolist() == [0, 1, 2, 3, 4]
        np.testing.assert_allclose(ops.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
        assert ops.arange(0, 1, 0.25).dtype == np.float32
        np.testing.assert_allclose(ops.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
        np.testing.assert_array_equal(ops.eye(3, 4, k=1).numpy(), np.eye(3, 4, 1))
        np.testing.assert_array_equal(ops.identity(2).numpy(), np.eye(2))
        np.testing.assert_array_equal(ops.tri(3).numpy(), np.tri(3))
        assert ops.shape(x) == (2, 3) and ops.size(x) == 6 and ops.ndim(x) == 2
        assert ops.shape(np.zeros((4, 1))) == (4, 1) and ops.dtype(x) == "float64"
        assert ops.is_tensor(x) and not ops.is_tensor(np.zeros(1))


def test_creation_errors():
    with pytest.raises(ValueError, match=r"\(2, -1\)"):
        ops.zeros((2, -1))
    with pytest.raises(TypeError, match="'abc'"):
        ops.ones("abc")
    with pytest.raises(ValueError, match="step=0"):
        ops.arange(0, 3, 0)
    with pytest.raises(TypeError, match="complex"):
        ops.zeros(2, dtype="complex64")
    with pytest.raises(TypeError, match="N must be an int; received inf"):
        ops.tri(float("inf"))
    with pytest.raises(TypeError, match="stop must be a finite number"):
        ops.arange(0, float("inf"))
    with pytest.raises(ValueError, match="axis 2147483648"):
        ops.linspace(0.0, 1.0, 3, axis=2 ** 31)
    with pytest.raises(cf.OutOfMemoryError):
        ops.ones((2 ** 40,))


# ---- einsum, tensordot, outer -------------------------------------------------------------------

EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ij->i", [(3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,jk", [(3, 4), (4, 2)]),
    ("...ij,jk->...ik", [(2, 3, 3, 4), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("bqhd,bkhd->bhqk", [(2, 3, 2, 4), (2, 5, 2, 4)]),
    ("iij,jk->ik", [(3, 3, 4), (4, 2)]),
    ("ij,kl->", [(2, 3), (3, 2)]),
    ("ij,j->i", [(3, 1), (4,)]),
    ("...,...->...", [(2, 1), (3,)]),
]


@pytest.mark.parametrize("subscripts,shapes", EINSUM, ids=[c[0] for c in EINSUM])
def test_einsum_values_and_gradients(subscripts, shapes, device):
    arrays = [anyv(*s) for s in shapes]
    with cf.device(device):
        got = ops.einsum(subscripts, *[t(a, device) for a in arrays])
    np.testing.assert_allclose(got.numpy(), np.einsum(subscripts, *arrays), rtol=1e-10,
                               atol=1e-12)
    check_gradients(lambda *ts: ops.einsum(subscripts, *ts), arrays, device=device)


def test_einsum_float32_and_int():
    a, b = anyv(3, 4).astype("float32"), anyv(4, 2).astype("float32")
    assert ops.einsum("ij,jk->ik", a, b).dtype == np.float32
    ia, ib = np.arange(6).reshape(2, 3), np.arange(3)
    np.testing.assert_array_equal(ops.einsum("ij,j->i", ia, ib).numpy(), ia @ ib)


@pytest.mark.parametrize("subscripts,shapes,match", [
    ("ij,jk->il", [(2, 3), (3, 2)], "'l'"),
    ("ij,jk", [(2, 3), (2, 3)], "label 'j'"),
    ("i1->i", [(2, 2)], "invalid subscripts 'i1->i'"),
    ("ij,jk->ik", [(2, 3)], "received 1"),
    ("ijk->i", [(2, 3)], "rank 2"),
    ("...i->i", [(2, 3)], "no '...'"),
    ("ij->ii", [(2, 2)], "repeat"),
])
def test_einsum_errors(subscripts, shapes, match):
    with pytest.raises(ValueError, match=match):
        ops.einsum(subscripts, *[np.ones(s) for s in shapes])
    with pytest.raises(TypeError, match="received 3"):
        ops.einsum(3, np.ones(2))


def test_tensordot_and_outer(device):
    a, b = anyv(2, 3, 4), anyv(4, 3, 5)
    with cf.device(device):
        got = ops.tensordot(t(a, device), t(b, device), axes=([1, 2], [1, 0]))
        np.testing.assert_allclose(got.numpy(), np.tensordot(a, b, axes=([1, 2], [1, 0])))
        got = ops.tensordot(t(a[0], device), t(a[1], device), axes=2)
        np.testing.assert_allclose(got.numpy(), np.tensordot(a[0], a[1], axes=2))
        np.testing.assert_allclose(ops.outer(a[0], b[0]).numpy(), np.outer(a[0], b[0]))
    check_gradients(lambda x, y: ops.tensordot(x, y, axes=([1, 2], [1, 0])), [a, b],
                    device=device)
    check_gradients(lambda x, y: ops.tensordot(x, y, axes=1), [anyv(2, 3), anyv(3, 2)],
                    device=device)
    check_gradients(ops.outer, [anyv(2, 2), anyv(3)], device=device)
    with pytest.raises(ValueError, match="differ in size"):
        ops.tensordot(a, b, axes=([1], [0]))


# ---- elementwise math ---------------------------------------------------------------------------

UNARY = [
    ("tan", ops.tan, np.tan, R.uniform(-1, 1, (3, 2))),
    ("arctan", ops.arctan, np.arctan, anyv(4)),
    ("arcsin", ops.arcsin, np.arcsin, R.uniform(-0.8, 0.8, 4)),
    ("arccos", ops.arccos, np.arccos, R.uniform(-0.8, 0.8, 4)),
    ("sinh", ops.sinh, np.sinh, anyv(2, 3)),
    ("cosh", ops.cosh, np.cosh, anyv(2, 3)),
    ("arcsinh", ops.arcsinh, np.arcsinh, anyv(3)),
    ("arccosh", ops.arccosh, np.arccosh, pos(3) + 1),
    ("arctanh", ops.arctanh, np.arctanh, R.uniform(-0.8, 0.8, 3)),
    ("log2", ops.log2, np.log2, pos(3)),
    ("log10", ops.log10, np.log10, pos(3)),
    ("exp2", ops.exp2, np.exp2, anyv(3)),
    ("erf", ops.erf, np.vectorize(math.erf), anyv(2, 3)),
    ("log_sigmoid", ops.log_sigmoid, lambda a: -np.log1p(np.exp(-a)), anyv(4)),
    ("absolute", ops.absolute, np.abs, distinct(4)),
]


@pytest.mark.parametrize("name,fn,ref,x", UNARY, ids=[c[0] for c in UNARY])
def test_unary_math(name, fn, ref, x, device):
    with cf.device(device):
        np.testing.assert_allclose(fn(t(x, device)).numpy(), ref(x), rtol=1e-6, atol=1e-12)
    check_gradients(fn, [x], device=device)


def test_binary_math(device):
    a, b = anyv(3, 4), pos(4)
    with cf.device(device):
        np.testing.assert_allclose(ops.arctan2(a, b).numpy(), np.arctan2(a, b))
        np.testing.assert_allclose(ops.logaddexp(a, b).numpy(), np.logaddexp(a, b))
        np.testing.assert_allclose(ops.mod(a, b).numpy(), np.mod(a, b))
        np.testing.assert_allclose(ops.floor_divide(a, b).numpy(), np.floor_divide(a, b))
        z = np.array([1.0, 0.0, 2.0])
        np.testing.assert_allclose(ops.divide_no_nan(np.ones(3), z).numpy(), [1.0, 0.0, 0.5])
        y = ops.nan_to_num(np.array([np.nan, np.inf, 1.0]), posinf=5.0)
        np.testing.assert_allclose(y.numpy(), [0.0, 5.0, 1.0])
    for fn in (ops.arctan2, ops.logaddexp, ops.mod):
        check_gradients(fn, [a, b], device=device)
    # x2 == 0 is a jump, so only x1's gradient is checked there (it must be 0, not NaN)
    check_gradients(lambda x: ops.divide_no_nan(x, np.array([1.0, 0.0, 2.0])), [anyv(3)],
                    device=device)


def test_logic_and_predicates(device):
    a = np.array([[1.0, np.nan, np.inf], [0.0, -np.inf, 2.0]])
    with cf.device(device):
        x = t(a, device)
        np.testing.assert_array_equal(ops.isnan(x).numpy(), np.isnan(a))
        np.testing.assert_array_equal(ops.isinf(x).numpy(), np.isinf(a))
        np.testing.assert_array_equal(ops.isfinite(x).numpy(), np.isfinite(a))
        p, q = np.array([True, False, True]), np.array([True, True, False])
        np.testing.assert_array_equal(ops.logical_and(p, q).numpy(), p & q)
        np.testing.assert_array_equal(ops.logical_or(p, q).numpy(), p | q)
        np.testing.assert_array_equal(ops.logical_xor(p, q).numpy(), p ^ q)
        np.testing.assert_array_equal(ops.logical_not(p).numpy(), ~p)
        b = np.array([[0, 1, 2], [0, 0, 3]])
        np.testing.assert_array_equal(ops.any(b, axis=1).numpy(), b.any(1))
        np.testing.assert_array_equal(ops.all(b, axis=0).numpy(), b.all(0))
        assert bool(ops.any(b)) and not bool(ops.all(b))
        np.testing.assert_array_equal(ops.count_nonzero(b, axis=1).numpy(), [2, 1])
        assert int(ops.count_nonzero(b)) == 3
        np.testing.assert_array_equal(ops.isclose([1.0, 2.0], [1.0 + 1e-9, 2.1]).numpy(),
                                      [True, False])


# ---- reductions, scans, norms -------------------------------------------------------------------

def test_cumsum_cumprod(device):
    x = anyv(3, 4)
    with cf.device(device):
        np.testing.assert_allclose(ops.cumsum(t(x, device), axis=1).numpy(), np.cumsum(x, 1))
        np.testing.assert_allclose(ops.cumsum(t(x, device)).numpy(), np.cumsum(x))
        np.testing.assert_allclose(ops.cumprod(t(x, device), axis=0).numpy(), np.cumprod(x, 0))
        assert ops.cumsum(np.arange(4)).tolist() == [0, 1, 3, 6]
    check_gradients(lambda a: ops.cumsum(a, axis=0), [x], device=device)
    check_gradients(lambda a: ops.cumsum(a), [x], device=device)
    check_gradients(lambda a: ops.cumprod(a, axis=1), [x], device=device)
    with_zero = anyv(2, 5)
    with_zero[0, 1] = 0.0
    with_zero[1, 3] = 0.0
    check_gradients(lambda a: ops.cumprod(a, axis=-1), [with_zero], device=device)


NORMS = [
    (None, None), (None, 1), (1, 1), (np.inf, 0), (-np.inf, 1), (3, -1), (0.5, 1),
    ("fro", (0, 1)), (1, (0, 1)), (-1, (0, 1)), (np.inf, (0, 1)), (-np.inf, (1, 0)),
]


@pytest.mark.parametrize("order,axis", NORMS, ids=[f"{o}-{a}" for o, a in NORMS])
def test_norm(order, axis, device):
    x = distinct(3, 4)
    with cf.device(device):
        got = ops.norm(t(x, device), ord=order, axis=axis)
        keep = ops.norm(t(x, device), ord=order, axis=axis, keepdims=True)
    want = np.linalg.norm(x, ord=order, axis=axis)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(keep.numpy(), np.linalg.norm(x, ord=order, axis=axis,
                                                            keepdims=True), rtol=1e-10)
    check_gradients(lambda a: ops.norm(a, ord=order, axis=axis), [x], device=device)


def test_norm_errors_and_ord0():
    x = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(ops.norm(x, ord=0, axis=1).numpy(), [2, 1])
    with pytest.raises(ValueError, match="matrix ord=3 is not supported"):
        ops.norm(x, ord=3)
    np.testing.assert_allclose(ops.norm(x, ord="nuc").numpy(), np.linalg.norm(x, "nuc"))
    with pytest.raises(ValueError, match="rank 3"):
        ops.norm(np.ones((2, 2, 2)), ord=1)


def test_normalize_moments_average(device):
    x = anyv(3, 4)
    with cf.device(device):
        n = ops.normalize(t(x, device), axis=-1)
        np.testing.assert_allclose(n.numpy(), x / np.linalg.norm(x, axis=-1, keepdims=True))
        n1 = ops.normalize(t(x, device), axis=0, order=1)
        np.testing.assert_allclose(n1.numpy(), x / np.abs(x).sum(0, keepdims=True))
        m, v = ops.moments(t(x, device), axes=(0,))
        np.testing.assert_allclose(m.numpy(), x.mean(0))
        np.testing.assert_allclose(v.numpy(), x.var(0))
        w = pos(4)
        np.testing.assert_allclose(ops.average(t(x, device), axis=1, weights=w).numpy(),
                                   np.average(x, axis=1, weights=w))
    check_gradients(lambda a: ops.normalize(a, axis=0), [x], device=device)


# ---- sorting ------------------------------------------------------------------------------------

def test_sort_argsort_top_k(device):
    x = distinct(3, 5)
    with cf.device(device):
        np.testing.assert_array_equal(ops.sort(t(x, device)).numpy(), np.sort(x))
        np.testing.assert_array_equal(ops.sort(t(x, device), axis=0).numpy(), np.sort(x, 0))
        np.testing.assert_array_equal(ops.argsort(t(x, device)).numpy(), np.argsort(x))
        vals, idx = ops.top_k(t(x, device), 2)
        want = np.argsort(-x, axis=-1)[:, :2]
        np.testing.assert_array_equal(idx.numpy(), want)
        np.testing.assert_array_equal(vals.numpy(), np.take_along_axis(x, want, -1))
        assert not idx.requires_grad and idx.dtype.kind == "i"
        ties = ops.top_k(np.array([1.0, 3.0, 2.0, 3.0]), 3)[1].tolist()
        assert ties == [1, 3, 2]  # ties keep the lower index first
    check_gradients(lambda a: ops.sort(a, axis=-1), [x], device=device)
    check_gradients(lambda a: ops.top_k(a, 3)[0], [x], device=device)
    with pytest.raises(ValueError, match="received 6"):
        ops.top_k(x, 6)


# ---- indexing and rearranging -------------------------------------------------------------------

REARRANGE = [
    ("moveaxis", lambda a: ops.moveaxis(a, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    ("moveaxis2", lambda a: ops.moveaxis(a, (0, 1), (2, 0)),
     lambda a: np.moveaxis(a, (0, 1), (2, 0))),
    ("swapaxes", lambda a: ops.swapaxes(a, 0, 2), lambda a: np.swapaxes(a, 0, 2)),
    ("flip", lambda a: ops.flip(a, 1), lambda a: np.flip(a, 1)),
    ("flip_all", ops.flip, np.flip),
    ("roll", lambda a: ops.roll(a, 2, axis=2), lambda a: np.roll(a, 2, axis=2)),
    ("roll_flat", lambda a: ops.roll(a, -3), lambda a: np.roll(a, -3)),
    ("roll_multi", lambda a: ops.roll(a, (1, 2), axis=(0, 2)),
     lambda a: np.roll(a, (1, 2), axis=(0, 2))),
    ("repeat", lambda a: ops.repeat(a, 2, axis=1), lambda a: np.repeat(a, 2, axis=1)),
    ("repeat_list", lambda a: ops.repeat(a, [1, 0, 2], axis=1),
     lambda a: np.repeat(a, [1, 0, 2], axis=1)),
    ("repeat_flat", lambda a: ops.repeat(a, 2), lambda a: np.repeat(a, 2)),
    ("broadcast_to", lambda a: ops.broadcast_to(a[:, :1], (3, 2, 3, 4)),
     lambda a: np.broadcast_to(a[:, :1], (3, 2, 3, 4))),
    ("take", lambda a: ops.take(a, np.array([2, 0, -1]), axis=1),
     lambda a: np.take(a, [2, 0, -1], axis=1)),
    ("take_flat", lambda a: ops.take(a, np.array([[0, 5], [5, 23]])),
     lambda a: np.take(a, [[0, 5], [5, 23]])),
    ("take_along", lambda a: ops.take_along_axis(a, np.array([[[0, 3]], [[1, 1]]]), axis=2),
     lambda a: np.take_along_axis(a, np.array([[[0, 3]], [[1, 1]]]), axis=2)),
    ("slice", lambda a: ops.slice(a, (0, 1, 1), (2, 2, -1)), lambda a: a[0:2, 1:3, 1:]),
    ("unstack", lambda a: ops.unstack(a, axis=1)[2], lambda a: a[:, 2]),
    ("triu", lambda a: ops.triu(a, 1), lambda a: np.triu(a, 1)),
    ("tril", lambda a: ops.tril(a, -1), lambda a: np.tril(a, -1)),
    ("diagonal", lambda a: ops.diagonal(a, 1, 1, 2), lambda a: np.diagonal(a, 1, 1, 2)),
    ("trace", lambda a: ops.trace(a, -1, 0, 2), lambda a: np.trace(a, -1, 0, 2)),
    ("diag_vec", lambda a: ops.diag(a[0, 0], 1), lambda a: np.diag(a[0, 0], 1)),
    ("diag_mat", lambda a: ops.diag(a[0], -1), lambda a: np.diag(a[0], -1)),
    ("ravel", ops.ravel, np.ravel),
    ("diff", lambda a: ops.diff(a, 2, axis=2), lambda a: np.diff(a, 2, axis=2)),
    ("append", lambda a: ops.append(a, a, axis=0), lambda a: np.append(a, a, axis=0)),
    ("hstack", lambda a: ops.hstack([a[0], a[1]]), lambda a: np.hstack([a[0], a[1]])),
    ("vstack", lambda a: ops.vstack([a[0, 0], a[1, 1]]),
     lambda a: np.vstack([a[0, 0], a[1, 1]])),
]


@pytest.mark.parametrize("name,fn,ref", REARRANGE, ids=[c[0] for c in REARRANGE])
def test_rearranging_and_indexing(name, fn, ref, device):
    x = anyv(2, 3, 4)
    with cf.device(device):
        got = fn(t(x, device))
    np.testing.assert_allclose(got.numpy(), ref(x))
    assert got.device == device
    check_gradients(fn, [x], device=device)


def test_unstack_and_indexing_errors():
    x = np.arange(12.0).reshape(3, 4)
    parts = ops.unstack(x)
    assert len(parts) == 3 and parts[1].tolist() == [4, 5, 6, 7]
    with pytest.raises(IndexError, match="index 4 is out of range"):
        ops.take(x, np.array([4]), axis=0)
    with pytest.raises(TypeError, match="float64"):
        ops.take(x, np.array([0.5]))
    with pytest.raises(ValueError, match=r"\(3, 4\) to \(2, 4\)"):
        ops.broadcast_to(x, (2, 4))
    with pytest.raises(ValueError, match="size 4"):
        ops.slice(x, (0, 2), (1, 3))
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.triu(np.ones(3))
    with pytest.raises(ValueError, match="num=2"):
        ops.unstack(x, num=2)
    with pytest.raises(TypeError, match="shift must be an int"):
        ops.roll(x, float("inf"))
    # n beyond the axis size is empty (as NumPy), without looping n times
    assert ops.diff(x, n=2 ** 40, axis=1).shape == (3, 0)


# ---- Keras-named nn / loss functional forms -----------------------------------------------------

def test_one_hot_keras_and_tf_names(device):
    with cf.device(device):
        idx = t(np.array([0, 2, -1]), device)
        want = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]], dtype=np.float32)
        np.testing.assert_array_equal(ops.one_hot(idx, 3).numpy(), want)
        np.testing.assert_array_equal(ops.one_hot(idx, num_classes=3).numpy(), want)
        np.testing.assert_array_equal(ops.one_hot(indices=idx, depth=3).numpy(), want)
        np.testing.assert_array_equal(ops.one_hot(idx, 3, axis=0).numpy(), want.T)
        assert ops.one_hot(idx, 3, dtype="int32").dtype == np.int32
    with pytest.raises(ValueError, match="index 3 is out of range"):
        ops.one_hot(np.array([3]), 3)
    with pytest.raises(TypeError, match="float64"):
        ops.one_hot(np.array([1.0]), 3)


def test_crossentropy_functional_forms(device):
    y = np.array([0.0, 1.0, 1.0, 0.0])
    p = np.array([0.1, 0.9, 0.8, 0.2])
    probs = R.dirichlet(np.ones(4), size=3)
    onehot = np.eye(4)[[0, 3, 1]]
    logits = anyv(3, 4)
    with cf.device(device):
        bce = ops.binary_crossentropy(y, p)
        np.testing.assert_allclose(bce.numpy(), -(y * np.log(p) + (1 - y) * np.log(1 - p)),
                                   rtol=1e-6)
        cce = ops.categorical_crossentropy(onehot, probs)
        np.testing.assert_allclose(cce.numpy(), -np.log(probs[[0, 1, 2], [0, 3, 1]]),
                                   rtol=1e-6)
        scce = ops.sparse_categorical_crossentropy(np.array([0, 3, 1]), logits,
                                                   from_logits=True)
        lsm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        np.testing.assert_allclose(scce.numpy(), -lsm[[0, 1, 2], [0, 3, 1]], rtol=1e-6)
    check_gradients(lambda a: ops.binary_crossentropy(y, a), [p], device=device)
    check_gradients(lambda a: ops.categorical_crossentropy(onehot, a, from_logits=True),
                    [logits], device=device)
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(3, 3\)"):
        ops.categorical_crossentropy(onehot, probs[:, :3])


def test_control_flow():
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 0) == 6
    assert ops.while_loop(lambda i: i < 5, lambda i: i + 2, 0) == 6
    assert ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1)) == (3, 8)
    assert ops.while_loop(lambda i: True, lambda i: i + 1, 0, maximum_iterations=4) == 4
