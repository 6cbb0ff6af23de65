"""NumPy twins of cuflow's CUDA kernels: the CPU implementation and the reference semantics.

Every function here has a GPU counterpart of the same name and signature in ``cupy_kernels.py``
that launches a kernel from ``kernels/*.cu``; the per-element and per-row formulas below are
written in the same order as the C++ in ``kernels/*.cuh`` so the two agree to rounding.

Shapes and reductions
    Activations are elementwise. ``softmax``/``log_softmax``/``logsumexp``/``row_max``/
    ``row_argmax`` work on the last axis. Losses follow Keras 3: ``per_sample`` has shape
    ``y_pred.shape[:-1]`` (the last axis is reduced: mean for elementwise losses, sum for
    ``kl_divergence`` and the crossentropies), so a rank-1 ``y_pred`` of shape ``(N,)`` gives a
    0-d per-sample value, exactly like Keras. ``d_pred`` is d(per_sample)/d(y_pred).
    Sparse labels have shape ``y_pred.shape[:-1]`` (a trailing axis of size 1 is accepted).
    A last axis of size 0 is rejected (ValueError) for every last-axis reduction except softmax
    and log_softmax; a batch of size 0 works everywhere.

Dtypes
    float16, float32, float64. float16 computes in float32. Sums accumulate in float64
    (float32 for float16 inputs), like the kernels.

NaN / Inf rule
    * Activations, forward: NaN in -> NaN out (``relu(NaN) = NaN``, NumPy's ``maximum``
      semantic; the kernels never use ``x > 0 ? x : 0`` nor ``fmaxf``). +-Inf give the
      mathematical limit (``gelu(-inf) = 0``, ``softsign(inf) = 1``), never inf * 0 = NaN.
    * Activations, backward: ``dx = dy * f'(x)`` with ``f'(NaN) = NaN``; it is a real product,
      so NaN in ``x`` or ``dy`` gives NaN (and ``inf * 0`` gives NaN, as IEEE says).
    * Elementwise losses: NaN in y_true or y_pred -> NaN loss and NaN gradient for that element
      (so NaN per-sample loss).
    * Row functions (softmax family, crossentropies, logsumexp, row max/argmax): a NaN anywhere in
      a row makes the row NaN (argmax returns the first NaN, as NumPy does). Rows containing
      -inf (not all) are finite; a row of all -inf gives NaN softmax and -inf logsumexp; +inf in
      a row gives NaN softmax and +inf logsumexp. ``0 * log 0`` is taken as 0 in crossentropy.
    * Large finite inputs (logits +-3e38, sigmoid/tanh/softplus at +-1000, probabilities exactly
      0 and 1) give finite results. No function emits a NumPy RuntimeWarning: intermediate
      overflow and invalid operations are IEEE-defined here, computed under ``np.errstate``.

Gradient conventions at kinks: relu-like functions take the derivative of the right-open side
(``relu'(0) = 0``, ``leaky_relu'(0) = alpha``); ``clip``/``maximum`` pass the gradient on the
closed interval (TensorFlow's convention) and 0 outside it; ``sign(0) = 0``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .names import ACTIVATIONS, LOSSES

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "accuracy_count",
    "activation_backward",
    "activation_forward",
    "bias_activation_backward",
    "bias_activation_forward",
    "col2im",
    "global_l2_norm",
    "im2col",
    "log_softmax_backward",
    "log_softmax_forward",
    "logsumexp",
    "max_pool_backward",
    "max_pool_forward",
    "loss_forward_backward",
    "row_argmax",
    "row_max",
    "softmax_backward",
    "softmax_forward",
    "sparse_softmax_cross_entropy",
    "sum_batch",
]


# Activations whose backward uses the forward output y instead of x.
Y_BACKWARD = frozenset({"sigmoid", "tanh", "exponential"})
# Activations whose derivative is a function of y alone (relu and relu6 through the sign and range
# of y, which equal those of x, NaN included): the Dense epilogue keeps only y for them.
Y_ONLY_BACKWARD = Y_BACKWARD | {"relu", "relu6", "linear"}
DEFAULT_ALPHA = {"leaky_relu": 0.2, "elu": 1.0}
# Losses whose last-axis reduction is a sum (the others are means).
SUM_LOSSES = frozenset({"kl_divergence", "categorical_crossentropy",
                        "sparse_categorical_crossentropy"})
ELEMENTWISE_LOSSES = ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                      "binary_crossentropy", "kl_divergence", "hinge", "squared_hinge", "poisson",
                      "mean_absolute_percentage_error", "mean_squared_logarithmic_error")
FROM_LOGITS_LOSSES = frozenset({"binary_crossentropy", "categorical_crossentropy",
                                "sparse_categorical_crossentropy"})
SMOOTHING_LOSSES = frozenset({"binary_crossentropy", "categorical_crossentropy"})
ACCURACY_KINDS = ("sparse", "categorical", "binary")

EPSILON = 1e-7  # Keras' backend.epsilon()
_FLOATS = (np.float16, np.float32, np.float64)
_IEEE = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SQRT1_2 = 0.70710678118654752440084436210485
INV_SQRT_2PI = 0.39894228040143267793994605993438
SQRT_2_OVER_PI = 0.79788456080286535587989211986876
GELU_K = 0.044715
LOG2 = 0.69314718055994530941723212145818


def _ieee(fn):
    """Run fn with IEEE results and no RuntimeWarning (incl. float16 down-casts overflowing)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(**_IEEE):
            return fn(*args, **kwargs)

    return wrapper


