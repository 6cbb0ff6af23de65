"""Activation twins (``kernels/activations.cu``, ``kernels/cf_activations.cuh``): elementwise
forward and backward, and the Dense epilogue (bias add + activation) in one pass each way.

NaN / Inf rule
    * Forward: NaN in -> NaN out (``relu(NaN) = NaN``, NumPy's ``maximum`` semantic; the kernels
      never use ``x > 0 ? x : 0`` nor ``fmaxf``). +-Inf give the mathematical limit
      (``gelu(-inf) = 0``, ``softsign(inf) = 1``), never inf * 0 = NaN.
    * Backward: ``dx = dy * f'(x)`` with ``f'(NaN) = NaN``; it is a real product, so NaN in ``x``
      or ``dy`` gives NaN (and ``inf * 0`` gives NaN, as IEEE says).

Gradient conventions at kinks: relu-like functions take the derivative of the right-open side
(``relu'(0) = 0``, ``leaky_relu'(0) = alpha``).
"""

from __future__ import annotations

import numpy as np

from ..names import ACTIVATIONS
from .common import (
    _IEEE,
    _as_compute,
    _erfc,
    _ieee,
    _mul0,
    _relu6,
    _sigmoid,
    _softplus,
    check_float,
    check_name,
    check_same_shape,
)
from .reductions import sum_batch

# Activations whose backward uses the forward output y instead of x.
Y_BACKWARD = frozenset({"sigmoid", "tanh", "exponential"})
# Activations whose derivative is a function of y alone (relu and relu6 through the sign and range
# of y, which equal those of x, NaN included): the Dense epilogue keeps only y for them.
Y_ONLY_BACKWARD = Y_BACKWARD | {"relu", "relu6", "linear"}
DEFAULT_ALPHA = {"leaky_relu": 0.2, "elu": 1.0}

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SQRT1_2 = 0.70710678118654752440084436210485
INV_SQRT_2PI = 0.39894228040143267793994605993438
SQRT_2_OVER_PI = 0.79788456080286535587989211986876
GELU_K = 0.044715


def _act_fwd(name, x, a):
    if name == "relu":
        return np.where(x < 0, 0, x)
    if name == "relu6":
        return _relu6(x)
    if name == "leaky_relu":
        return np.where(x < 0, a * x, x)
    if name == "elu":
        return np.where(x > 0, x, a * np.expm1(x))
    if name == "selu":
        return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))
    if name == "gelu":
        return _mul0(x, 0.5 * _erfc(-x * SQRT1_2))
    if name == "gelu_tanh":
        u = SQRT_2_OVER_PI * (x + GELU_K * x * x * x)
        return _mul0(x, _sigmoid(2 * u))
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "hard_sigmoid":
        return _relu6(x + 3) / 6
    if name == "hard_swish":
        return _mul0(x, _relu6(x + 3) / 6)
    if name == "tanh":
        return np.tanh(x)
    if name == "softplus":
        return _softplus(x)
    if name == "softsign":
        return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))
    if name == "silu":
        return _mul0(x, _sigmoid(x))
    if name == "mish":
        return _mul0(x, np.tanh(_softplus(x)))
    if name == "exponential":
        return np.exp(x)
    return x.copy()  # linear


def _act_deriv(name, x, y, a):
    """f'(x) (before the NaN rule); y is the forward output."""
    one, zero = x.dtype.type(1), x.dtype.type(0)
    if name == "relu":
        return np.where(x > 0, one, zero)
    if name == "relu6":
        return np.where((x > 0) & (x < 6), one, zero)
    if name == "leaky_relu":
        return np.where(x > 0, one, x.dtype.type(a))
    if name == "elu":
        return np.where(x > 0, one, a * np.exp(x))
    if name == "selu":
        return np.where(x > 0, x.dtype.type(SELU_SCALE), (SELU_SCALE * SELU_ALPHA) * np.exp(x))
    if name == "gelu":
        pdf = INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return 0.5 * _erfc(-x * SQRT1_2) + _mul0(x, pdf)
    if name == "gelu_tanh":
        u = SQRT_2_OVER_PI * (x + GELU_K * x * x * x)
        s = _sigmoid(2 * u)
        du = SQRT_2_OVER_PI * (1 + (3 * GELU_K) * x * x)
        return s + _mul0(_mul0(x, 2 * s * (1 - s)), du)
    if name in ("sigmoid",):
        return y * (1 - y)
    if name == "hard_sigmoid":
        return np.where((x > -3) & (x < 3), x.dtype.type(1 / 6), zero)
    if name == "hard_swish":
        return np.where(x < -3, zero, np.where(x > 3, one, (2 * x + 3) / 6))
    if name == "tanh":
        return 1 - y * y
    if name == "softplus":
        return _sigmoid(x)
    if name == "softsign":
        q = 1 + np.abs(x)
        return 1 / (q * q)
    if name == "silu":
        s = _sigmoid(x)
        return s + _mul0(_mul0(x, s), 1 - s)
    if name == "mish":
        t = np.tanh(_softplus(x))
        return t + _mul0(x, _sigmoid(x) * (1 - t * t))
    if name == "exponential":
        return y
    return np.ones_like(x)  # linear


