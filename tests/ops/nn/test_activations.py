"""ops.nn.activations: the kernel-backed activations and softmax against NumPy, the shrink /
threshold / sparse activations against the Keras docs and PyTorch (where importable), sparsemax,
gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, draws, t

R = np.random.default_rng(3)
_draw = draws(R)
anyv = _draw.anyv


def test_kernel_backed_activations_and_softmax(device):
    x = R.normal(size=(3, 4))
    refs = {"relu": np.maximum(x, 0), "sigmoid": 1 / (1 + np.exp(-x)), "tanh": np.tanh(x),
            "softplus": np.log1p(np.exp(x)), "silu": x / (1 + np.exp(-x)),
            "elu": np.where(x > 0, x, np.expm1(x))}
    for name, want in refs.items():
        close(getattr(ops, name)(t(x, device)), want)
    close(ops.leaky_relu(t(x, device), 0.1), np.where(x > 0, x, 0.1 * x))
    close(ops.relu(t(x, device), max_value=0.5, threshold=0.1),
          np.minimum(np.where(x >= 0.1, x, 0.0), 0.5))
    close(ops.softmax(t(x, device), axis=0), np.exp(x) / np.exp(x).sum(0))
    close(ops.log_softmax(t(x, device)), x - np.log(np.exp(x).sum(-1, keepdims=True)))
    check_gradients(lambda a: ops.softmax(a, axis=0), [x], device=device)
    with pytest.raises(ValueError, match="Unknown activation 'nope'"):
        ops.activation(t(x, device), "nope")


UNARY = [
    ("log_sigmoid", ops.log_sigmoid, lambda a: -np.log1p(np.exp(-a)), anyv(4)),
]


@pytest.mark.parametrize("name,fn,ref,x", UNARY, ids=[c[0] for c in UNARY])
def test_unary_math(name, fn, ref, x, device):
    with cf.device(device):
        np.testing.assert_allclose(fn(t(x, device)).numpy(), ref(x), rtol=1e-6, atol=1e-12)
    check_gradients(fn, [x], device=device)


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


def test_activation_errors():
    with pytest.raises(ValueError, match="even size"):
        ops.glu(t(np.ones(3)))
    with pytest.raises(TypeError, match="needs a floating tensor"):
        ops.hard_tanh(t([1, 2]))


def test_celu_matches_keras_formula_and_gradient(device):
    x = np.array([-4.0, -1.0, -0.25, 0.0, 0.3, 2.0, -np.inf, np.inf, np.nan])
    for alpha in (1.0, 0.5, 3.0):
        got = ops.celu(cf.Tensor(x, device=device), alpha=alpha).numpy()
        want = np.maximum(x, 0) + np.minimum(0, alpha * (np.exp(x / alpha) - 1))
        np.testing.assert_allclose(got[:-1], want[:-1], rtol=1e-12)
        assert np.isnan(got[-1])  # NaN in, NaN out
    assert cf.activations.celu(cf.Tensor(x[:6]), alpha=2.0).shape == (6,)
    check_gradients(lambda a: ops.celu(a, alpha=0.5), [np.array([-2.0, -0.3, 0.4, 1.5])],
                    device=device)


@pytest.mark.parametrize("alpha", [0.0, -1.0])
def test_celu_needs_a_positive_alpha(alpha):
    with pytest.raises(ValueError, match=f"celu: alpha must be > 0; received {alpha}"):
        ops.celu(cf.Tensor(np.ones(2)), alpha=alpha)


def test_keras_defaults_and_axes():
    import warnings

    x = np.array([-1.0, 0.0, 1.0, 2.0, 3.0], dtype=np.float32)
    # gelu approximates with tanh by default, as Keras
    np.testing.assert_allclose(ops.gelu(x).numpy(),
                               [-0.15880796, 0.0, 0.841192, 1.9545977, 2.9963627], rtol=1e-5)
    np.testing.assert_allclose(ops.sparse_sigmoid(x).numpy(), [0.0, 0.5, 1.0, 1.0, 1.0])
    # relu(threshold=): x above the threshold, slope * (x - threshold) at or below it
    np.testing.assert_allclose(
        ops.relu(np.array([-2.0, 0.5, 1.0, 3.0]), negative_slope=0.1, threshold=1.0).numpy(),
        [-0.3, -0.05, 0.0, 3.0])
    np.testing.assert_allclose(ops.relu(np.array([0.5, 2.0, 9.0]), max_value=5.0,
                                        threshold=1.0).numpy(), [0.0, 2.0, 5.0])
    m = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    e = np.exp(m)
    np.testing.assert_allclose(ops.softmax(m, axis=None).numpy(), e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(ops.log_softmax(m, axis=None).numpy(), np.log(e / e.sum()),
                               rtol=1e-12)
    cube = np.random.default_rng(1).normal(size=(2, 3, 2))
    for axes in ((0, 1), (0, 2), (1, 2)):
        np.testing.assert_allclose(ops.softmax(cube, axis=axes).numpy().sum(axis=axes), 1.0)
    check_gradients(lambda t: ops.softmax(t, axis=(0, 2)), [cube])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ops.softmax(np.array([[1.0]]), axis=1)
    assert any("This axis has size 1" in str(w.message) for w in caught)
    assert ops.tanh(np.arange(3)).dtype == np.float32  # integers promote to floatx
