"""The activation twins (backend/numpy/activations.py), the reference semantics of
``kernels/activations.cu``: values against independent float64 formulas, float64 central
differences of every backward, the NaN/Inf rule (no RuntimeWarning: pytest runs with warnings as
errors), validation, zero-size inputs, and the Dense epilogue (bias add + activation) against
the unfused computation and through the dense op's gradients."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from cuflow import ops
from cuflow.backend.numpy import activations as nk
from cuflow.testing import check_gradients

from .._cases import EPS, epilogue_problem

RNG = np.random.default_rng(1234)
DTYPES = [np.float32, np.float64, np.float16]


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


def test_every_activation_has_an_independent_reference():
    assert set(ACT_REF) == set(nk.ACTIVATIONS)


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


def test_validation_and_zero_size_inputs():
    with pytest.raises(ValueError, match="unknown activation 'relu7'; expected one of: relu, "):
        nk.activation_forward("relu7", np.zeros(2))
    with pytest.raises(TypeError, match="int64"):
        nk.activation_forward("relu", np.arange(3))
    with pytest.raises(ValueError, match=r"needs x \(the forward input\)"):
        nk.activation_backward("gelu", None, np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="x and dy must have the same shape"):
        nk.activation_backward("relu", np.zeros(2), None, np.zeros(3))
    z = np.zeros((0, 4), np.float32)
    for name in nk.ACTIVATIONS:
        assert nk.activation_forward(name, z).shape == (0, 4)
        assert nk.activation_backward(name, z, z, z).shape == (0, 4)


# ---- the Dense epilogue ----------------------------------------------------------------------

def _reference(name, z, b, dy):
    """The unfused computation in float64, rounded where the dtype stores."""
    pre = (z + b).astype(z.dtype)  # z += bias in z's dtype
    y = nk.activation_forward(name, pre)
    dz = nk.activation_backward(name, pre, y, dy)
    db = dz.astype(np.float64).sum(axis=0).astype(z.dtype)
    return pre, y, dz, db


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_twin_equals_unfused_reference(name, dtype):
    z, b, dy = epilogue_problem(9, 7, dtype)
    pre_ref, y_ref, dz_ref, db_ref = _reference(name, z, b, dy)
    pre, y = nk.bias_activation_forward(name, z.copy(), b)
    assert (pre is None) == (name in nk.Y_ONLY_BACKWARD)
    np.testing.assert_array_equal(y, y_ref)
    assert y.dtype == z.dtype
    if pre is not None:
        np.testing.assert_array_equal(pre, pre_ref)
    dz, db = nk.bias_activation_backward(name, pre, y, dy)
    np.testing.assert_array_equal(dz, dz_ref)  # incl. NaN where x is NaN, inf * 0 = NaN
    np.testing.assert_allclose(db.astype(np.float64), db_ref.astype(np.float64),
                               rtol=1e-3 if dtype == np.float16 else 1e-12, equal_nan=True)
    assert db.dtype == z.dtype and db.shape == (7,)
    dz2, db2 = nk.bias_activation_backward(name, pre, y, dy, need_bias=False)
    np.testing.assert_array_equal(dz2, dz)
    assert db2 is None


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
def test_twin_passes_alpha(name):
    z, b, dy = epilogue_problem(4, 5, np.float64, specials=False)
    pre, y = nk.bias_activation_forward(name, z, b, 0.37)
    np.testing.assert_array_equal(y, nk.activation_forward(name, z + b, 0.37))
    dz, _ = nk.bias_activation_backward(name, pre, y, dy, 0.37)
    np.testing.assert_array_equal(dz, nk.activation_backward(name, z + b, y, dy, 0.37))


def test_empty_batch_gives_zero_bias_gradient():
    z, b, dy = epilogue_problem(0, 3, np.float32)
    pre, y = nk.bias_activation_forward("tanh", z, b)
    dz, db = nk.bias_activation_backward("tanh", pre, y, dy)
    assert y.shape == dz.shape == (0, 3)
    np.testing.assert_array_equal(db, np.zeros(3, np.float32))


def test_bad_input_is_rejected_with_what_was_received():
    z, b, dy = epilogue_problem(4, 5, np.float32)
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\).*received shape \(4,\)"):
        nk.bias_activation_forward("relu", z, b[:4])
    with pytest.raises(TypeError, match="bias dtype must equal z dtype float32, received float64"):
        nk.bias_activation_forward("relu", z, b.astype(np.float64))
    with pytest.raises(ValueError, match=r"z must be 2-D.*received shape \(2, 2, 5\)"):
        nk.bias_activation_forward("relu", z[:4].reshape(2, 2, 5), b)
    with pytest.raises(TypeError, match="received dtype int64"):
        nk.bias_activation_forward("relu", np.ones((4, 5), np.int64), np.ones(5, np.int64))
    with pytest.raises(ValueError, match="unknown activation 'reluu'"):
        nk.bias_activation_forward("reluu", z, b)
    with pytest.raises(ValueError, match=r"needs x \(the pre-activation\)"):
        nk.bias_activation_backward("gelu", None, z, dy)
    with pytest.raises(ValueError, match="same shape"):
        nk.bias_activation_backward("relu", None, z, dy[:3])


@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_dense_op_gradients_for_every_activation(name):
    rng = np.random.default_rng(1)
    x, k, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    if name in ("relu", "relu6", "leaky_relu", "hard_sigmoid", "hard_swish", "elu", "selu"):
        # keep pre-activations away from the kinks, where central differences straddle them
        pre = x @ k + b
        b = b + np.where(np.abs(pre).min(axis=0) < 0.05, 0.1, 0.0)
    check_gradients(lambda x, k, b: ops.dense(x, k, b, name), [x, k, b])


def test_dense_op_takes_the_kernel_dtype_for_a_mismatched_bias():
    x = np.ones((2, 3), np.float32)
    k = np.full((3, 2), 0.5, np.float32)
    out = ops.dense(x, k, np.array([1.0, -2.0]), "relu")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [[2.5, 0.0], [2.5, 0.0]])
