"""Two things ``Optimizer.apply`` does before the update proper, as Keras 3's optimizer:

* variables with ``overwrite_with_gradient`` set take their gradient as their new value (float8
  scales and histories are computed as "gradients"); with gradient accumulation they take the
  running maximum of the gradients until the update step;
* ``gradient_accumulation_steps=n``: the gradients of n consecutive ``apply`` calls are summed
  into ``_accumulated_gradients`` (one slot per variable) and the n-th call updates with their
  mean, then clears the slots. ``iterations`` counts updates (``_iterations`` counts calls).
"""

from __future__ import annotations


def is_update_step(opt) -> bool:
    steps = opt.gradient_accumulation_steps
    return not steps or (int(opt._iterations.data) + 1) % steps == 0


def overwrite_with_gradients(opt, items):
    """Write the gradient into each ``overwrite_with_gradient`` variable; the other items."""
    if not any(getattr(v, "overwrite_with_gradient", False) for _, _, v in items):
        return items
    rest = []
    update = is_update_step(opt)
    for i, g, v in items:
        if not getattr(v, "overwrite_with_gradient", False):
            rest.append((i, g, v))
            continue
        if not opt.gradient_accumulation_steps:
            v.data[...] = g
            continue
        acc = opt._accumulated_gradients[i].data
        xp = v._backend.xp
        if update:
            v.data[...] = xp.maximum(g, acc)
            acc[...] = 0
        else:
            acc[...] = xp.maximum(g, acc)
    return rest


def accumulate(opt, items):
    """On an update step, the items with the mean gradient (and the slots cleared); on any
    other step None, after adding the gradients into the slots."""
    accs = opt._accumulated_gradients
    if not is_update_step(opt):
        for i, g, _ in items:
            accs[i].data += g
        return None
    steps = opt.gradient_accumulation_steps
    out = []
    for i, g, v in items:
        acc = accs[i].data
        out.append((i, (g + acc) / steps, v))
    for acc in accs:
        acc.data[...] = 0
    return out
