"""Gradient checks and exclusions for the ``keras.ops`` names added for Keras conformance (issue
15): the NaN-ignoring reductions, percentile / ptp, the NumPy elementwise extras, splits and
stacks, statistics, unfold / fold, depth_to_space / space_to_depth, layer_normalization,
sparse_sigmoid, cdist, erfc, pinv and cholesky_inverse (merged into ``grad_cases.ops_table()``).

NaN entries of the inputs are placed by a fixed mask (``_with_nan``): their gradient is 0, which
the central difference (it perturbs a NaN into a NaN) cannot see, so each case checks the
non-NaN entries through a function that puts the NaNs back in. Inputs stay away from kinks (ties
for extrema and sorting, the clip edges of sparse_sigmoid, the zero of heaviside).
"""

from __future__ import annotations

import numpy as np

from cuflow import ops

rg = np.random.default_rng(20251207)


def anyv(*shape, lo=-2.0, hi=2.0, kinks=(0.0,)):
    a = rg.uniform(lo, hi, size=shape)
    for k in kinks:
        a[np.abs(a - k) < 1e-3] += 2e-3
    return a


def pos(*shape):
    return rg.uniform(0.5, 2.0, size=shape)


def distinct(*shape):
    n = int(np.prod(shape))
    return (rg.permutation(n) / max(n, 1) * 4 - 2 + 0.013).reshape(shape)


def fort(a):
    return np.asfortranarray(a)


def _cat(outs):
    return ops.concatenate([ops.reshape(o, (-1,)) for o in outs], 0)


_NAN_MASK = np.array([[False, True, False, False], [False, False, False, True],
                      [True, False, False, False]])


def _with_nan(fn):
    """``fn`` of x with NaNs at fixed positions (x's own values there are ignored)."""
    def wrapped(x):
        return fn(ops.where(_NAN_MASK, float("nan"), x))
    return wrapped


def _spd_factor(x):
    a = ops.matmul(x, ops.swapaxes(x, -1, -2)) + 3.0 * ops.eye(x.shape[-1], dtype=x.dtype)
    return ops.cholesky(a)


