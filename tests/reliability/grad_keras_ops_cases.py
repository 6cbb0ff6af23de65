"""Gradient checks and exclusions for more ``keras.ops`` names in ``ops/numpy/``, ``ops/nn/`` and
``ops/core.py`` (merged into the ops registry by grad_cases.py).

A generator of its own keeps the shared ``R`` draws of the other tables unchanged. Inputs stay
more than the central difference's eps away from every kink (shrink thresholds, clip edges,
ties in quantile / sparsemax sorting).
"""

from __future__ import annotations

import numpy as np

from cuflow import ops

rg = np.random.default_rng(20250611)


def anyv(*shape, lo=-2.0, hi=2.0, kinks=(0.0,)):
    a = rg.uniform(lo, hi, size=shape)
    for k in kinks:
        a[np.abs(a - k) < 1e-3] += 2e-3
    return a


def distinct(*shape):
    n = int(np.prod(shape))
    return (rg.permutation(n) / max(n, 1) * 4 - 2 + 0.013).reshape(shape)


def fort(a):
    return np.asfortranarray(a)


def _cat(outs):
    return ops.concatenate([ops.reshape(o, (-1,)) for o in outs], 0)


def _custom_clip_identity():
    """Identity forward, gradient clipped to [-0.5, 0.5] (a custom_gradient use)."""

    @ops.custom_gradient
    def clip_grad(x):
        def grad(upstream):
            return ops.clip(upstream, -0.5, 0.5)

        return ops.copy(x), grad

    return clip_grad


def _custom_log1pexp():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return upstream * (1.0 - 1.0 / (1.0 + e))

        return ops.log(1.0 + e), grad

    return log1pexp


