"""The loss twins (backend/numpy/losses.py), the reference semantics of ``kernels/losses.cu``:
per-sample values against independent float64 formulas, input gradients against central
differences, label smoothing, Keras's shape rules, extreme probabilities, the NaN rule,
validation and zero-size inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cuflow.backend.numpy import losses as nk

from .._cases import numeric_grad, softmax_ref

RNG = np.random.default_rng(1234)


# ---- independent float64 references --------------------------------------------------------

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
        q = softmax_ref(p) if from_logits else _clip(p / p.sum(-1, keepdims=True))
        return -np.sum(t * np.log(q), -1)
    if name == "sparse_categorical_crossentropy":
        q = softmax_ref(p) if from_logits else _clip(p / p.sum(-1, keepdims=True))
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

    np.testing.assert_allclose(grad * w[:, None], numeric_grad(f, p), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_label_smoothing(name, from_logits):
    t, p = _loss_inputs(name, from_logits=from_logits)
    per, grad = nk.loss_forward_backward(name, t, p, from_logits, label_smoothing=0.2)
    np.testing.assert_allclose(per, _loss_ref(name, t, p, from_logits, ls=0.2), rtol=1e-10)
    w = RNG.normal(size=p.shape[:-1])
    num = numeric_grad(lambda z: float(np.sum(w * nk.loss_forward_backward(
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
    np.testing.assert_allclose(a[1], softmax_ref(logits) - np.eye(5)[labels], atol=1e-15)
    # labels with a trailing axis of 1 are accepted
    c = nk.sparse_softmax_cross_entropy(logits, labels[:, None].astype(np.int32))
    np.testing.assert_array_equal(c[0], a[0])


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


@pytest.mark.parametrize("name", nk.ELEMENTWISE_LOSSES)
def test_elementwise_loss_nan_rule(name):
    t = np.array([[0.5, np.nan, 0.2]])
    p = np.array([[0.3, 0.4, np.nan]])
    per, grad = nk.loss_forward_backward(name, t, p)
    assert np.isnan(per).all() and np.isnan(grad[0, 1:]).all() and not np.isnan(grad[0, 0])


def test_loss_options_fold_label_smoothing_into_two_numbers():
    assert nk.loss_options("binary_crossentropy", True, 0.2, 5) == \
        ("binary_crossentropy_logits", 0.8, 0.1)
    assert nk.loss_options("categorical_crossentropy", False, 0.2, 4) == \
        ("categorical_crossentropy", 0.8, pytest.approx(0.05))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], received 1.5"):
        nk.loss_options("binary_crossentropy", False, 1.5, 3)


def test_validation_errors():
    with pytest.raises(ValueError, match="unknown loss 'mse2'; expected one of: mean_squared"):
        nk.loss_forward_backward("mse2", np.zeros((2, 2)), np.zeros((2, 2)))
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
        nk.loss_forward_backward("mean_squared_error", np.zeros((3, 0)), np.zeros((3, 0)))


def test_zero_size_batches():
    z = np.zeros((0, 4), np.float32)
    for name in nk.LOSSES:
        t = np.zeros(0, np.int64) if name == "sparse_categorical_crossentropy" else z
        per, grad = nk.loss_forward_backward(name, t, z)
        assert per.shape == (0,) and grad.shape == (0, 4)
