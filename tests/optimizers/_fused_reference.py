"""The test oracle of the fused optimizer kernels: ``kernels/optimizers.cu``'s table semantics
written out in NumPy, element for element (the rounding of every operation included), so the
CPU suite can check that the kernels' math equals the per-variable optimizers bit for bit."""

from __future__ import annotations

import math

import numpy as np

from cuflow.backend.cuda.optimizers import (
    OPT_AMSGRAD,
    OPT_CENTERED,
    OPT_CLIP,
    OPT_LOSS_SCALE,
    OPT_MOMENTUM,
    OPT_NESTEROV,
    OPT_WD,
    S_CLIP,
    S_K0,
    S_LOSS_SCALE,
    S_LR,
    S_WD_KEEP,
)


def reference_step(kind, opts, params, grads, slots, flags, scal):
    """One fused step on NumPy arrays, in place: the kernels' math, element for element.

    ``params``/``grads``: lists of arrays; ``slots``: list of columns (lists of arrays, as the
    kernel's columns 2..); ``flags``: per-tensor int (bit 0: weight decay); ``scal``: the
    float64 scalar vector. Float ops run in the arrays' dtype like the kernels' ``*_rn``
    intrinsics (NumPy float ops are correctly rounded too).
    """
    dt = params[0].dtype.type
    c = dt  # scalars enter the math rounded to the parameter dtype, as the kernels cast them
    lr, keep, ls, clip = (c(scal[S_LR]), c(scal[S_WD_KEEP]), c(scal[S_LOSS_SCALE]),
                          c(scal[S_CLIP]))
    k = [c(v) for v in scal[S_K0:S_K0 + 4]]
    with np.errstate(all="ignore"):
        gs = [g / ls if opts & OPT_LOSS_SCALE else g for g in grads]
        if opts & OPT_CLIP:
            total = sum(float(np.sum(np.square(g.astype(np.float64)))) for g in gs)
            norm = dt(math.sqrt(total))
            scale = clip / np.maximum(norm, clip) + (norm - norm)
            gs = [g * scale for g in gs]
        for t, (w, g) in enumerate(zip(params, gs)):
            if opts & OPT_WD and flags[t] & 1:
                w *= keep
            col = [s[t] for s in slots]
            if kind == "sgd":
                step = g * lr
                if opts & OPT_MOMENTUM:
                    m = col[0]
                    m[...] = m * k[0] - step
                    if opts & OPT_NESTEROV:
                        w[...] = (w - step) + m * k[0]
                    else:
                        w += m
                else:
                    w -= step
            elif kind == "adam":
                alpha, c1, c2, eps = k
                m, v = col[0], col[1]
                m[...] = m + (g - m) * c1
                v[...] = v + (g * g - v) * c2
                vv = v
                if opts & OPT_AMSGRAD:
                    col[2][...] = np.maximum(col[2], v)
                    vv = col[2]
                w -= (m / (np.sqrt(vv) + eps)) * alpha
            elif kind == "rmsprop":
                rho, cr, eps, mu = k
                v = col[0]
                v[...] = v * rho + (g * g) * cr
                if opts & OPT_CENTERED:
                    a = col[2]
                    a[...] = a * rho + g * cr
                    den = (v - a * a) + eps
                else:
                    den = v + eps
                inc = (g / np.sqrt(den)) * lr
                if opts & OPT_MOMENTUM:
                    m = col[1]
                    m[...] = m * mu + inc
                    w -= m
                else:
                    w -= inc
            else:
                raise ValueError(f"unknown fused optimizer kind {kind!r}")
