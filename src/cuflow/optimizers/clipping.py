"""Gradient preprocessing before an update: loss-scale division and clipping (``clipnorm`` per
gradient, ``global_clipnorm`` over all, ``clipvalue``), into the optimizer's scratch buffers so the
caller's gradients stay untouched and a step allocates nothing after the first."""

from __future__ import annotations

import contextlib

import numpy as np


def errstate(xp):
    """NumPy warns on inf/NaN norms; Keras lets them propagate silently, and tests run -W error."""
    return np.errstate(all="ignore") if xp is np else contextlib.nullcontext()


def clip_gradients(opt, items):
    """Loss-scale and clip into scratch buffers (the caller's gradients stay untouched)."""
    if opt.loss_scale_factor is not None:
        s = opt.loss_scale_factor
        items = [(i, v._backend.xp.divide(g, s, out=opt._buffer(i, 1)), v)
                 for i, g, v in items]
    if opt.clipnorm is not None and opt.clipnorm > 0:
        c = opt.clipnorm
        out = []
        for i, g, v in items:
            xp = v._backend.xp
            with errstate(xp):
                flat = g.reshape(-1)
                scale = c / xp.maximum(xp.sqrt(xp.vdot(flat, flat)), c)
                out.append((i, xp.multiply(g, scale, out=opt._buffer(i, 1)), v))
        return out
    if opt.global_clipnorm is not None and opt.global_clipnorm > 0:
        return clip_global(opt, items, opt.global_clipnorm)
    if opt.clipvalue is not None and opt.clipvalue > 0:
        c = opt.clipvalue
        return [(i, v._backend.xp.clip(g, -c, c, out=opt._buffer(i, 1)), v)
                for i, g, v in items]
    return items


def clip_global(opt, items, c):
    """Scale every gradient by ``min(1, c / global norm)`` (NaN when the norm is not finite)."""
    bk = items[0][2]._backend
    if any(v._backend is not bk for _, _, v in items):
        raise ValueError("global_clipnorm needs every gradient on one device; received "
                         f"{sorted({v.device for _, _, v in items})}")
    xp = bk.xp
    arrays = [g for _, g, _ in items]
    with errstate(xp):
        norm = global_norm(opt, bk, arrays)
        # Keras: a finite norm scales by min(1, c/norm); inf or NaN turns the gradients NaN.
        scale = c / xp.maximum(norm, c) + (norm - norm)
        return [(i, xp.multiply(g, scale.astype(g.dtype, copy=False),
                                out=opt._buffer(i, 1)), v)
                for i, g, v in items]


def global_norm(opt, bk, arrays):
    """The L2 norm over ``arrays``: the backend's fused kernel once it is known to agree with the
    plain sum of squares on this device, else that sum."""
    xp = bk.xp
    ok = opt._norm_kernel_ok.get(bk.device)
    if ok:
        return bk.global_l2_norm(arrays)
    total = sum(xp.vdot(a.reshape(-1), a.reshape(-1)) for a in arrays)
    norm = xp.sqrt(xp.asarray(total))
    if ok is None:
        # First use on this backend: adopt the fused kernel only if it exists and agrees.
        try:
            fused = xp.asarray(bk.global_l2_norm(arrays))
            ok = fused.shape == () and bool(xp.allclose(fused, norm, rtol=1e-4,
                                                        equal_nan=True))
        except Exception:  # not implemented / not compiled on this backend (yet)
            ok = False
        opt._norm_kernel_ok[bk.device] = ok
    return norm
