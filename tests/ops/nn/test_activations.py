"""ops.nn.activations: the kernel-backed activations and softmax against NumPy, the shrink /
threshold / sparse activations against the Keras docs and PyTorch (where importable), sparsemax,
gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(3)


def anyv(*shape):
    return R.uniform(-2.0, 2.0, size=shape)


def t(a, device="cpu"):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, ref, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), ref,
                               rtol=rtol, atol=atol)


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