def ks_ops_table():
    t = {
        "nansum": [(_with_nan(lambda x: ops.nansum(x, axis=1)), [anyv(3, 4)]),
                   (ops.nansum, [fort(anyv(3, 4))])],
        "nanprod": [(_with_nan(lambda x: ops.nanprod(x, axis=0)), [pos(3, 4)])],
        "nanmean": [(_with_nan(lambda x: ops.nanmean(x, axis=1, keepdims=True)), [anyv(3, 4)]),
                    (ops.nanmean, [anyv(1)])],
        "nanvar": [(_with_nan(lambda x: ops.nanvar(x, axis=1)), [anyv(3, 4)])],
        "nanstd": [(_with_nan(lambda x: ops.nanstd(x, axis=0)), [distinct(3, 4)])],
        "nanmax": [(_with_nan(lambda x: ops.nanmax(x, axis=1)), [distinct(3, 4)])],
        "nanmin": [(_with_nan(lambda x: ops.nanmin(x, axis=0)), [distinct(3, 4)])],
        "nancumsum": [(_with_nan(lambda x: ops.nancumsum(x, axis=1)), [anyv(3, 4)])],
        "nancumprod": [(_with_nan(lambda x: ops.nancumprod(x, axis=1)), [pos(3, 4)])],
        "nanquantile": [(_with_nan(lambda x: ops.nanquantile(x, np.array([0.3, 0.6]), axis=1)),
                         [distinct(3, 4)])],
        "nanpercentile": [(_with_nan(lambda x: ops.nanpercentile(x, 40.0, axis=0)),
                           [distinct(3, 4)])],
        "nanmedian": [(_with_nan(lambda x: ops.nanmedian(x, axis=1)), [distinct(3, 4)])],
        "percentile": [(lambda x: ops.percentile(x, np.array([10.0, 75.0]), axis=1),
                        [distinct(3, 5)])],
        "ptp": [(lambda x: ops.ptp(x, axis=0), [distinct(3, 4)]), (ops.ptp, [distinct(5)])],
        "fmod": [(ops.fmod, [anyv(3, 4), rg.uniform(0.3, 0.9, 4) * rg.choice([-1, 1], 4)])],
        "hypot": [(ops.hypot, [anyv(3, 4), anyv(4)])],
        "ldexp": [(lambda x: ops.ldexp(x, np.array([-1, 0, 2, 3])), [anyv(3, 4)])],
        "logaddexp2": [(ops.logaddexp2, [anyv(3, 4), fort(anyv(3, 4))])],
        "fmax": [(ops.fmax, [distinct(3, 4), distinct(3, 4) + 0.01])],
        "fmin": [(ops.fmin, [distinct(3, 4), distinct(4) + 0.01])],
        "heaviside": [(lambda x2: ops.heaviside(np.array([-1.0, 0.0, 2.0]), x2), [anyv(3)])],
        "cbrt": [(ops.cbrt, [anyv(3, 4, kinks=(0.0,)) + 3.0])],
        "deg2rad": [(ops.deg2rad, [anyv(3, 4)])],
        "rad2deg": [(ops.rad2deg, [anyv(3, 4)])],
        "fabs": [(ops.fabs, [anyv(3, 4)])],
        "i0": [(ops.i0, [anyv(3, 4)])],
        "sinc": [(ops.sinc, [anyv(3, 4)])],
        "array_split": [(lambda x: _cat(ops.array_split(x, 3, axis=1)), [anyv(2, 5)])],
        "hsplit": [(lambda x: _cat(ops.hsplit(x, [1, 3])), [anyv(2, 4)])],
        "vsplit": [(lambda x: _cat(ops.vsplit(x, 2)), [fort(anyv(4, 3))])],
        "dsplit": [(lambda x: _cat(ops.dsplit(x, 2)), [anyv(2, 2, 4)])],
        "flipud": [(ops.flipud, [anyv(3, 2)])],
        "fliplr": [(ops.fliplr, [fort(anyv(3, 2))])],
        "dstack": [(lambda a, b: ops.dstack([a, b]), [anyv(3), anyv(3)]),
                   (lambda a, b: ops.dstack([a, b]), [anyv(2, 3), anyv(2, 3)])],
        "inner": [(ops.inner, [anyv(2, 3), anyv(4, 3)]), (ops.inner, [anyv(3), anyv(3)])],
        "corrcoef": [(ops.corrcoef, [anyv(3, 5)])],
        "trapezoid": [(ops.trapezoid, [anyv(3, 4)]),
                      (lambda y, x: ops.trapezoid(y, x=x, axis=0), [anyv(4, 2), anyv(4)])],
        "vander": [(lambda x: ops.vander(x, 4), [anyv(3)]),
                   (lambda x: ops.vander(x, increasing=True), [anyv(3)])],
        "unfold": [(lambda x: ops.unfold(x, 2, stride=1), [anyv(1, 2, 3, 3)]),
                   (lambda x: ops.unfold(x, (2, 1), dilation=(1, 2), padding=1, stride=2),
                    [fort(anyv(2, 1, 4, 3))])],
        "fold": [(lambda x: ops.fold(x, (3, 3), 2), [anyv(1, 8, 4)]),
                 (lambda x: ops.fold(x, (4, 3), (2, 1), dilation=(1, 2), padding=1, stride=2),
                  [anyv(2, 2, 9)])],
        "depth_to_space": [(lambda x: ops.depth_to_space(x, 2), [anyv(1, 2, 1, 8)]),
                           (lambda x: ops.depth_to_space(x, 2, "channels_first"),
                            [anyv(1, 4, 1, 2)])],
        "space_to_depth": [(lambda x: ops.space_to_depth(x, 2), [anyv(1, 2, 4, 1)]),
                           (lambda x: ops.space_to_depth(x, 2, "channels_first"),
                            [anyv(1, 1, 2, 2)])],
        "layer_normalization": [
            (ops.layer_normalization, [anyv(3, 4)]),
            (lambda x, g, b: ops.layer_normalization(x, g, b, axis=(1, 2), epsilon=0.1),
             [anyv(2, 3, 2), anyv(3, 2), anyv(3, 2)])],
        "sparse_sigmoid": [(ops.sparse_sigmoid, [anyv(3, 4, kinks=(-1.0, 1.0))])],
        "cdist": [(ops.cdist, [anyv(3, 2), anyv(4, 2)]),
                  (ops.cdist, [anyv(2, 3, 2), anyv(2, 1, 2)])],
        "erfc": [(ops.erfc, [anyv(3, 4)])],
        "pinv": [(ops.pinv, [anyv(4, 3)]), (ops.pinv, [anyv(2, 2, 3)])],
        "cholesky_inverse": [(lambda x: ops.cholesky_inverse(_spd_factor(x)), [anyv(3, 3)]),
                             (lambda x: ops.cholesky_inverse(
                                 ops.swapaxes(_spd_factor(x), -1, -2), upper=True),
                              [anyv(2, 3, 3)])],
    }
    return {k: v for k, v in t.items() if hasattr(ops, k)}


_INT = "integer or bool output: not differentiable"
KS_OPS_EXCLUDED = {
    "allclose": _INT, "isin": _INT, "isneginf": _INT, "isposinf": _INT, "isreal": _INT,
    "signbit": _INT, "nanargmax": _INT, "nanargmin": _INT, "matrix_rank": _INT,
    "unique": _INT, "unravel_index": _INT,
    "gcd": "integer inputs only", "lcm": "integer inputs only",
    "nextafter": "a one-ulp step: piecewise constant in both operands",
    "angle": "piecewise constant on real tensors (0 or pi)",
    "view": "a bit reinterpretation, not a numeric function",
    "polar": "complex output: cuflow's complex tensors carry no gradients",
    "view_as_complex": "complex output: cuflow's complex tensors carry no gradients",
    "view_as_real": "complex input: cuflow's complex tensors carry no gradients",
    "empty_like": "creates a tensor from a shape: no float input",
    "geomspace": "creates a tensor from scalars: no float input",
    "bartlett": "a window from an integer length: no float input",
    "blackman": "a window from an integer length: no float input",
    "hamming": "a window from an integer length: no float input",
    "hanning": "a window from an integer length: no float input",
    "kaiser": "a window from an integer length and a constant beta: no float input",
}
