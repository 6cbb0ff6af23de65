"""``stateless_apply``: one optimizer step on given values instead of the live Variables.

Keras's functional form: the optimizer (built) takes the values of its ``variables`` and of the
trainable variables it was built with, applies ``grads`` and returns the new values, leaving its
own state and the model's Variables as they were. Here the values are written into the
Variables, the ordinary ``apply`` runs, the results are copied out and the saved values put back.
"""

from __future__ import annotations

from ..tensor import Tensor


def _array(value):
    return value.data if isinstance(value, Tensor) else value


def _snapshot(variables):
    return [v.data.copy() for v in variables]


def _restore(variables, saved):
    for v, arr in zip(variables, saved):
        v.data[...] = arr


def stateless_apply(opt, optimizer_variables, grads, trainable_variables):
    """``(new trainable values, new optimizer values)`` as Tensors."""
    if not opt.built:
        raise ValueError("To call `stateless_apply`, the optimizer must be built first: call "
                         "`optimizer.build(trainable_variables)`.")
    own = opt.variables
    if len(optimizer_variables) != len(own):
        raise ValueError(f"Argument `optimizer_variables` must be a list of tensors "
                         f"corresponding 1:1 to {type(opt).__name__}().variables. Received "
                         f"list with length {len(optimizer_variables)}, but expected "
                         f"{len(own)} variables.")
    model_vars = list(opt._trainable_variables)
    if len(trainable_variables) != len(model_vars):
        raise ValueError(f"Argument `trainable_variables` must be a list of tensors "
                         f"corresponding 1:1 to the trainable variables the optimizer was "
                         f"built with. Received list with length {len(trainable_variables)}, "
                         f"but expected {len(model_vars)} variables.")
    everything = model_vars + own
    saved = _snapshot(everything)
    try:
        for v, value in zip(everything, list(trainable_variables) + list(optimizer_variables)):
            v.assign(_array(value))
        opt.apply(list(grads))
        new_model = [Tensor._wrap(v.data.copy(), backend=v._backend) for v in model_vars]
        new_opt = [Tensor._wrap(v.data.copy(), backend=v._backend) for v in own]
    finally:
        _restore(everything, saved)
    return new_model, new_opt
