"""ops.numpy.shape: reshape, transpose, expand / squeeze, concatenate / stack, pad, tile,
moveaxis / swapaxes, broadcast_to, ravel, hstack / vstack / append, meshgrid."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, draws, t

R = np.random.default_rng(7)
_draw = draws(R)
anyv, pos, distinct, noncontig = _draw.anyv, _draw.pos, _draw.distinct, _draw.noncontig


# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
    ("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), [noncontig(2, 6)]),
    ("transpose", lambda a: ops.transpose(a, (2, 0, 1)), lambda a: a.transpose(2, 0, 1),
     [anyv(2, 3, 4)]),
    ("T", lambda a: a.T, lambda a: a.T, [anyv(2, 3)]),
    ("expand_dims", lambda a: ops.expand_dims(a, 1), lambda a: a[:, None], [anyv(3, 2)]),
    ("squeeze", lambda a: ops.squeeze(a, 1), lambda a: a[:, 0], [anyv(3, 1, 2)]),
    ("concat", lambda a, b: ops.concatenate([a, b], axis=1),
     lambda a, b: np.concatenate([a, b], 1), [anyv(2, 3), anyv(2, 1)]),
    ("stack", lambda a, b: ops.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1),
     [anyv(2, 3), anyv(2, 3)]),
    ("pad", lambda a: ops.pad(a, [[1, 0], [2, 1]]), lambda a: np.pad(a, [[1, 0], [2, 1]]),
     [anyv(2, 3)]),
    ("pad_reflect", lambda a: ops.pad(a, [[1, 1]], mode="reflect"),
     lambda a: np.pad(a, [[1, 1]], mode="reflect"), [anyv(4)]),
    ("tile", lambda a: ops.tile(a, (2, 3)), lambda a: np.tile(a, (2, 3)), [anyv(2, 2)]),
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


REARRANGE = [
    ("moveaxis", lambda a: ops.moveaxis(a, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    ("moveaxis2", lambda a: ops.moveaxis(a, (0, 1), (2, 0)),
     lambda a: np.moveaxis(a, (0, 1), (2, 0))),
    ("swapaxes", lambda a: ops.swapaxes(a, 0, 2), lambda a: np.swapaxes(a, 0, 2)),
    ("broadcast_to", lambda a: ops.broadcast_to(a[:, :1], (3, 2, 3, 4)),
     lambda a: np.broadcast_to(a[:, :1], (3, 2, 3, 4))),
    ("ravel", ops.ravel, np.ravel),
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


def test_broadcast_to_errors():
    x = np.arange(12.0).reshape(3, 4)
    with pytest.raises(ValueError, match=r"\(3, 4\) to \(2, 4\)"):
        ops.broadcast_to(x, (2, 4))


def test_meshgrid(device):
    for indexing in ("xy", "ij"):
        got = ops.meshgrid(t(np.arange(2.0), device), t(np.arange(3.0), device),
                           t(np.arange(4.0), device), indexing=indexing)
        ref = np.meshgrid(np.arange(2.0), np.arange(3.0), np.arange(4.0), indexing=indexing)
        for g, r in zip(got, ref):
            close(g, r)


def test_keras_pad_and_tile_forms():
    x = np.arange(6.0).reshape(2, 3)
    for pw in (1, (1, 2), ((1, 2), (3, 4)), [[1, 1]]):
        np.testing.assert_array_equal(ops.pad(x, pw).numpy(), np.pad(x, pw))
    np.testing.assert_array_equal(ops.pad(x, 1, constant_values=None).numpy(), np.pad(x, 1))
    np.testing.assert_array_equal(ops.pad(x, 1, mode="reflect").numpy(),
                                  np.pad(x, 1, mode="reflect"))
    with pytest.raises(ValueError, match="`constant_values` can only be provided when"):
        ops.pad(x, 1, mode="symmetric", constant_values=2)
    for reps in (2, (2,), (2, 1), (2, 1, 3)):
        np.testing.assert_array_equal(ops.tile(x, reps).numpy(), np.tile(x, reps))
    check_gradients(lambda t: ops.tile(t, (2, 1, 2)), [np.random.default_rng(0).normal(
        size=(2, 3))])
    with pytest.raises(ValueError, match="non-negative integer or -1.*newshape=\\(-2, 5\\)"):
        ops.reshape(np.zeros(10), (-2, 5))
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        ops.reshape(np.zeros(10), (-1, -1))