# ---- validation helpers (shared with cupy_kernels through import) ---------------------------

def check_name(name, valid, what):
    if name not in valid:
        raise ValueError(f"unknown {what} {name!r}; expected one of: {', '.join(valid)}")


def check_float(x, what="x"):
    if np.dtype(x.dtype).type not in _FLOATS:
        raise TypeError(f"{what} must be float16, float32 or float64, received dtype {x.dtype}")


def check_same_shape(a, b, what_a="y_true", what_b="y_pred"):
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{what_a} and {what_b} must have the same shape, received "
                         f"{what_a} {tuple(a.shape)} and {what_b} {tuple(b.shape)}")


def sparse_label_shape(labels, y_pred):
    """Labels of shape y_pred.shape[:-1], or that plus a trailing 1 (squeezed)."""
    want = tuple(y_pred.shape[:-1])
    shape = tuple(labels.shape)
    if shape == want + (1,):
        return want
    if shape != want:
        raise ValueError(f"sparse labels must have shape {want} (y_pred.shape[:-1]) for y_pred "
                         f"of shape {tuple(y_pred.shape)}, received labels of shape {shape}")
    return want


def check_integer_labels(labels):
    if labels.dtype.kind not in "iu":
        raise TypeError(f"sparse labels must be an integer array, received dtype {labels.dtype}")


def bad_label_error(value, n):
    return ValueError(f"sparse label {int(value)} is out of range [0, {n}) "
                      f"for y_pred with {n} classes")


def compute_dtype(dtype):
    return np.float32 if np.dtype(dtype) == np.float16 else np.dtype(dtype).type


def acc_dtype(dtype):
    return np.float32 if np.dtype(dtype) == np.float16 else np.float64


def loss_options(name, from_logits, label_smoothing, n):
    """Validated (kernel_name, ls_a, ls_b): label smoothing as t' = t * ls_a + ls_b."""
    if from_logits and name not in FROM_LOGITS_LOSSES:
        raise ValueError(f"from_logits=True is only valid for {sorted(FROM_LOGITS_LOSSES)}, "
                         f"not {name!r}")
    ls = float(label_smoothing)
    if ls and name not in SMOOTHING_LOSSES:
        raise ValueError(f"label_smoothing is only valid for {sorted(SMOOTHING_LOSSES)}, "
                         f"not {name!r}")
    if not 0.0 <= ls <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], received {label_smoothing}")
    ls_b = 0.5 * ls if name == "binary_crossentropy" else (ls / n if n else 0.0)
    kernel = name + "_logits" if from_logits else name
    return kernel, 1.0 - ls, ls_b


# ---- elementwise helpers mirroring cf_common.cuh ---------------------------------------------

def _mul0(a, b):
    zero = ((a == 0) & ~np.isnan(b)) | ((b == 0) & ~np.isnan(a))
    return np.where(zero, 0, a * b)


def _sigmoid(x):
    e = np.exp(x)
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), e / (1 + e))


def _softplus(x):
    return np.where(x > 0, x, 0) + np.log1p(np.exp(-np.abs(x)))


