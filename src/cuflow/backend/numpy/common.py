"""What every NumPy twin shares: input validation (the CUDA wrappers run the same checks before
any launch), compute and accumulation dtypes, the IEEE error state, and the elementwise helpers
that mirror ``kernels/cf_common.cuh``."""

from __future__ import annotations

import functools
import math

import numpy as np

_FLOATS = (np.float16, np.float32, np.float64)
_IEEE = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


def _ieee(fn):
    """Run fn with IEEE results and no RuntimeWarning (incl. float16 down-casts overflowing)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(**_IEEE):
            return fn(*args, **kwargs)

    return wrapper


# ---- validation helpers (the CUDA families run the same checks before any launch) ----------

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


def _as_compute(x):
    x = np.asarray(x)
    return x.astype(compute_dtype(x.dtype), copy=False)


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