def keras_ops_table():
    shrink = (-0.5, 0.5, 0.0)
    t = {
        # ops/numpy
        "array": [(ops.array, [anyv(3, 4)])],
        "copy": [(ops.copy, [anyv(3, 4)]), (ops.copy, [fort(anyv(3, 4))])],
        "conj": [(ops.conj, [anyv(3, 4)])],
        "real": [(ops.real, [fort(anyv(3, 4))])],
        "correlate": [(lambda a, v, m=m: ops.correlate(a, v, m), [anyv(n), anyv(k)])
                      for m, n, k in (("valid", 5, 3), ("same", 3, 5), ("full", 4, 2))],
        "cross": [(ops.cross, [anyv(4, 3), anyv(4, 3)]),
                  (lambda a, b: ops.cross(a, b, axis=0), [fort(anyv(3, 2)), anyv(3, 2)]),
                  (ops.cross, [anyv(2, 2), anyv(2, 3)])],
        "diagflat": [(lambda x: ops.diagflat(x, -1), [anyv(2, 2)])],
        "kron": [(ops.kron, [anyv(2, 3), anyv(2, 2)]), (ops.kron, [anyv(3), fort(anyv(2, 2))])],
        "median": [(ops.median, [distinct(3, 4)]),
                   (lambda x: ops.median(x, axis=1, keepdims=True), [distinct(3, 5)])],
        "quantile": [(lambda x, m=m: ops.quantile(x, np.array([0.1, 0.5, 0.8]), axis=0,
                                                  method=m), [distinct(6, 3)])
                     for m in ("linear", "lower", "higher", "midpoint", "nearest")],
        "meshgrid": [(lambda a, b: _cat(ops.meshgrid(a, b)), [anyv(3), anyv(2)]),
                     (lambda a, b: _cat(ops.meshgrid(a, b, indexing="ij")), [anyv(2), anyv(4)])],
        "rot90": [(lambda x, k=k: ops.rot90(x, k), [anyv(2, 3)]) for k in (1, 2, 3)]
        + [(lambda x: ops.rot90(x, 1, (2, 0)), [fort(anyv(2, 3, 2))])],
        "select": [(lambda a, b: ops.select([a > 0.5, b < 0], [a, b * 2], default=-1.0),
                    [anyv(3, 4, kinks=(0.5,)), anyv(3, 4)])],
        "vdot": [(ops.vdot, [anyv(3, 2), anyv(2, 3)])],
        "vectorize": [(lambda a, b: ops.vectorize(lambda u, w: ops.sum(u * w),
                                                  signature="(n),(n)->()")(a, b),
                       [anyv(3, 4), anyv(4)]),
                      (lambda a: ops.vectorize(lambda u: u * u)(a), [anyv(2, 2)])],
        # ops/nn
        "hard_tanh": [(ops.hard_tanh, [anyv(3, 4, kinks=(-1, 1))])],
        "hard_shrink": [(ops.hard_shrink, [anyv(3, 4, kinks=shrink)]),
                        (lambda x: ops.hard_shrink(x, 1.0), [fort(anyv(3, 4,
                                                                       kinks=(-1, 1)))])],
        "soft_shrink": [(ops.soft_shrink, [anyv(3, 4, kinks=shrink)]),
                        (lambda x: ops.soft_shrink(x, 0.2), [anyv(1, kinks=(-0.2, 0.2))])],
        "sparse_plus": [(ops.sparse_plus, [anyv(3, 4, kinks=(-1, 1))])],
        "squareplus": [(ops.squareplus, [anyv(3, 4)]),
                       (lambda x: ops.squareplus(x, 0.5), [fort(anyv(3, 4))])],
        "tanh_shrink": [(ops.tanh_shrink, [anyv(3, 4)])],
        "threshold": [(lambda x: ops.threshold(x, 0.3, -2.0), [anyv(3, 4, kinks=(0.3,))])],
        "glu": [(ops.glu, [anyv(3, 4)]), (lambda x: ops.glu(x, 0), [fort(anyv(4, 3))])],
        "sparsemax": [(ops.sparsemax, [distinct(3, 4)]),
                      (lambda x: ops.sparsemax(x, 0), [distinct(4, 2) * 0.3])],
        "dot_product_attention": [
            (ops.dot_product_attention, [anyv(2, 3, 2, 4), anyv(2, 5, 2, 4), anyv(2, 5, 2, 4)]),
            (lambda q, k, v, b: ops.dot_product_attention(
                q, k, v, bias=b, mask=np.array([[True, True, False, True]]), is_causal=True,
                scale=0.7), [anyv(1, 3, 4, 2), anyv(1, 4, 2, 2), fort(anyv(1, 4, 2, 2)),
                             anyv(1, 4, 3, 4)]),
            (lambda q, k, v: ops.dot_product_attention(q, k, v, attn_logits_soft_cap=2.0),
             [anyv(2, 3, 4), anyv(2, 2, 4), anyv(2, 2, 4)])],
        "batch_normalization": [
            (lambda x, m, v, o, s: ops.batch_normalization(x, m, v, 1, o, s),
             [anyv(3, 4), anyv(4), rg.uniform(0.5, 2, 4), anyv(4), anyv(4)]),
            (lambda x, m, v: ops.batch_normalization(x, m, v, axis=0, epsilon=0.1),
             [fort(anyv(3, 2)), anyv(3), rg.uniform(0.5, 2, 3)])],
        "rms_normalization": [(ops.rms_normalization, [anyv(3, 4)]),
                              (lambda x, s: ops.rms_normalization(x, s, axis=0, epsilon=1e-3),
                               [fort(anyv(3, 4)), anyv(4)])],
        "psnr": [(lambda a, b: ops.psnr(a, b, 2.0), [anyv(3, 4), anyv(3, 4)])],
        # ops/core.py
        "scatter": [(lambda v: ops.scatter(np.array([[0, 1], [2, 0], [0, 1]]), v, (3, 2)),
                     [anyv(3)]),
                    (lambda v: ops.scatter(np.array([[1], [3]]), v, (4, 3)), [anyv(2, 3)])],
        "scatter_update": [
            (lambda x, u: ops.scatter_update(x, np.array([[0, 1], [2, 0], [0, 1]]), u),
             [anyv(3, 2), anyv(3)]),
            (lambda x, u: ops.scatter_update(x, np.array([[1], [3]]), u),
             [fort(anyv(4, 3)), anyv(2, 3)])],
        "slice_update": [(lambda x, u: ops.slice_update(x, (1, 1), u),
                          [anyv(3, 4), fort(anyv(2, 2))])],
        "switch": [(lambda x: ops.switch(1, [ops.sin, ops.cos], x), [anyv(3)])],
        "map": [(lambda x: ops.map(lambda r: ops.sum(r * r), x), [anyv(3, 2)])],
        "associative_scan": [
            (lambda x: ops.associative_scan(lambda a, b: a * b, x), [anyv(5, 2)]),
            (lambda x: ops.associative_scan(ops.matmul, x, reverse=True), [anyv(3, 2, 2)]),
            (lambda x, y: _cat(ops.associative_scan(
                lambda a, b: (a[0] + b[0], a[1] * b[1]), (x, y), axis=1)),
             [anyv(2, 4), fort(anyv(2, 4))])],
        # a custom gradient that equals the true one is checkable by central differences
        "custom_gradient": [(lambda x: _custom_log1pexp()(x), [anyv(3, 4)])],
    }
    return {k: v for k, v in t.items() if hasattr(ops, k)}


_INT = "integer or bool output: not differentiable"
KERAS_OPS_EXCLUDED = {
    "argpartition": _INT, "bincount": "integer counts (weights are summed as constants)",
    "digitize": _INT, "searchsorted": _INT, "nonzero": _INT,
    "histogram": "integer counts; the bin edges depend only on range / the data's extremes",
    "bitwise_and": _INT, "bitwise_or": _INT, "bitwise_xor": _INT, "bitwise_not": _INT,
    "bitwise_left_shift": _INT, "bitwise_right_shift": _INT,
    "multi_hot": "integer input, constant 0/1 output",
    "ctc_decode": "integer label output (the score is the max of each step: piecewise)",
    "imag": "constant zeros on cuflow's real tensors",
    "logspace": "creates a tensor from scalars: no float input",
}