def _relu6(x):
    return np.where(x < 0, 0, np.where(x > 6, 6, x))


def _pass(mask, like):
    return mask.astype(like.dtype)


_erfc_ufunc = np.frompyfunc(math.erfc, 1, 1)


def _erfc(x):
    # NumPy has no erfc; math.erfc per element is exact to double precision (and is the same
    # libm function the host-compiled kernels call). Slow-ish, but only gelu needs it.
    # np.asarray: on a 0-d input a frompyfunc ufunc returns a Python float, not an array
    return np.asarray(_erfc_ufunc(x.astype(np.float64)), dtype=np.float64).astype(x.dtype)


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


def _as_compute(x):
    x = np.asarray(x)
    return x.astype(compute_dtype(x.dtype), copy=False)


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


# ---- convolution windows -------------------------------------------------------------------

def _positive_ints(name, values, n, low=1):
    vals = tuple(values)
    if len(vals) != n or any(not isinstance(v, (int, np.integer)) or isinstance(v, bool)
                             or v < low for v in vals):
        raise ValueError(f"{name} must be {n} ints >= {low}; received {values!r}")
    return tuple(int(v) for v in vals)


def window_geometry(x_shape, ks, strides, dils, pads, outs):
    """Validated ``(ks, strides, dils, pads, outs)`` for a channels_last input of shape
    ``x_shape`` (B, *S, C); ``outs`` must be the sizes the window sweep gives."""
    n = len(x_shape) - 2
    if n < 1:
        raise ValueError(f"im2col: input must be (batch, *spatial, channels); received shape "
                         f"{tuple(x_shape)}")
    ks = _positive_ints("kernel size", ks, n)
    strides = _positive_ints("strides", strides, n)
    dils = _positive_ints("dilations", dils, n)
    pads = tuple(_positive_ints("padding", p, 2, low=0) for p in pads)
    if len(pads) != n:
        raise ValueError(f"padding must be {n} (before, after) pairs; received {pads!r}")
    want = tuple(max((s + pb + pa - (k - 1) * d - 1) // st + 1, 0) for s, k, st, d, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, dils, pads))
    if tuple(outs) != want:
        raise ValueError(f"output sizes {tuple(outs)!r} do not match input {tuple(x_shape)} "
                         f"with kernel {ks}, strides {strides}, dilations {dils}, padding "
                         f"{pads}: expected {want}")
    return ks, strides, dils, pads, want


def im2col(x, ks, strides, dils, pads, outs):
    """The convolution window matrix of a channels_last ``x`` (B, *S, C): shape
    ``(B * prod(outs), prod(ks) * C)``; row (b, o...), column (k..., c) holds
    ``x[b, o * stride + k * dilation - pad_before, c]`` and 0 in the padding."""
    from .conv_windows import im2col as reference

    x = np.asarray(x)
    check_float(x)
    ks, strides, dils, pads, outs = window_geometry(x.shape, ks, strides, dils, pads, outs)
    return reference(np, x, ks, strides, dils, pads, outs)


def col2im(cols, x_shape, ks, strides, dils, pads, outs):
    """The transpose of ``im2col`` for offset-major columns ``(prod(ks), B * prod(outs), C)``
    (one GEMM per kernel offset): each window element added back onto its input position, in
    kernel-offset order, in the columns' dtype; padding contributions dropped."""
    from .conv_windows import col2im as reference

    cols = np.asarray(cols)
    check_float(cols, "cols")
    x_shape = tuple(int(v) for v in x_shape)
    ks, strides, dils, pads, outs = window_geometry(x_shape, ks, strides, dils, pads, outs)
    want = (math.prod(ks), x_shape[0] * math.prod(outs), x_shape[-1])
    if cols.shape != want:
        raise ValueError(f"col2im: cols must have shape {want} for input {x_shape} and kernel "
                         f"{ks}; received {cols.shape}")
    return reference(np, cols, x_shape, ks, strides, dils, pads, outs)


def _pool_geometry(x_shape, ks, strides, pads, outs):
    ks, strides, _, pads, outs = window_geometry(x_shape, ks, strides, (1,) * len(ks), pads,
                                                 outs)
    return ks, strides, pads, outs


@_ieee
def max_pool_forward(x, ks, strides, pads, outs):
    """Max pooling of channels_last ``x`` (B, *S, C): the window maximum, NaN-propagating, with
    padding as -inf; shape (B, *outs, C)."""
    from .conv_windows import max_pool

    x = np.asarray(x)
    check_float(x)
    ks, strides, pads, outs = _pool_geometry(x.shape, ks, strides, pads, outs)
    return max_pool(np, x, ks, strides, pads, outs)


@_ieee
def max_pool_backward(g, x, y, ks, strides, pads, outs):
    """The input gradient of max pooling: each window's ``g`` goes to the first offset (window
    order) holding the maximum ``y``; a NaN window sends none (``g * 0`` is still added, so NaN
    or Inf in ``g`` reach every position of its window, as IEEE says)."""
    from .conv_windows import max_pool_backward as reference

    g, x, y = np.asarray(g), np.asarray(x), np.asarray(y)
    check_float(x)
    ks, strides, pads, outs = _pool_geometry(x.shape, ks, strides, pads, outs)
    want = (x.shape[0],) + outs + (x.shape[-1],)
    for name, a in (("g", g), ("y", y)):
        if a.shape != want or a.dtype != x.dtype:
            raise ValueError(f"max_pool_backward: {name} must be {x.dtype} of shape {want}; "
                             f"received {a.dtype} of shape {a.shape}")
    return reference(np, g, x, y, ks, strides, pads, outs)


# ---- last-axis functions ------------------------------------------------------------------

def _row_max(x):
    # np.max of an empty axis raises; callers only reach here with rows that have columns.
    return np.max(x, axis=-1, keepdims=True)


def _sumexp(x, m):
    return np.sum(np.exp(x - m), axis=-1, keepdims=True, dtype=acc_dtype(x.dtype))


def _rowwise_input(x, what="x", allow_empty_rows=False):
    x = np.asarray(x)
    check_float(x, what)
    if x.ndim < 1:
        raise ValueError(f"{what} needs at least one axis, received a 0-d array")
    if not allow_empty_rows and x.shape[-1] == 0 and x.size == 0 and \
            math.prod(x.shape[:-1]) > 0:
        raise ValueError(f"{what} has an empty last axis (shape {x.shape}); the reduction over "
                         "it is undefined")
    return x


@_ieee
def softmax_forward(x):
    """softmax over the last axis: exp(x - max) / sum."""
    x = _rowwise_input(x, allow_empty_rows=True)
    if x.size == 0:
        return x.copy()
    xc = _as_compute(x)
    with np.errstate(**_IEEE):
        m = _row_max(xc)
        s = _sumexp(xc, m).astype(xc.dtype)
        y = np.exp(xc - m) / s
    return y.astype(x.dtype)


@_ieee
def log_softmax_forward(x):
    x = _rowwise_input(x, allow_empty_rows=True)
    if x.size == 0:
        return x.copy()
    xc = _as_compute(x)
    with np.errstate(**_IEEE):
        m = _row_max(xc)
        y = (xc - m) - np.log(_sumexp(xc, m).astype(xc.dtype))
    return y.astype(x.dtype)


def _row_backward_inputs(y, dy):
    """Validated (y, y, dy) of a row function's backward, the last two in compute precision."""
    y = _rowwise_input(y, "y", allow_empty_rows=True)
    dy = np.asarray(dy)
    check_float(dy, "dy")
    check_same_shape(y, dy, "y", "dy")
    return y, _as_compute(y), _as_compute(dy)


@_ieee
def softmax_backward(y, dy):
    """dx = y * (dy - sum(dy * y)), y the softmax output."""
    y, yc, dyc = _row_backward_inputs(y, dy)
    with np.errstate(**_IEEE):
        dot = np.sum(dyc * yc, axis=-1, keepdims=True, dtype=acc_dtype(y.dtype)).astype(yc.dtype)
        dx = yc * (dyc - dot)
    return dx.astype(y.dtype)


@_ieee
def log_softmax_backward(y, dy):
    """dx = dy - exp(y) * sum(dy), y the log_softmax output."""
    y, yc, dyc = _row_backward_inputs(y, dy)
    with np.errstate(**_IEEE):
        tot = np.sum(dyc, axis=-1, keepdims=True, dtype=acc_dtype(y.dtype)).astype(yc.dtype)
        dx = dyc - np.exp(yc) * tot
    return dx.astype(y.dtype)


@_ieee
def logsumexp(x):
    """log(sum(exp(x))) over the last axis; a row whose max is +-inf returns that max."""
    x = _rowwise_input(x)
    if x.size == 0:
        return np.empty(x.shape[:-1], x.dtype)
    xc = _as_compute(x)
    with np.errstate(**_IEEE):
        m = _row_max(xc)
        safe = np.where(np.isinf(m), 0, m).astype(xc.dtype)
        s = _sumexp(xc, safe).astype(xc.dtype)
        out = np.where(np.isinf(m), m, m + np.log(s))
    return out[..., 0].astype(x.dtype)


@_ieee
def row_max(x):
    x = _rowwise_input(x)
    if x.size == 0:
        return np.empty(x.shape[:-1], x.dtype)
    return np.max(x, axis=-1)


@_ieee
def row_argmax(x):
    """argmax over the last axis (int64); NaN wins (first NaN), ties go to the first index."""
    x = _rowwise_input(x)
    if x.size == 0:
        return np.empty(x.shape[:-1], np.int64)
    return np.argmax(x, axis=-1).astype(np.int64)


# ---- losses ---------------------------------------------------------------------------------

def _elem_loss(kernel, t, p, delta):
    """(l, g) per element, mirroring the cf_loss_* structs."""
    lo, hi = EPSILON, 1.0 - EPSILON
    if kernel == "mean_squared_error":
        e = p - t
        return e * e, 2 * e
    if kernel == "mean_absolute_error":
        e = p - t
        return np.abs(e), np.sign(e)
    if kernel == "huber":
        e = p - t
        a = np.abs(e)
        quad = a <= delta
        return (np.where(quad, 0.5 * e * e, delta * a - 0.5 * delta * delta),
                np.where(quad, e, delta * np.sign(e)))
    if kernel == "log_cosh":
        e = p - t
        a = np.abs(e)
        return a + _softplus(-2 * a) - LOG2, np.tanh(e)
    if kernel == "binary_crossentropy":
        q = np.clip(p, lo, hi)
        g = _pass((p >= lo) & (p <= hi), p) * (-t / q + (1 - t) / (1 - q))
        return -(t * np.log(q) + (1 - t) * np.log(1 - q)), g
    if kernel == "binary_crossentropy_logits":
        tail = np.log1p(np.exp(-np.abs(p)))
        loss = np.where(p >= 0, _mul0(1 - t, p) + tail, tail - _mul0(t, p))
        return loss, _sigmoid(p) - t
    if kernel == "kl_divergence":
        tc, pc = np.clip(t, lo, 1), np.clip(p, lo, 1)
        return tc * np.log(tc / pc), _pass((p >= lo) & (p <= 1), p) * (-tc / pc)
    if kernel == "hinge":
        m = 1 - t * p
        return np.maximum(m, 0), np.where(m > 0, -t, 0)
    if kernel == "squared_hinge":
        m = np.maximum(1 - t * p, 0)
        return m * m, -2.0 * t * m
    if kernel == "poisson":
        q = p + EPSILON
        return p - t * np.log(q), 1 - t / q
    if kernel == "mean_absolute_percentage_error":
        d = np.maximum(np.abs(t), EPSILON)
        return 100.0 * (np.abs(t - p) / d), 100.0 * np.sign(p - t) / d
    if kernel == "mean_squared_logarithmic_error":
        pm, tm = np.maximum(p, lo) + 1, np.maximum(t, lo) + 1
        e = np.log(pm) - np.log(tm)
        return e * e, _pass(p >= lo, p) * 2.0 * e / pm
    raise AssertionError(kernel)


def _onehot(k, n, like):
    return np.arange(n) == k[..., None]


def _row_loss(kernel, t, p, labels, ls_a, ls_b):
    """(loss[rows], grad) for the row-wise losses, mirroring cf_losses.cuh."""
    acc = acc_dtype(p.dtype)
    n = p.shape[-1]
    lo, hi = EPSILON, 1.0 - EPSILON

    def rsum(v):
        return np.sum(v, axis=-1, keepdims=True, dtype=acc)

    if kernel in ("categorical_crossentropy", "categorical_crossentropy_logits"):
        tj = t * ls_a + ls_b
        if kernel == "categorical_crossentropy":
            s = rsum(p).astype(p.dtype)
            q = p / s
            qc = np.clip(q, lo, hi)
            loss = rsum(-(tj * np.log(qc))).astype(p.dtype)
            gq = _pass((q >= lo) & (q <= hi), q) * (-tj / qc)
            d = rsum(gq * q).astype(p.dtype)
            return loss[..., 0], (gq - d) / s
        m = _row_max(p)
        s = _sumexp(p, m).astype(p.dtype)
        lse = m + np.log(s)
        loss = rsum(_mul0(tj, lse - p)).astype(p.dtype)
        ts = rsum(tj).astype(p.dtype)
        return loss[..., 0], np.exp(p - m) / s * ts - tj
    if kernel in ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy_logits"):
        hot = _onehot(labels, n, p)
        xk = np.take_along_axis(p, labels[..., None], axis=-1)
        if kernel == "sparse_categorical_crossentropy":
            s = rsum(p).astype(p.dtype)
            q = xk / s
            qc = np.clip(q, lo, hi)
            gq = _pass((q >= lo) & (q <= hi), q) * (-1 / qc)
            return -np.log(qc)[..., 0], (np.where(hot, gq, 0) - gq * q) / s
        m = _row_max(p)
        s = _sumexp(p, m).astype(p.dtype)
        return ((m + np.log(s)) - xk)[..., 0], np.exp(p - m) / s - hot
    if kernel == "categorical_hinge":
        pos = rsum(t * p).astype(p.dtype)
        v = (1 - t) * p
        k = np.argmax(v, axis=-1)
        neg = np.take_along_axis(v, k[..., None], axis=-1)
        margin = neg - pos + 1
        g = -t + np.where(_onehot(k, n, p), 1 - t, 0)
        g = np.where(margin > 0, g, np.where(np.isnan(margin), margin, 0))
        return np.maximum(margin, 0)[..., 0], g
    if kernel == "cosine_similarity":
        tt, pp, tp = rsum(t * t), rsum(p * p), rsum(t * p)
        cap = 1.0 / EPSILON
        rt = np.minimum(1 / np.sqrt(tt), cap)
        rp_raw = 1 / np.sqrt(pp)
        clipped = rp_raw > cap
        rp = np.where(clipped, cap, rp_raw)
        up = tp * rt
        u = t.astype(acc) * rt
        g = -rp * u + np.where(clipped, 0, up * rp * rp * rp * p.astype(acc))
        return (-(up * rp))[..., 0].astype(p.dtype), g.astype(p.dtype)
    raise AssertionError(kernel)


def _hinge_binary(t):
    return bool(np.all((t == 0) | (t == 1)))


def _check_loss_inputs(name, y_true, y_pred, from_logits, label_smoothing):
    check_name(name, LOSSES, "loss")
    check_float(y_pred, "y_pred")
    if y_pred.ndim < 1:
        raise ValueError("y_pred needs at least one axis (the last axis is reduced), received "
                         "a 0-d array")
    n = y_pred.shape[-1]
    if n == 0 and math.prod(y_pred.shape[:-1]) > 0:
        raise ValueError(f"y_pred has an empty last axis (shape {y_pred.shape}); the loss "
                         "reduces over it")
    if name == "sparse_categorical_crossentropy":
        check_integer_labels(y_true)
        sparse_label_shape(y_true, y_pred)
    else:
        if y_true.dtype.kind not in "biuf":
            raise TypeError(f"y_true must be numeric, received dtype {y_true.dtype}")
        check_same_shape(y_true, y_pred)
    return loss_options(name, from_logits, label_smoothing, n)


@_ieee
def loss_forward_backward(name, y_true, y_pred, from_logits=False, label_smoothing=0.0,
                          delta=1.0, need_grad=True):
    """Fused Keras loss: (per_sample, d_pred), see the module docstring for shapes."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    kernel, ls_a, ls_b = _check_loss_inputs(name, y_true, y_pred, from_logits, label_smoothing)
    out_shape = y_pred.shape[:-1]
    n = y_pred.shape[-1]
    p = _as_compute(y_pred)
    labels = None
    if name == "sparse_categorical_crossentropy":
        labels = y_true.reshape(out_shape)
        if labels.size:
            lo_, hi_ = labels.min(), labels.max()
            if lo_ < 0 or hi_ >= n:
                raise bad_label_error(lo_ if lo_ < 0 else hi_, n)
        labels = labels.astype(np.int64)
        t = None
    else:
        t = y_true.astype(p.dtype)
    if y_pred.size == 0:
        per = np.zeros(out_shape, y_pred.dtype)
        return per, (np.zeros_like(y_pred) if need_grad else None)
    if name in ("hinge", "squared_hinge") and _hinge_binary(t):
        ls_a, ls_b = 2.0, -1.0
    with np.errstate(**_IEEE):
        if kernel in ELEMENTWISE_LOSSES or kernel == "binary_crossentropy_logits":
            t = t * ls_a + ls_b
            lel, g = _elem_loss(kernel, t, p, p.dtype.type(delta))
            bad = np.isnan(t) | np.isnan(p)
            lel = np.where(bad, t + p, lel)
            g = np.where(bad, lel, g)
            scale = 1.0 if name in SUM_LOSSES else 1.0 / n
            per = np.sum(lel, axis=-1, dtype=acc_dtype(p.dtype)).astype(p.dtype) * scale
            grad = g * scale
        else:
            per, grad = _row_loss(kernel, t, p, labels, ls_a, ls_b)
    per = np.asarray(per, dtype=y_pred.dtype)
    return per, (np.asarray(grad, dtype=y_pred.dtype) if need_grad else None)


@_ieee
def sparse_softmax_cross_entropy(logits, labels, need_grad=True):
    """Fused softmax + sparse crossentropy from logits: (loss[...], dlogits)."""
    return loss_forward_backward("sparse_categorical_crossentropy", labels, logits,
                                 from_logits=True, need_grad=need_grad)


# ---- reductions ---------------------------------------------------------------------------

@_ieee
def sum_batch(x):
    """Sum over axis 0 (bias gradient), accumulated in float64; shape x.shape[1:]."""
    x = np.asarray(x)
    check_float(x)
    if x.ndim < 1:
        raise ValueError("sum_batch needs at least one axis, received a 0-d array")
    return np.sum(x, axis=0, dtype=acc_dtype(np.float32)).astype(x.dtype)


@_ieee
def global_l2_norm(arrays):
    """sqrt of the sum of squares of every array (float64 accumulation); a 0-d array, float64
    if any input is float64 else float32."""
    arrays = [np.asarray(a) for a in arrays]
    out = np.float32
    total = 0.0
    for a in arrays:
        check_float(a, "arrays[i]")
        if a.dtype == np.float64:
            out = np.float64
        v = a.astype(np.float64).ravel()
        total += float(v @ v)
    return np.asarray(math.sqrt(total), dtype=out)


@_ieee
def accuracy_count(y_true, y_pred, kind, threshold=0.5):
    """Number of correct predictions as a 0-d int64 array.

    kind "sparse": argmax(y_pred) == y_true (labels of shape y_pred.shape[:-1], trailing 1
    allowed; any numeric dtype, compared by value like Keras); "categorical": argmax(y_pred) ==
    argmax(y_true); "binary": (y_pred > threshold) == y_true elementwise, y_true cast to
    y_pred's dtype. Out-of-range sparse labels simply never match (nothing is indexed by them).
    """
    check_name(kind, ACCURACY_KINDS, "accuracy kind")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_float(y_pred, "y_pred")
    if kind == "binary":
        check_same_shape(y_true, y_pred)
        with np.errstate(**_IEEE):
            hits = (y_pred > threshold).astype(y_pred.dtype) == y_true.astype(y_pred.dtype)
        return np.asarray(np.count_nonzero(hits), dtype=np.int64)
    _rowwise_input(y_pred, "y_pred")
    if kind == "sparse":
        if y_true.dtype.kind not in "biuf":
            raise TypeError(f"y_true must be numeric, received dtype {y_true.dtype}")
        want = sparse_label_shape(y_true, y_pred)
        if y_pred.size == 0:
            return np.asarray(0, dtype=np.int64)
        hits = row_argmax(y_pred) == y_true.reshape(want)
    else:
        check_same_shape(y_true, y_pred)
        if y_pred.size == 0:
            return np.asarray(0, dtype=np.int64)
        hits = row_argmax(y_pred) == np.argmax(y_true, axis=-1)
    return np.asarray(np.count_nonzero(hits), dtype=np.int64)
