"""Mixed precision as ``keras.mixed_precision``: float16 compute, float32 variables, dynamic
loss scaling.

With ``set_global_policy("mixed_float16")`` new layers keep float32 weights and compute in
float16: inputs are cast on entry and heavy layers cast their weights per call (the cast is
differentiable, so gradients arrive in float32). The loss is computed in float32 and
``compile`` wraps the optimizer in a ``LossScaleOptimizer``.
"""

from __future__ import annotations

import numpy as np

_POLICIES = {
    "float32": ("float32", "float32"),
    "float64": ("float64", "float64"),
    "float16": ("float16", "float16"),
    "mixed_float16": ("float16", "float32"),
}


class Policy:
    """A dtype policy: ``compute_dtype`` for math, ``variable_dtype`` for weights."""

    quantization_mode = None  # cuflow.dtype_policies' quantized policies set it

    def __init__(self, name):
        if isinstance(name, Policy):
            name = name.name
        if name == "mixed_bfloat16":
            raise ValueError("mixed_bfloat16 is not supported by cuflow (NumPy and CuPy have no "
                             "bfloat16); use 'mixed_float16'")
        if name in _POLICIES:
            self.compute_dtype, self.variable_dtype = _POLICIES[name]
        else:
            try:  # a plain dtype (int64 for index inputs, bool ...) is its own policy
                dt = np.dtype(name)
            except TypeError:
                dt = None
            if dt is None or dt.kind not in "biuf":
                raise ValueError(f"unknown dtype policy {name!r}; expected one of "
                                 f"{sorted(_POLICIES)} or a numeric dtype")
            name = dt.name
            self.compute_dtype = self.variable_dtype = name
        self.name = name

    def __repr__(self):
        return f'<Policy "{self.name}">'

    def __eq__(self, other):
        return isinstance(other, Policy) and other.name == self.name

    __hash__ = object.__hash__

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(config["name"])


DTypePolicy = Policy
_global = Policy("float32")


def set_global_policy(policy):
    """Policy for layers created from now on: a name ('mixed_float16') or a Policy."""
    global _global
    _global = Policy("float32" if policy is None else policy)


def global_policy() -> Policy:
    return _global


def set_dtype_policy(policy):  # keras.config's name
    set_global_policy(policy)


def dtype_policy() -> Policy:
    return _global


from .optimizers.loss_scale import LossScaleOptimizer  # noqa: E402

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
