"""More keras.ops names (ops/numpy_extra.py, nn_extra.py, core_extra.py): values against NumPy
(and PyTorch where importable), Keras documentation examples, errors, and custom_gradient wired
into GradientTape. The float64 gradient checks live in tests/reliability/grad_keras_ops_cases.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

R = np.random.default_rng(3)


def t(a, device="cpu"):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, ref, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), ref,
                               rtol=rtol, atol=atol)


# ---- numpy-style --------------------------------------------------------------------------------

def test_quantile_and_median_match_numpy(device):
    x = R.normal(size=(4, 5, 6))
    for q in (0.3, [0.0, 0.25, 0.5, 0.9, 1.0]):
        for method in ("linear", "lower", "higher", "midpoint", "nearest"):
            for axis in (None, 1, (0, 2)):
                for kd in (False, True):
                    # NumPy interpolates from the nearer end: last-bit differences
                    close(ops.quantile(t(x, device), q, axis=axis, method=method, keepdims=kd),
                          np.quantile(x, q, axis=axis, method=method, keepdims=kd), atol=1e-12,
                          rtol=1e-5)
    xs = np.arange(5.0)  # 'nearest' ties round half to even, as NumPy
    for q in (0.125, 0.375, 0.625, 0.875):
        close(ops.quantile(t(xs, device), q, method="nearest"),
              np.quantile(xs, q, method="nearest"))
    close(ops.median(t(x, device), axis=-1), np.median(x, axis=-1))
    close(ops.median(t(x[:, :, :5], device)), np.median(x[:, :, :5]))


def test_correlate_kron_cross_rot90_meshgrid(device):
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
    x = R.normal(size=(2, 3, 4))
    for k in range(-1, 5):
        close(ops.rot90(t(x, device), k, (2, 0)), np.rot90(x, k, (2, 0)))
    for indexing in ("xy", "ij"):
        got = ops.meshgrid(t(np.arange(2.0), device), t(np.arange(3.0), device),
                           t(np.arange(4.0), device), indexing=indexing)
        ref = np.meshgrid(np.arange(2.0), np.arange(3.0), np.arange(4.0), indexing=indexing)
        for g, r in zip(got, ref):
            close(g, r)
    close(ops.vdot(t(a, device), t(a.T, device)), np.vdot(a, a.T))
    close(ops.diagflat(t([[1.0, 2.0], [3.0, 4.0]], device), 1), np.diagflat([[1, 2], [3, 4]], 1))


def test_integer_valued_ops(device):
    xi = np.array([[0, 1, 1, 3], [2, 2, 0, 0]])
    np.testing.assert_array_equal(ops.bincount(t(xi, device)).numpy(),
                                  [[1, 2, 0, 1], [2, 0, 2, 0]])
    np.testing.assert_array_equal(ops.bincount(t(xi[0], device), minlength=6).numpy(),
                                  np.bincount(xi[0], minlength=6))
    w = np.array([0.5, 1.0, 2.0, 4.0])
    close(ops.bincount(t(xi[0], device), weights=t(w, device)), np.bincount(xi[0], w))
    vals = np.array([0.0, 1, 1, 2, 5])
    counts, edges = ops.histogram(t(vals, device), bins=3)
    rc, re_ = np.histogram(vals, bins=3)
    np.testing.assert_array_equal(counts.numpy(), rc)
    close(edges, re_)
    counts, edges = ops.histogram(t(vals, device), bins=2, range=(0, 2))
    np.testing.assert_array_equal(counts.numpy(), np.histogram(vals, 2, (0, 2))[0])
    x = np.array([0.2, 6.4, 3.0, 1.6])
    bins = np.array([0.0, 1.0, 2.5, 4.0, 10.0])
    np.testing.assert_array_equal(ops.digitize(t(x, device), t(bins, device)).numpy(),
                                  [1, 4, 3, 2])  # the Keras / NumPy docs example
    s = np.array([1.0, 2.0, 2.0, 3.0])
    for side in ("left", "right"):
        np.testing.assert_array_equal(
            ops.searchsorted(t(s, device), t([2.0, 0.0, 5.0], device), side=side).numpy(),
            np.searchsorted(s, [2.0, 0.0, 5.0], side=side))
    y = np.array([3, 4, 2, 1, 7])
    part = ops.argpartition(t(y, device), 2).numpy()
    assert sorted(y[part[:2]]) == [1, 2] and y[part[2]] == 3
    nz = ops.nonzero(t([[0, 1], [2, 0]], device))
    assert [i.numpy().tolist() for i in nz] == [[0, 1], [1, 0]]
    a, b = np.array([12, 10, 7]), np.array([10, 6, 3])
    for name, ref in (("bitwise_and", a & b), ("bitwise_or", a | b), ("bitwise_xor", a ^ b),
                      ("left_shift", a << 2), ("right_shift", a >> 1),
                      ("bitwise_left_shift", a << b % 4), ("bitwise_right_shift", a >> b % 4)):
        rhs = {"left_shift": 2, "right_shift": 1}.get(name, b % 4 if "shift" in name else b)
        np.testing.assert_array_equal(getattr(ops, name)(t(a, device), rhs).numpy(), ref)
    np.testing.assert_array_equal(ops.bitwise_not(t(a, device)).numpy(), ~a)
    assert ops.bitwise_invert is ops.bitwise_not


def test_select_vectorize_logspace_copy_real(device):
    out = ops.select([t([True, False, False], device), t([True, True, False], device)],
                     [t([1.0, 2.0, 3.0], device), t([4.0, 5.0, 6.0], device)], default=-1.0)
    close(out, [1.0, 5.0, -1.0])
    dot = ops.vectorize(lambda u, w: ops.sum(u * w), signature="(n),(n)->()")
    a = R.normal(size=(3, 4))
    close(dot(t(a, device), t(np.ones(4), device)), a.sum(1))
    close(ops.vectorize(lambda u: u * 2)(t(np.arange(6.0).reshape(2, 3), device)),
          np.arange(6.0).reshape(2, 3) * 2)
    pair = ops.vectorize(lambda u, k: (u + k, u * k), excluded={1})(t([1.0, 2.0], device), 3.0)
    close(pair[0], [4.0, 5.0])
    close(pair[1], [3.0, 6.0])
    close(ops.logspace(0, 2, 3), [1.0, 10.0, 100.0])
    close(ops.logspace(0, 3, 4, base=2, endpoint=True), [1.0, 2.0, 4.0, 8.0])
    x = t(a, device)
    for fn in (ops.copy, ops.conj, ops.conjugate, ops.real, ops.array):
        y = fn(x)
        close(y, a)
        assert y is not x and y.data is not x.data
    close(ops.imag(x), np.zeros_like(a))
    assert ops.array([1.0, 2.0], dtype="float32").dtype == np.float32


def test_numpy_errors():
    with pytest.raises(TypeError, match="no complex dtype"):
        ops.real(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="no complex dtype"):
        ops.imag(np.array([1j]))
    with pytest.raises(ValueError, match="must be non-negative"):
        ops.bincount(t([1, -1]))
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        ops.bincount(t([1]), sparse=True)
    with pytest.raises(TypeError, match="must hold integers"):
        ops.bitwise_and(t([1.0]), t([1.0]))
    with pytest.raises(ValueError, match="mode must be"):
        ops.correlate(t([1.0]), t([1.0]), "nope")
    with pytest.raises(ValueError, match="method must be one of"):
        ops.quantile(t([1.0, 2.0]), 0.5, method="cubic")
    with pytest.raises(ValueError, match=r"q must be in \[0, 1\]"):
        ops.quantile(t([1.0, 2.0]), 1.5)
    with pytest.raises(ValueError, match="2 or 3 components"):
        ops.cross(t(np.ones(4)), t(np.ones(4)))
    with pytest.raises(ValueError, match="side must be"):
        ops.searchsorted(t([1.0]), t([1.0]), side="middle")
    with pytest.raises(ValueError, match="condlist .* need the same length"):
        ops.select([t([True])], [])
    with pytest.raises(ValueError, match="invalid signature"):
        ops.vectorize(lambda a: a, signature="n->()")
    with pytest.raises(ValueError, match="out of range"):
        ops.argpartition(t([1, 2]), 5)


# ---- nn -----------------------------------------------------------------------------------------

def test_keras_doc_examples():
    x = t([-1.0, 0.0, 1.0])
    close(ops.soft_shrink(x), [-0.5, 0.0, 0.5])
    close(ops.hard_shrink(x), [-1.0, 0.0, 1.0])
    close(ops.sparse_plus(x), [0.0, 0.25, 1.0])
    close(ops.squareplus(x), [0.61803399, 1.0, 1.61803399])
    close(ops.hard_tanh(t([-2.0, -0.5, 2.0])), [-1.0, -0.5, 1.0])
    close(ops.tanh_shrink(x), [-1 + np.tanh(1), 0.0, 1 - np.tanh(1)])
    close(ops.threshold(t([-1.0, 0.5, 2.0]), 0.5, -9.0), [-9.0, -9.0, 2.0])
    close(ops.hard_silu(t([-3.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    close(ops.glu(t([-1.0, 0.0, 1.0, 2.0])), [-1.0 / (1 + np.exp(-1.0)), 0.0])
    close(ops.psnr(t([[0.1, 0.5]]), t([[0.2, 0.4]]), 1.0), 20.0)


def test_activations_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = R.normal(size=(3, 8)) * 2
    tx = torch.tensor(x)
    pairs = [(ops.hard_tanh(t(x)), F.hardtanh(tx)), (ops.hard_shrink(t(x)), F.hardshrink(tx)),
             (ops.soft_shrink(t(x), 0.7), F.softshrink(tx, 0.7)),
             (ops.tanh_shrink(t(x)), F.tanhshrink(tx)),
             (ops.threshold(t(x), 0.3, -2.0), F.threshold(tx, 0.3, -2.0)),
             (ops.glu(t(x)), F.glu(tx, -1)), (ops.glu(t(x[:2]), 0), F.glu(tx[:2], 0)),
             (ops.hard_silu(t(x)), F.hardswish(tx))]
    for got, ref in pairs:
        close(got, ref.numpy())


def test_sparsemax_properties(device):
    x = R.normal(size=(4, 6)) * 2
    y = ops.sparsemax(t(x, device)).numpy()
    np.testing.assert_allclose(y.sum(-1), 1.0)
    assert (y >= 0).all() and (y == 0).any()
    close(ops.sparsemax(t([[0.5, 1.0, 0.2], [3.0, 0.1, 0.0]], device)),
          [[0.25, 0.75, 0.0], [1.0, 0.0, 0.0]])
    close(ops.sparsemax(t(x.T, device), axis=0), y.T)


def _attention_reference(q, k, v, bias, mask, causal, scale):
    n, kh = q.shape[2], k.shape[2]
    k, v = np.repeat(k, n // kh, 2), np.repeat(v, n // kh, 2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= mask
    if causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -0.7 * np.finfo(logits.dtype).max)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


def test_dot_product_attention(device):
    q, k, v = R.normal(size=(2, 5, 4, 3)), R.normal(size=(2, 6, 2, 3)), R.normal(size=(2, 6, 2, 3))
    mask = R.random((2, 1, 5, 6)) > 0.3
    bias = R.normal(size=(2, 4, 5, 6))
    for causal in (False, True):
        for m in (None, mask):
            got = ops.dot_product_attention(t(q, device), t(k, device), t(v, device),
                                            bias=t(bias, device), is_causal=causal,
                                            mask=None if m is None else t(m, device))
            close(got, _attention_reference(q, k, v, bias, m, causal, 1 / np.sqrt(3)))
    got = ops.dot_product_attention(t(q[:, :, 0], device), t(k[:, :, 0], device),
                                    t(v[:, :, 0], device), scale=0.5)
    close(got, _attention_reference(q[:, :, :1], k[:, :, :1], v[:, :, :1], None, None, False,
                                    0.5)[:, :, 0])


def test_dot_product_attention_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    q, k, v = R.normal(size=(2, 5, 4, 3)), R.normal(size=(2, 6, 4, 3)), R.normal(size=(2, 6, 4, 3))
    got = ops.dot_product_attention(t(q), t(k), t(v), is_causal=True).numpy()

    def bnth(a):
        return torch.tensor(a).permute(0, 2, 1, 3)

    ref = F.scaled_dot_product_attention(bnth(q), bnth(k), bnth(v), is_causal=True)
    close(got, ref.permute(0, 2, 1, 3).numpy())


def test_normalizations_multi_hot_ctc(device):
    x = R.normal(size=(5, 4))
    mean, var, off, sc = x.mean(0), x.var(0), R.normal(size=4), R.normal(size=4)
    close(ops.batch_normalization(t(x, device), t(mean, device), t(var, device), axis=1,
                                  offset=t(off, device), scale=t(sc, device)),
          (x - mean) / np.sqrt(var + 1e-3) * sc + off)
    close(ops.rms_normalization(t(x, device), scale=t(sc, device), epsilon=1e-6),
          x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6) * sc)
    close(ops.multi_hot(t([[1, 3], [0, 0]], device), num_classes=5),
          [[0, 1, 0, 1, 0], [1, 0, 0, 0, 0]])
    close(ops.multi_hot(t([1, 3], device), num_tokens=5), [0, 1, 0, 1, 0])
    probs = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8],
                      [0.1, 0.8, 0.1]])
    lp = np.log(np.stack([probs, probs[::-1]]))
    decoded, scores = ops.ctc_decode(t(lp, device), t([5, 3], device))
    assert decoded.shape == (1, 2, 5) and decoded.dtype == np.int32
    # row 0: 1 1 _ 2 1 -> 1 2 1 ; row 1 (3 steps): 1 2 _ -> 1 2
    np.testing.assert_array_equal(decoded.numpy()[0], [[1, 2, 1, -1, -1], [1, 2, -1, -1, -1]])
    close(scores, -np.array([[lp[0].max(-1).sum()], [lp[1, :3].max(-1).sum()]]))
    decoded, _ = ops.ctc_decode(t(lp, device), t([5, 5], device), merge_repeated=False,
                                mask_index=2)
    np.testing.assert_array_equal(decoded.numpy()[0], [[1, 1, 0, 1, -1], [1, 0, 1, 1, -1]])


def test_nn_errors():
    with pytest.raises(ValueError, match="even size"):
        ops.glu(t(np.ones(3)))
    with pytest.raises(ValueError, match="multiple of key heads"):
        ops.dot_product_attention(t(np.ones((1, 2, 3, 2))), t(np.ones((1, 2, 2, 2))),
                                  t(np.ones((1, 2, 2, 2))))
    with pytest.raises(ValueError, match="rank 3"):
        ops.dot_product_attention(t(np.ones((2, 2))), t(np.ones((2, 2))), t(np.ones((2, 2))))
    with pytest.raises(ValueError, match="must be 1-D of size 4"):
        ops.batch_normalization(t(np.ones((2, 4))), t(np.ones(3)), t(np.ones(4)), axis=1)
    with pytest.raises(ValueError, match="same shape"):
        ops.psnr(t(np.ones(2)), t(np.ones(3)), 1.0)
    with pytest.raises(ValueError, match="beam_width must be a positive int"):
        ops.ctc_decode(t(np.ones((1, 2, 3))), t([2]), strategy="beam_search", beam_width=0)
    with pytest.raises(ValueError, match="out of range for num_classes"):
        ops.multi_hot(t([5]), 3)
    with pytest.raises(TypeError, match="needs a floating tensor"):
        ops.hard_tanh(t([1, 2]))


# ---- core ---------------------------------------------------------------------------------------

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
