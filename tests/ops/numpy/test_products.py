"""ops.numpy.products: matmul (batched, broadcast, vectors, non-contiguous), einsum, tensordot,
outer, vdot, kron, cross and correlate against NumPy with float64 gradients."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, draws, t

R = np.random.default_rng(11)
_draw = draws(R)
anyv, pos, distinct, noncontig = _draw.anyv, _draw.pos, _draw.distinct, _draw.noncontig


# ---- matmul -------------------------------------------------------------------------------------

# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
    ("matmul", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(3, 4), anyv(4, 5)]),
    ("matmul_nc", lambda a, b: a @ b, lambda a, b: a @ b, [noncontig(3, 4), noncontig(4, 2)]),
    ("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(2, 3, 4), anyv(4, 5)]),
    ("matmul_bcast", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(2, 1, 3, 4), anyv(5, 4, 2)]),
    ("matmul_vec", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(4), anyv(4, 3)]),
    ("matmul_matvec", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(2, 4), anyv(4)]),
    ("composite", lambda w, x, b: ops.mean((x @ w + b)[:, 1:] ** 2, axis=0),
     lambda w, x, b: ((x @ w + b)[:, 1:] ** 2).mean(0), [anyv(3, 4), anyv(5, 3), anyv(4)]),
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


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


# ---- vectors ------------------------------------------------------------------------------------

def test_correlate_kron_cross_vdot(device):
    for n, m in ((5, 3), (3, 5), (4, 4), (1, 3), (2, 7)):
        a, v = R.normal(size=n), R.normal(size=m)
        for mode in ("valid", "same", "full"):
            close(ops.correlate(t(a, device), t(v, device), mode), np.correlate(a, v, mode))
    a, b = R.normal(size=(2, 3)), R.normal(size=(3, 2, 2))
    close(ops.kron(t(a, device), t(b, device)), np.kron(a, b))
    close(ops.kron(t(a[0], device), t(b[0, 0], device)), np.kron(a[0], b[0, 0]))
    u, w = R.normal(size=(4, 3)), R.normal(size=(4, 3))
    close(ops.cross(t(u, device), t(w, device)), np.cross(u, w))
    close(ops.cross(t(u.T, device), t(w.T, device), axis=0), np.cross(u.T, w.T, axis=0))
    close(ops.cross(t(u[:, :2], device), t(w[:, :2], device)),
          u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0])
    close(ops.vdot(t(a, device), t(a.T, device)), np.vdot(a, a.T))


def test_product_errors():
    with pytest.raises(ValueError, match="mode must be"):
        ops.correlate(t([1.0]), t([1.0]), "nope")
    with pytest.raises(ValueError, match="2 or 3 components"):
        ops.cross(t(np.ones(4)), t(np.ones(4)))
    with pytest.raises(ValueError, match="inner dimensions 3 and 4 differ"):
        ops.matmul(np.ones((2, 3)), np.ones((4, 2)))


def test_dot_follows_numpy():
    rng = np.random.default_rng(5)
    for sa, sb in (((2, 3, 4), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 3, 4), (4,)),
                   ((2, 3, 4), (5, 4, 6)), ((2, 3), (3, 4)), ((3,), (3, 4))):
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        np.testing.assert_allclose(ops.dot(a, b).numpy(), np.dot(a, b), rtol=1e-12)
    check_gradients(ops.dot, [rng.normal(size=(2, 3, 4)), rng.normal(size=(5, 4, 2))])
