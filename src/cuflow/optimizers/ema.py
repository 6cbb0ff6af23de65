"""Exponential moving averages of the trained variables (``use_ema``): updated after each step,
written over the variables every ``ema_overwrite_frequency`` steps and at the end of ``fit``."""

from __future__ import annotations


def update_ema(opt):
    """``average = momentum * average + (1 - momentum) * variable`` (the first step copies)."""
    it = opt._iteration_count()
    mom = opt.ema_momentum if it != 0 else 0.0
    for i, (v, avg) in enumerate(zip(opt._trainable_variables, opt._ema)):
        xp = v._backend.xp
        a = avg.data
        a *= mom
        a += xp.multiply(v.data, 1.0 - mom, out=opt._buffer(i, 1))
    freq = opt.ema_overwrite_frequency
    if freq and (it + 1) % freq == 0:
        overwrite_with_ema(opt, opt._trainable_variables)


def overwrite_with_ema(opt, var_list):
    """Write the moving averages over ``var_list`` (the optimizer's variables, in order)."""
    var_list = list(var_list)
    if len(var_list) != len(opt._ema):
        raise ValueError(f"received {len(var_list)} variables to overwrite with their "
                         f"moving averages, but the optimizer holds {len(opt._ema)}")
    for v, avg in zip(var_list, opt._ema):
        v.data[...] = avg.data
