"""The multi-tensor GPU update seen from the optimizers: every parameter in one kernel launch.

``Optimizer.apply`` calls :func:`try_apply` first. An optimizer with a fused kernel declares what
it needs in ``fused_update_spec()`` (a :class:`FusedUpdateSpec`: the kernel, its option names,
its slot variables in the kernel's column order) and its per-step kernel scalars in
``fused_hyperparameters(lr)``; SGD (momentum, Nesterov), Adam / AdamW (AMSGrad) and RMSprop
(momentum, centered) do. The update runs fused when every variable lives on one GPU with one
float dtype (float32 or float64; float16 variables take the per-variable path), with optional
weight decay, loss scaling and global-norm clipping. Anything else returns False and the
optimizer runs its per-variable path, whose semantics the kernels reproduce op for op.

The device side (``backend/cuda/optimizers.py``) receives only that declaration's arrays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..backend.cuda import optimizers as device


@dataclass
class FusedUpdateSpec:
    """What one optimizer's fused update needs: ``kind`` names the kernel (``cf_fused_<kind>`` in
    ``kernels/optimizers.cu``), ``options`` the kernel options the optimizer turns on (names of
    ``backend.cuda.optimizers.OPTION_BITS``: "momentum", "nesterov", "amsgrad", "centered"), and
    ``slots`` the slot-variable columns (one list of Variables per column, one Variable per
    trainable variable; kernel column 2 + index). Weight decay, loss scaling and global clipping
    come from the base class's arguments."""

    kind: str
    options: frozenset = frozenset()
    slots: list = field(default_factory=list)

    @property
    def opts(self) -> int:
        """The kernel's option bits for ``options`` (without the base-class options)."""
        return device.option_bits(self.options)


def disabled_by_env() -> bool:
    return os.environ.get("CUFLOW_FUSED_OPTIMIZER", "1").strip().lower() in ("0", "false", "off")


def _declares_its_update(opt) -> bool:
    """A subclass that replaces ``_update_step`` of the class declaring the spec has math the
    kernel does not know: it takes the per-variable path."""
    owner = next(c for c in type(opt).__mro__ if "fused_update_spec" in c.__dict__)
    return type(opt)._update_step is owner._update_step


def spec_for(opt):
    """``(spec, None)`` with the base-class options added for a supported optimizer, else
    ``(None, reason)``."""
    if opt.clipnorm is not None or opt.clipvalue is not None:
        return None, "per-variable clipnorm/clipvalue"
    if not opt.built:
        return None, "optimizer not built"
    if opt.gradient_accumulation_steps:
        return None, "gradient accumulation (the update runs every n-th step, on the host)"
    spec = opt.fused_update_spec() if _declares_its_update(opt) else None
    if spec is None:
        return None, f"{type(opt).__name__} has no fused kernel"
    options = set(spec.options)
    if opt.weight_decay is not None:
        options.add("weight_decay")
    if opt.loss_scale_factor is not None:
        options.add("loss_scale")
    if opt.global_clipnorm is not None and opt.global_clipnorm > 0:
        options.add("global_clipnorm")
    return FusedUpdateSpec(spec.kind, frozenset(options), [list(c) for c in spec.slots]), None


def scalars_for(opt, lr) -> np.ndarray:
    """The per-step scalar vector for the optimizer's *next* step (iteration + 1)."""
    return device.scalar_vector(lr, opt.weight_decay, opt.loss_scale_factor,
                                opt.global_clipnorm, opt.fused_hyperparameters(lr))


def decay_flags(opt) -> np.ndarray:
    return np.array([1 if opt._use_weight_decay(v) else 0 for v in opt._trainable_variables],
                    np.int32)


def _gpu_backend(variables):
    bk = variables[0]._backend
    if not str(bk.device).startswith("gpu"):
        return None
    if any(v._backend is not bk for v in variables):
        return None
    return bk


class _State:
    """A built fused update: the declaration and its device updater."""

    def __init__(self, spec, updater):
        self.spec, self.updater = spec, updater


def _build(opt, variables):
    """The fused state for ``opt``, or None after recording why it is not eligible."""
    spec, why = spec_for(opt)
    if spec is not None:
        _, why = device.supported_dtype([v.data for v in variables])
    if spec is not None and why is None and not all(
            v.data.flags.c_contiguous for col in [variables, *spec.slots] for v in col):
        why = "non-contiguous variables"
    if why is not None:
        opt._fused_reason = why
        return None
    bk = variables[0]._backend
    with bk._on_device():
        updater = device.FusedUpdater(spec.kind, spec.opts, [v.data.size for v in variables],
                                      decay_flags(opt), str(variables[0].data.dtype),
                                      len(spec.slots))
    return _State(spec, updater)


def try_apply(opt, items) -> bool:
    """Run the whole update (preprocessing, weight decay, update) fused; False when the
    optimizer must take its per-variable path (nothing has been modified then)."""
    variables = opt._trainable_variables
    if not variables or getattr(opt, "_fused_enabled", True) is False or disabled_by_env():
        return False
    if _gpu_backend(variables) is None or len(items) != len(variables):
        return False
    state = opt._fused
    if state is None:
        state = opt._fused = _build(opt, variables) or False
    if state is False:
        return False
    grads = [None] * len(variables)
    for i, g, _ in items:
        grads[i] = g
    if any(g is None for g in grads):
        return False
    bk = variables[0]._backend
    with bk._on_device():
        xp = bk.xp
        grads = [g if g.flags.c_contiguous else xp.ascontiguousarray(g) for g in grads]
        state.updater.step([v.data for v in variables], grads,
                           [[s.data for s in col] for col in state.spec.slots],
                           scalars_for(opt, opt._current_lr()))
    return True


def prepare_replay(opt) -> None:
    """Write the scalars of the optimizer's next step (before replaying a captured graph)."""
    bk = opt._trainable_variables[0]._backend
    with bk._on_device():
        opt._fused.updater.write_scalars(scalars_for(opt, opt._current_lr()))
