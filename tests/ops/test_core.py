"""ops.core: convert_to_tensor / cast / shape queries, scatter and slice updates, slice / unstack,
control flow (cond, switch, fori_loop, while_loop, map, associative_scan) and custom_gradient
wired into GradientTape."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from ._helpers import close, draws, t

R = np.random.default_rng(3)
_draw = draws(R)
anyv = _draw.anyv


# ---- tensors in and out -------------------------------------------------------------------------

def test_convert_to_tensor_and_shape_queries(device):
    with cf.device(device):
        x = ops.convert_to_tensor(np.arange(6.0).reshape(2, 3))
        assert x.dtype == np.float64 and ops.convert_to_tensor(x) is x
        assert ops.convert_to_tensor([1, 2], dtype="float32").dtype == np.float32
        assert ops.shape(x) == (2, 3) and ops.size(x) == 6 and ops.ndim(x) == 2
        assert ops.shape(np.zeros((4, 1))) == (4, 1) and ops.dtype(x) == "float64"
        assert ops.is_tensor(x) and not ops.is_tensor(np.zeros(1))


def test_cast_gradient_passes_through(device):
    x = cf.Tensor(np.arange(3.0), device=device, requires_grad=True)
    y = ops.cast(x, "float32").sum()
    y.backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3))


# ---- functional updates and slices --------------------------------------------------------------

def test_scatter_family(device):
    idx = np.array([[0, 1], [2, 0], [0, 1]])
    close(ops.scatter(t(idx, device), t([1.0, 2.0, 3.0], device), (3, 2)),
          [[0, 4], [0, 0], [2, 0]])  # duplicates sum, as tf.scatter_nd
    # duplicates: the last update wins
    close(ops.scatter_update(t(np.zeros((3, 2)), device), idx, t([1.0, 2.0, 3.0], device)),
          [[0, 3], [0, 0], [2, 0]])
    # the Keras docs' slice form: rows 1 and 3 replaced
    inputs = np.zeros((4, 3))
    out = ops.scatter_update(t(inputs, device), [[1], [3]], t(np.ones((2, 3)), device))
    close(out, [[0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 1]])
    assert not inputs.any()  # functional: the input is untouched
    close(ops.slice_update(t(np.zeros((3, 4)), device), (1, 1), t(np.ones((2, 2)), device)),
          [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0]])
    with pytest.raises(IndexError, match="out of range"):
        ops.scatter_update(t(np.zeros((2, 2)), device), [[2, 0]], t([1.0], device))
    with pytest.raises(ValueError, match="do not fit"):
        ops.slice_update(t(np.zeros((2, 2)), device), (1, 1), t(np.ones((2, 2)), device))
    with pytest.raises(ValueError, match="num_updates"):
        ops.scatter(t([[0, 0]], device), t([1.0, 2.0], device), (2, 2))


def test_scatter_update_gradient_goes_to_the_last_writer():
    x = cf.Variable(np.zeros((3, 2)))
    u = cf.Variable(np.array([1.0, 2.0, 3.0]))
    with cf.GradientTape() as tape:
        y = ops.sum(ops.scatter_update(x, [[0, 1], [2, 0], [0, 1]], u) * t(np.arange(6.0)
                                                                          .reshape(3, 2)))
    gx, gu = tape.gradient(y, [x, u])
    close(gx, [[0, 0], [2, 3], [0, 5]])
    close(gu, [0.0, 4.0, 1.0])


REARRANGE = [
    ("slice", lambda a: ops.slice(a, (0, 1, 1), (2, 2, -1)), lambda a: a[0:2, 1:3, 1:]),
    ("unstack", lambda a: ops.unstack(a, axis=1)[2], lambda a: a[:, 2]),
]


@pytest.mark.parametrize("name,fn,ref", REARRANGE, ids=[c[0] for c in REARRANGE])
def test_rearranging_and_indexing(name, fn, ref, device):
    x = anyv(2, 3, 4)
    with cf.device(device):
        got = fn(t(x, device))
    np.testing.assert_allclose(got.numpy(), ref(x))
    assert got.device == device
    check_gradients(fn, [x], device=device)


def test_unstack_and_slice_errors():
    x = np.arange(12.0).reshape(3, 4)
    parts = ops.unstack(x)
    assert len(parts) == 3 and parts[1].tolist() == [4, 5, 6, 7]
    with pytest.raises(ValueError, match="size 4"):
        ops.slice(x, (0, 2), (1, 3))
    with pytest.raises(ValueError, match="num=2"):
        ops.unstack(x, num=2)


# ---- control flow -------------------------------------------------------------------------------

def test_control_flow():
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 0) == 6
    assert ops.while_loop(lambda i: i < 5, lambda i: i + 2, 0) == 6
    assert ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1)) == (3, 8)
    assert ops.while_loop(lambda i: True, lambda i: i + 1, 0, maximum_iterations=4) == 4


def test_control_flow_and_scans(device):
    x = t([1.0, 2.0], device)
    close(ops.switch(5, [lambda a: a + 1, lambda a: a * 10], x), [10.0, 20.0])  # clamped
    close(ops.switch(-3, [lambda a: a + 1, lambda a: a * 10], x), [2.0, 3.0])
    close(ops.map(lambda r: ops.sum(r), t(np.arange(6.0).reshape(3, 2), device)), [1, 5, 9])
    out = ops.map(lambda d: {"s": d["a"] + d["b"]},
                  {"a": t(np.ones((2, 2)), device), "b": t(np.ones((2, 2)), device)})
    close(out["s"], 2 * np.ones((2, 2)))
    v = np.arange(1.0, 8.0)
    close(ops.associative_scan(lambda a, b: a + b, t(v, device)), np.cumsum(v))
    close(ops.associative_scan(lambda a, b: a + b, t(v, device), reverse=True),
          np.cumsum(v[::-1])[::-1])
    m = R.normal(size=(6, 2, 2))
    ref = [m[0]]
    for i in range(1, 6):
        ref.append(ref[-1] @ m[i])
    close(ops.associative_scan(ops.matmul, t(m, device)), np.stack(ref))
    s, p = ops.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]),
                                (t(v, device), t(v, device)))
    close(s, np.cumsum(v))
    close(p, np.cumprod(v))
    close(ops.associative_scan(lambda a, b: a + b, t(np.ones((2, 3)), device), axis=1),
          [[1, 2, 3], [1, 2, 3]])
    # keras.ops control flow that already existed stays available
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert ops.fori_loop(0, 3, lambda i, s: s + i, 0) == 3
    assert ops.while_loop(lambda i: i < 4, lambda i: i + 1, 0) == 4


# ---- gradients ----------------------------------------------------------------------------------

def test_custom_gradient_clipped_identity():
    @ops.custom_gradient
    def clip_grad(x):
        def grad(upstream):
            return ops.clip(upstream, -0.5, 0.5)

        return x * 1.0, grad

    x = cf.Variable(np.array([1.0, -2.0, 3.0]))
    with cf.GradientTape() as tape:
        y = ops.sum(clip_grad(x) * t([0.1, -4.0, 4.0]))
    (g,) = tape.gradient(y, [x])
    close(g, [0.1, -0.5, 0.5])
    close(clip_grad(x), [1.0, -2.0, 3.0])


def test_custom_gradient_log1pexp_is_stable():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):  # the Keras docs' form, backend-agnostic
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

        return ops.log(1 + e), grad

    x = cf.Variable(np.array([0.0, 2.0, 100.0]))
    with cf.GradientTape() as tape:
        y = ops.sum(log1pexp(x))
    (g,) = tape.gradient(y, [x])
    close(g, [0.5, 1 / (1 + np.exp(-2.0)), 1.0])
    assert np.isfinite(g.numpy()).all()


def test_custom_gradient_two_inputs_and_errors():
    @ops.custom_gradient
    def mul(a, b):
        return a * b, lambda g: (g * 2.0, None)

    a, b = cf.Variable(np.ones(2)), cf.Variable(np.ones(2))
    with cf.GradientTape() as tape:
        y = ops.sum(mul(a, b))
    ga, gb = tape.gradient(y, [a, b])
    close(ga, [2.0, 2.0])
    assert gb is None

    @ops.custom_gradient
    def bad(a):
        return a * 1.0

    with pytest.raises(TypeError, match=r"must return \(output, grad_fn\)"):
        bad(a)

    @ops.custom_gradient
    def wrong_shape(a):
        return a * 1.0, lambda g: ops.sum(g)

    with cf.GradientTape() as tape:
        y = ops.sum(wrong_shape(a))
    with pytest.raises(ValueError, match="gradient of shape"):
        tape.gradient(y, [a])