def _alpha(name, alpha):
    return float(DEFAULT_ALPHA.get(name, 0.0) if alpha is None else alpha)


@_ieee
def activation_forward(name, x, alpha=None):
    """y = f(x) for activation ``name`` (elementwise; same shape and dtype as x)."""
    check_name(name, ACTIVATIONS, "activation")
    x = np.asarray(x)
    check_float(x)
    with np.errstate(**_IEEE):
        y = _act_fwd(name, _as_compute(x), _alpha(name, alpha))
    return np.asarray(y, dtype=x.dtype)


@_ieee
def activation_backward(name, x, y, dy, alpha=None):
    """dx = dy * f'(x). sigmoid, tanh and exponential use y (x may be None for them); the others
    use x (y may be None for them)."""
    check_name(name, ACTIVATIONS, "activation")
    if name in Y_BACKWARD:
        if y is None:
            if x is None:
                raise ValueError(f"activation_backward({name!r}) needs x or y")
            y = activation_forward(name, x, alpha)
        ref = np.asarray(y) if x is None else np.asarray(x)
    else:
        if x is None:
            raise ValueError(f"activation_backward({name!r}) needs x (the forward input)")
        ref = np.asarray(x)
    dy = np.asarray(dy)
    check_float(ref)
    check_float(dy, "dy")
    check_same_shape(ref, dy, "x", "dy")
    yc = None if y is None else _as_compute(y)
    if yc is not None:
        check_same_shape(ref, yc, "x", "y")
    xc = _as_compute(ref)
    with np.errstate(**_IEEE):
        d = _act_deriv(name, xc, yc, _alpha(name, alpha))
        dx = _as_compute(dy) * np.where(np.isnan(xc), xc, d)
    return np.asarray(dx, dtype=ref.dtype)


# ---- Dense epilogue: bias add + activation --------------------------------------------------

def _epilogue_inputs(z, bias):
    # shared with the CuPy wrapper: device arrays are checked as they are (np.asarray of a CuPy
    # array raises TypeError)
    z = z if hasattr(z, "shape") and hasattr(z, "dtype") else np.asarray(z)
    bias = bias if hasattr(bias, "shape") and hasattr(bias, "dtype") else np.asarray(bias)
    check_float(z, "z")
    if z.ndim != 2:
        raise ValueError(f"bias_activation: z must be 2-D (rows, units), received shape {z.shape}")
    if bias.shape != z.shape[1:]:
        raise ValueError(f"bias_activation: bias must have shape ({z.shape[1]},) to match z of "
                         f"shape {z.shape}, received shape {bias.shape}")
    if bias.dtype != z.dtype:
        raise TypeError(f"bias_activation: bias dtype must equal z dtype {z.dtype}, received "
                        f"{bias.dtype}")
    return z, bias


@_ieee
def bias_activation_forward(name, z, bias, alpha=None):
    """The Dense epilogue: ``pre = z + bias`` (bias broadcast over the rows of a 2-D ``z``) and
    ``y = f(pre)``. Returns ``(pre, y)``; ``pre`` is None for the activations in
    ``Y_ONLY_BACKWARD`` (their backward needs only y), so neither side has to keep it.

    ``z`` is consumed: the implementation may write into its buffer (the GPU kernel writes ``y``
    over it when ``pre`` is not kept). ``pre`` is rounded to z's dtype before ``f`` is applied,
    exactly as the unfused ``z += bias; f(z)``.
    """
    check_name(name, ACTIVATIONS, "activation")
    z, bias = _epilogue_inputs(z, bias)
    pre = np.add(z, bias)
    y = pre if name == "linear" else activation_forward(name, pre, alpha)
    return (None if name in Y_ONLY_BACKWARD else pre), y


@_ieee
def bias_activation_backward(name, x, y, dy, alpha=None, need_bias=True):
    """Backward of the Dense epilogue: ``dz = dy * f'(x)`` and ``db = dz`` summed over rows (in
    float64, from the rounded dz, like ``sum_batch``). ``x`` is the ``pre`` the forward returned
    (None for ``Y_ONLY_BACKWARD`` activations, which read y). Returns ``(dz, db)``; ``db`` is None
    when ``need_bias`` is false."""
    check_name(name, ACTIVATIONS, "activation")
    if x is None and name not in Y_ONLY_BACKWARD:
        raise ValueError(f"bias_activation_backward({name!r}) needs x (the pre-activation)")
    ref = np.asarray(y if x is None else x)
    check_float(ref, "x")
    if ref.ndim != 2:
        raise ValueError(f"bias_activation_backward: x and y must be 2-D (rows, units), received "
                         f"shape {ref.shape}")
    # relu/relu6/linear read y in place of x: same sign, same range, same NaNs
    dz = activation_backward(name, ref, y, dy, alpha)
    db = sum_batch(dz) if need_bias else None
    return dz, db

