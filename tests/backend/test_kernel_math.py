"""Math of the NumPy kernel twins (the reference semantics of every CUDA kernel).

* values against independent float64 formulas on safe ranges,
* float64 central-difference checks of every backward / loss gradient,
* the NaN/Inf rule and numerical stability on extreme inputs (no RuntimeWarning: pytest runs
  with warnings as errors, and the stability tests also turn them into errors locally),
* input validation and zero-size inputs.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest

from cuflow.backend import cupy_kernels as ck
from cuflow.backend import numpy_kernels as nk

RNG = np.random.default_rng(1234)
EPS = 1e-6


def _erf(x):
    return np.vectorize(math.erf)(x)


# ---- independent float64 references --------------------------------------------------------

ACT_REF = {
    "relu": lambda x, a: np.maximum(x, 0),
    "relu6": lambda x, a: np.minimum(np.maximum(x, 0), 6),
    "leaky_relu": lambda x, a: np.where(x >= 0, x, a * x),
    "elu": lambda x, a: np.where(x > 0, x, a * (np.exp(x) - 1)),
    "selu": lambda x, a: 1.0507009873554805 * np.where(x > 0, x,
                                                       1.6732632423543772 * (np.exp(x) - 1)),
    "gelu": lambda x, a: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "gelu_tanh": lambda x, a: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi)
                                                     * (x + 0.044715 * x ** 3))),
    "sigmoid": lambda x, a: 1 / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x, a: np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x, a: x * np.clip(x / 6 + 0.5, 0, 1),
    "tanh": lambda x, a: np.tanh(x),
    "softplus": lambda x, a: np.log(1 + np.exp(x)),
    "softsign": lambda x, a: x / (1 + np.abs(x)),
    "silu": lambda x, a: x / (1 + np.exp(-x)),
    "mish": lambda x, a: x * np.tanh(np.log(1 + np.exp(x))),
    "exponential": lambda x, a: np.exp(x),
    "linear": lambda x, a: x,
}
KINKS = {"relu": [0], "relu6": [0, 6], "leaky_relu": [0], "elu": [0], "selu": [0],
         "hard_sigmoid": [-3, 3], "hard_swish": [-3, 3]}


def _away_from_kinks(name, x, margin=1e-3):
    for k in KINKS.get(name, []):
        close = np.abs(x - k) < margin
        x = np.where(close, k + 2 * margin, x)
    return x


def _act_points(name, size=257):
    x = RNG.uniform(-7, 7, size)
    return _away_from_kinks(name, x)


def test_public_lists():
    assert len(nk.ACTIVATIONS) == 17 and len(set(nk.ACTIVATIONS)) == 17
    assert len(nk.LOSSES) == 15 and len(set(nk.LOSSES)) == 15
    assert set(ACT_REF) == set(nk.ACTIVATIONS)
    assert ck.ACTIVATIONS == nk.ACTIVATIONS and ck.LOSSES == nk.LOSSES


def test_cupy_module_has_the_same_signatures():
    for fname in nk.__all__:
        a, b = getattr(nk, fname), getattr(ck, fname)
        if callable(a):
            assert inspect.signature(a) == inspect.signature(b), fname


@pytest.mark.parametrize("name", nk.ACTIVATIONS)
@pytest.mark.parametrize("alpha", [None, 0.3])
def test_activation_forward_matches_formula(name, alpha):
    x = _act_points(name)
    a = nk.DEFAULT_ALPHA.get(name, 0.0) if alpha is None else alpha
    y = nk.activation_forward(name, x, alpha)
    np.testing.assert_allclose(y, ACT_REF[name](x, a), rtol=1e-12, atol=1e-14)
    y32 = nk.activation_forward(name, x.astype(np.float32), alpha)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, ACT_REF[name](x, a), rtol=2e-6, atol=1e-6)
    y16 = nk.activation_forward(name, x.astype(np.float16), alpha)
    assert y16.dtype == np.float16


@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_activation_backward_central_difference(name):
    x = _act_points(name, 101)
    alpha = 0.3 if name in nk.DEFAULT_ALPHA else None
    dy = RNG.normal(size=x.shape)
    y = nk.activation_forward(name, x, alpha)
    num = (nk.activation_forward(name, x + EPS, alpha)
           - nk.activation_forward(name, x - EPS, alpha)) / (2 * EPS) * dy
    dx = nk.activation_backward(name, x, y, dy, alpha)
    np.testing.assert_allclose(dx, num, rtol=1e-3, atol=1e-5)
    # x-only / y-only calls agree with the full call.
    if name in nk.Y_BACKWARD:
        np.testing.assert_array_equal(nk.activation_backward(name, None, y, dy, alpha), dx)
    else:
        np.testing.assert_array_equal(nk.activation_backward(name, x, None, dy, alpha), dx)


def _softmax_ref(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_softmax_family_matches_formula():
    x = RNG.normal(size=(6, 9)) * 3
    np.testing.assert_allclose(nk.softmax_forward(x), _softmax_ref(x), rtol=1e-13)
    np.testing.assert_allclose(nk.log_softmax_forward(x), np.log(_softmax_ref(x)), rtol=1e-12)
    np.testing.assert_allclose(nk.logsumexp(x), np.log(np.exp(x).sum(-1)), rtol=1e-13)
    np.testing.assert_array_equal(nk.row_max(x), x.max(-1))
    np.testing.assert_array_equal(nk.row_argmax(x), x.argmax(-1))
    assert nk.row_argmax(x).dtype == np.int64
    y3 = nk.softmax_forward(RNG.normal(size=(2, 3, 4)).astype(np.float32))
    assert y3.shape == (2, 3, 4) and y3.dtype == np.float32


def _numeric_grad(f, x):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += EPS
        xm[i] -= EPS
        g[i] = (f(xp) - f(xm)) / (2 * EPS)
    return g


@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
def test_softmax_backward_central_difference(which):
    fwd = getattr(nk, f"{which}_forward")
    bwd = getattr(nk, f"{which}_backward")
    x = RNG.normal(size=(3, 7))
    w = RNG.normal(size=x.shape)
    num = _numeric_grad(lambda z: float(np.sum(w * fwd(z))), x)
    np.testing.assert_allclose(bwd(fwd(x), w), num, rtol=1e-3, atol=1e-5)


# ---- losses --------------------------------------------------------------------------------

def _clip(p):
    return np.clip(p, 1e-7, 1 - 1e-7)


def _loss_ref(name, t, p, from_logits=False, ls=0.0, delta=1.0):
    n = p.shape[-1]
    if name == "mean_squared_error":
        return np.mean((p - t) ** 2, -1)
    if name == "mean_absolute_error":
        return np.mean(np.abs(p - t), -1)
    if name == "huber":
        e = np.abs(p - t)
        return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), -1)
    if name == "log_cosh":
        return np.mean(np.log(np.cosh(p - t)), -1)
    if name == "binary_crossentropy":
        t = t * (1 - ls) + 0.5 * ls
        q = 1 / (1 + np.exp(-p)) if from_logits else _clip(p)
        return -np.mean(t * np.log(q) + (1 - t) * np.log(1 - q), -1)
    if name == "categorical_crossentropy":
        t = t * (1 - ls) + ls / n
        q = _softmax_ref(p) if from_logits else _clip(p / p.sum(-1, keepdims=True))
        return -np.sum(t * np.log(q), -1)
    if name == "sparse_categorical_crossentropy":
        q = _softmax_ref(p) if from_logits else _clip(p / p.sum(-1, keepdims=True))
        return -np.log(np.take_along_axis(q, t[..., None], -1))[..., 0]
    if name == "kl_divergence":
        tc, pc = np.clip(t, 1e-7, 1), np.clip(p, 1e-7, 1)
        return np.sum(tc * np.log(tc / pc), -1)
    if name in ("hinge", "squared_hinge"):
        if np.all((t == 0) | (t == 1)):
            t = 2 * t - 1
        m = np.maximum(1 - t * p, 0)
        return np.mean(m if name == "hinge" else m ** 2, -1)
    if name == "categorical_hinge":
        pos = np.sum(t * p, -1)
        neg = np.max((1 - t) * p, -1)
        return np.maximum(neg - pos + 1, 0)
    if name == "cosine_similarity":
        return -np.sum(t * p, -1) / (np.linalg.norm(t, axis=-1) * np.linalg.norm(p, axis=-1))
    if name == "poisson":
        return np.mean(p - t * np.log(p + 1e-7), -1)
    if name == "mean_absolute_percentage_error":
        return 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), 1e-7)), -1)
    if name == "mean_squared_logarithmic_error":
        return np.mean((np.log(np.maximum(p, 1e-7) + 1) - np.log(np.maximum(t, 1e-7) + 1)) ** 2,
                       -1)
    raise AssertionError(name)


def _loss_inputs(name, shape=(5, 6), from_logits=False):
    """Inputs on smooth parts of each loss (no kinks within the finite-difference step)."""
    n = shape[-1]
    if name == "sparse_categorical_crossentropy":
        t = RNG.integers(0, n, size=shape[:-1])
        p = RNG.normal(size=shape) if from_logits else RNG.uniform(0.1, 1.0, shape)
        return t, p
    if name in ("categorical_crossentropy", "categorical_hinge"):
        t = np.eye(n)[RNG.integers(0, n, size=shape[:-1])]
        if name == "categorical_crossentropy" and RNG.random() < 2:  # soft labels too
            t = 0.7 * t + 0.3 * RNG.dirichlet(np.ones(n), size=shape[:-1])
        p = RNG.normal(size=shape) if from_logits else RNG.uniform(0.1, 1.0, shape)
        if name == "categorical_hinge":
            p = RNG.normal(size=shape)
        return t, p
    if name == "binary_crossentropy":
        t = RNG.uniform(0, 1, shape)
        p = RNG.normal(size=shape) if from_logits else RNG.uniform(0.05, 0.95, shape)
        return t, p
    if name == "kl_divergence":
        return RNG.dirichlet(np.ones(n), size=shape[:-1]), RNG.dirichlet(np.ones(n), shape[:-1])
    if name in ("hinge", "squared_hinge"):
        t = RNG.integers(0, 2, size=shape).astype(np.float64)
        p = RNG.normal(size=shape)
        p = np.where(np.abs(np.abs(p) - 1) < 1e-2, p * 1.1, p)  # keep away from the margin
        return t, p
    if name in ("poisson", "mean_squared_logarithmic_error", "mean_absolute_percentage_error"):
        return RNG.uniform(0.5, 3, shape), RNG.uniform(0.5, 3, shape)
    t = RNG.normal(size=shape)
    p = t + RNG.normal(size=shape)
    if name == "huber":
        p = np.where(np.abs(np.abs(p - t) - 1) < 1e-2, p + 0.1, p)
    return t, p


LOSS_CASES = [(name, False) for name in nk.LOSSES] + [
    (name, True) for name in sorted(nk.FROM_LOGITS_LOSSES)]


@pytest.mark.parametrize("name,from_logits", LOSS_CASES)
def test_loss_matches_formula(name, from_logits):
    t, p = _loss_inputs(name, from_logits=from_logits)
    per, grad = nk.loss_forward_backward(name, t, p, from_logits=from_logits)
    assert per.shape == p.shape[:-1] and grad.shape == p.shape
    np.testing.assert_allclose(per, _loss_ref(name, t, p, from_logits), rtol=1e-10, atol=1e-12)
    per_only, none = nk.loss_forward_backward(name, t, p, from_logits=from_logits,
                                              need_grad=False)
    assert none is None
    np.testing.assert_array_equal(per_only, per)
    per32, grad32 = nk.loss_forward_backward(name, t, p.astype(np.float32),
                                             from_logits=from_logits)
    assert per32.dtype == grad32.dtype == np.float32
    np.testing.assert_allclose(per32, per, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,from_logits", LOSS_CASES)
def test_loss_gradient_central_difference(name, from_logits):
    t, p = _loss_inputs(name, (3, 4), from_logits)
    w = RNG.normal(size=p.shape[:-1])
    _, grad = nk.loss_forward_backward(name, t, p, from_logits=from_logits)

    def f(z):
        return float(np.sum(w * nk.loss_forward_backward(name, t, z, from_logits=from_logits,
                                                         need_grad=False)[0]))

    np.testing.assert_allclose(grad * w[:, None], _numeric_grad(f, p), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_label_smoothing(name, from_logits):
    t, p = _loss_inputs(name, from_logits=from_logits)
    per, grad = nk.loss_forward_backward(name, t, p, from_logits, label_smoothing=0.2)
    np.testing.assert_allclose(per, _loss_ref(name, t, p, from_logits, ls=0.2), rtol=1e-10)
    w = RNG.normal(size=p.shape[:-1])
    num = _numeric_grad(lambda z: float(np.sum(w * nk.loss_forward_backward(
        name, t, z, from_logits, 0.2, need_grad=False)[0])), p)
    np.testing.assert_allclose(grad * w[:, None], num, rtol=1e-3, atol=1e-5)


def test_huber_delta_and_hinge_label_conversion():
    t, p = _loss_inputs("huber")
    per, _ = nk.loss_forward_backward("huber", t, p, delta=0.5)
    np.testing.assert_allclose(per, _loss_ref("huber", t, p, delta=0.5), rtol=1e-12)
    # {-1, 1} labels are used as is, {0, 1} labels are converted (a whole-batch decision).
    t = np.array([[-1.0, 1.0, 1.0]])
    p = np.array([[0.3, -0.2, 2.0]])
    per, _ = nk.loss_forward_backward("hinge", t, p)
    np.testing.assert_allclose(per, np.mean(np.maximum(1 - t * p, 0), -1))
    per01, _ = nk.loss_forward_backward("hinge", (t + 1) / 2, p)
    np.testing.assert_allclose(per01, per)


def test_rank1_pred_reduces_to_scalar_like_keras():
    per, grad = nk.loss_forward_backward("mean_squared_error", np.zeros(4), np.arange(4.0))
    assert per.shape == () and grad.shape == (4,)
    assert float(per) == pytest.approx(np.mean(np.arange(4.0) ** 2))


def test_sparse_softmax_cross_entropy_is_the_fused_logits_loss():
    labels, logits = _loss_inputs("sparse_categorical_crossentropy", (8, 5), True)
    a = nk.sparse_softmax_cross_entropy(logits, labels)
    b = nk.loss_forward_backward("sparse_categorical_crossentropy", labels, logits, True)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_allclose(a[1], _softmax_ref(logits) - np.eye(5)[labels], atol=1e-15)
    # labels with a trailing axis of 1 are accepted
    c = nk.sparse_softmax_cross_entropy(logits, labels[:, None].astype(np.int32))
    np.testing.assert_array_equal(c[0], a[0])


# ---- reductions ----------------------------------------------------------------------------

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


# ---- NaN / Inf rule and stability ----------------------------------------------------------

@pytest.mark.parametrize("name", nk.ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_nan_inf_rule(name, dtype):
    x = np.array([np.nan, np.inf, -np.inf, 1000, -1000, 0.5, -0.5], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nk.activation_forward(name, x)
        dx = nk.activation_backward(name, x, y, np.ones_like(x))
        dx_nan = nk.activation_backward(name, x, y, np.full_like(x, np.nan))
    assert np.isnan(y[0]) and np.isnan(dx[0])  # NaN in -> NaN out, f'(NaN) = NaN
    assert np.isnan(dx_nan).all()  # NaN dy -> NaN dx everywhere
    assert not np.isnan(y[1:]).any(), y  # infinities give limits, never inf * 0
    if name != "exponential":
        assert not np.isnan(dx[1:]).any(), dx
    if name in ("sigmoid", "tanh", "softplus", "softsign", "hard_sigmoid", "silu", "mish",
                "gelu", "gelu_tanh", "hard_swish", "relu"):
        assert np.isfinite(y[3:]).all() and np.isfinite(dx[3:]).all()
    if name == "relu":
        assert np.isnan(nk.activation_forward("relu", np.array([np.nan])))[0]


EXTREME_LOGITS = [
    np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 3.0]]),
    np.array([[3e38, -3e38, 0.0], [-3e38, 1.0, 3e38]]),
    np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, 2.0]]),
]


@pytest.mark.parametrize("x", EXTREME_LOGITS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_functions_stable_on_extreme_logits(x, dtype):
    x = x.astype(dtype)
    labels = np.array([1, 2])
    onehot = np.eye(3, dtype=dtype)[labels]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [nk.softmax_forward(x), nk.log_softmax_forward(x)[:, 1:], nk.logsumexp(x),
                *nk.sparse_softmax_cross_entropy(x, labels),
                *nk.loss_forward_backward("categorical_crossentropy", onehot, x, True),
                nk.softmax_backward(nk.softmax_forward(x), np.ones_like(x))]
    for out in outs:
        assert np.isfinite(out[np.isfinite(out) | np.isnan(out)]).all()
        assert not np.isnan(out).any(), out
    assert np.allclose(nk.softmax_forward(x).sum(-1), 1)


def test_probabilities_exactly_zero_and_one():
    p = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    t = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("binary_crossentropy", "categorical_crossentropy", "kl_divergence",
                     "poisson", "mean_squared_logarithmic_error"):
            per, grad = nk.loss_forward_backward(name, t, p)
            assert np.isfinite(per).all() and np.isfinite(grad).all(), name
        per, grad = nk.loss_forward_backward("sparse_categorical_crossentropy", np.array([1, 1]),
                                             p)
        assert np.isfinite(per).all() and np.isfinite(grad).all()


def test_row_nan_and_inf_placement():
    x = np.array([[np.nan, 1.0, 2.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0],
                  [1.0, np.nan, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sm = nk.softmax_forward(x)
        lse = nk.logsumexp(x)
        am = nk.row_argmax(x)
        mx = nk.row_max(x)
    assert np.isnan(sm).all()
    assert np.isnan(lse[0]) and lse[1] == -np.inf and lse[2] == np.inf and np.isnan(lse[3])
    assert list(am) == [0, 0, 0, 1]
    assert np.isnan(mx[0]) and mx[1] == -np.inf and mx[2] == np.inf


@pytest.mark.parametrize("name", nk.ELEMENTWISE_LOSSES)
def test_elementwise_loss_nan_rule(name):
    t = np.array([[0.5, np.nan, 0.2]])
    p = np.array([[0.3, 0.4, np.nan]])
    per, grad = nk.loss_forward_backward(name, t, p)
    assert np.isnan(per).all() and np.isnan(grad[0, 1:]).all() and not np.isnan(grad[0, 0])


# ---- validation and empty inputs -----------------------------------------------------------

@pytest.mark.parametrize("mod", [nk, ck], ids=["numpy", "cupy"])
def test_unknown_names_list_valid_ones(mod):
    with pytest.raises(ValueError, match="relu6"):
        mod.activation_forward("relu7", np.zeros(2))
    with pytest.raises(ValueError, match="mean_squared_error"):
        mod.loss_forward_backward("mse2", np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="binary"):
        mod.accuracy_count(np.zeros(2), np.zeros(2), "top5")


def test_validation_errors():
    with pytest.raises(TypeError, match="int64"):
        nk.activation_forward("relu", np.arange(3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        nk.loss_forward_backward("mean_squared_error", np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="label 5"):
        nk.loss_forward_backward("sparse_categorical_crossentropy", np.array([1, 5]),
                                 np.ones((2, 5)))
    with pytest.raises(ValueError, match="label -1"):
        nk.sparse_softmax_cross_entropy(np.ones((2, 5)), np.array([-1, 0]))
    with pytest.raises(TypeError, match="integer"):
        nk.sparse_softmax_cross_entropy(np.ones((2, 5)), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="shape"):
        nk.sparse_softmax_cross_entropy(np.ones((2, 5)), np.array([1, 0, 2]))
    with pytest.raises(ValueError, match="from_logits"):
        nk.loss_forward_backward("mean_squared_error", np.zeros((1, 2)), np.zeros((1, 2)), True)
    with pytest.raises(ValueError, match="label_smoothing"):
        nk.loss_forward_backward("hinge", np.zeros((1, 2)), np.zeros((1, 2)),
                                 label_smoothing=0.1)
    with pytest.raises(ValueError, match="empty last axis"):
        nk.row_max(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="empty last axis"):
        nk.loss_forward_backward("mean_squared_error", np.zeros((3, 0)), np.zeros((3, 0)))


def test_zero_size_inputs():
    z = np.zeros((0, 4), np.float32)
    for name in nk.ACTIVATIONS:
        assert nk.activation_forward(name, z).shape == (0, 4)
        assert nk.activation_backward(name, z, z, z).shape == (0, 4)
    assert nk.softmax_forward(z).shape == (0, 4)
    assert nk.softmax_forward(np.zeros((2, 0))).shape == (2, 0)
    assert nk.log_softmax_backward(z, z).shape == (0, 4)
    assert nk.logsumexp(z).shape == (0,)
    assert nk.row_argmax(z).dtype == np.int64
    for name in nk.LOSSES:
        t = np.zeros(0, np.int64) if name == "sparse_categorical_crossentropy" else z
        per, grad = nk.loss_forward_backward(name, t, z)
        assert per.shape == (0,) and grad.shape == (0, 4)
    assert nk.sum_batch(z).shape == (4,) and not nk.sum_batch(z).any()
    assert int(nk.accuracy_count(np.zeros(0, np.int64), z, "sparse")) == 0
    assert float(nk.global_l2_norm([z])) == 0.0
