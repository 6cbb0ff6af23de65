"""Inputs and loop references shared by the NumPy twin tests and the CUDA tests of the same
family (the CUDA kernels are compared with the twins on the same cases)."""

from __future__ import annotations

import itertools

import numpy as np

EPS = 1e-6


def numeric_grad(f, x):
    """Central differences of the scalar function ``f`` at every element of ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += EPS
        xm[i] -= EPS
        g[i] = (f(xp) - f(xm)) / (2 * EPS)
    return g


def softmax_ref(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def epilogue_problem(rows, n, dtype, seed=0, specials=True):
    """``(z, bias, dy)`` of a Dense epilogue, with NaN, infinities, 0 and a kink in z."""
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(rows, n)) * 3).astype(dtype)
    b = rng.normal(size=(n,)).astype(dtype)
    dy = rng.normal(size=(rows, n)).astype(dtype)
    if specials and z.size >= 6:
        z.flat[:6] = [np.nan, np.inf, -np.inf, 0.0, 6.0, -1e4]
    return z, b, dy


# (x_shape, kernel, strides, dilations, pads)
GEOMETRIES = [
    ((2, 9, 3), (3,), (1,), (1,), ((2, 0),)),
    ((2, 10, 4), (2,), (3,), (1,), ((0, 1),)),
    ((2, 7, 6, 4), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),
    ((1, 8, 9, 3), (2, 3), (2, 1), (1, 2), ((0, 1), (2, 0))),
    ((3, 5, 5, 2), (5, 5), (1, 1), (1, 1), ((0, 0), (0, 0))),
    ((1, 4, 5, 4, 2), (2, 2, 3), (1, 2, 1), (1, 1, 1), ((0, 1), (1, 0), (1, 1))),
]


def out_sizes(x_shape, ks, strides, dils, pads):
    """Output sizes of a window sweep (the arithmetic every conv and pool op uses)."""
    return tuple(max((s + pb + pa - (k - 1) * d - 1) // st + 1, 0) for s, k, st, d, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, dils, pads))


def loop_im2col(x, ks, strides, dils, pads, outs):
    rows = []
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(n) for n in outs)):
            row = []
            for k in itertools.product(*(range(n) for n in ks)):
                pos = [oi * s + ki * d - p[0] for oi, ki, s, d, p in zip(o, k, strides, dils, pads)]
                inside = all(0 <= q < n for q, n in zip(pos, x.shape[1:-1]))
                row.append(x[(b, *pos)] if inside else np.zeros(x.shape[-1], x.dtype))
            rows.append(np.concatenate(row))
    return np.array(rows, dtype=x.dtype).reshape(len(rows), -1)


POOLS = [  # (x_shape, pool, strides, pads)
    ((2, 9, 3), (2,), (2,), ((0, 0),)),
    ((2, 7, 6, 4), (2, 2), (2, 2), ((0, 1), (0, 0))),
    ((1, 8, 9, 3), (3, 3), (1, 2), ((1, 1), (1, 1))),  # overlapping windows
    ((1, 5, 4, 3, 2), (2, 2, 2), (1, 2, 1), ((0, 0),) * 3),
]


def pool_inputs(x_shape, pool, strides, pads, dtype, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=x_shape).astype(dtype)  # small ints: many ties
    x.flat[:4] = [np.nan, np.inf, -np.inf, -0.0]
    outs_ = out_sizes(x_shape, pool, strides, (1,) * len(pool), pads)
    g = rng.normal(size=(x_shape[0],) + outs_ + (x_shape[-1],)).astype(dtype)
    g.flat[-2:] = [np.inf, np.nan]
    return x, g, outs_


def loop_max_pool_backward(g, x, y, pool, strides, pads, outs):
    """Each window's gradient to its first maximal offset (padding = -inf), by loops."""
    dx = np.zeros(x.shape, np.float64)
    n = len(pool)
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(k) for k in outs)):
            for c in range(x.shape[-1]):
                yv = y[(b, *o, c)]
                first = None
                for k in itertools.product(*(range(p) for p in pool)):
                    pos = tuple(oi * s + ki - p[0] for oi, ki, s, p in zip(o, k, strides, pads))
                    inside = all(0 <= q < m for q, m in zip(pos, x.shape[1:-1]))
                    v = x[(b, *pos, c)] if inside else -np.inf
                    if first is None and v == yv:
                        first = pos if inside else ()
                for k in itertools.product(*(range(p) for p in pool)):
                    pos = tuple(oi * s + ki - p[0] for oi, ki, s, p in zip(o, k, strides, pads))
                    if all(0 <= q < m for q, m in zip(pos, x.shape[1:-1])):
                        with np.errstate(invalid="ignore"):
                            dx[(b, *pos, c)] += g[(b, *o, c)] * (pos == first)
    assert n == len(outs)
    return dx
