"""User data as the tensors a layer is called on: arrays, nested lists of numbers and host
text become Tensors (or NumPy string arrays) in the layer's compute dtype."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ..tree import flatten as _flatten
from ..tree import map_structure


def shape_of(x):
    """Shapes of a (possibly nested) structure of tensors, as tuples / lists of tuples."""
    return map_structure(lambda t: tuple(t.shape), x)


def as_input_tensor(x, device=None, dtype="float32"):
    """User data as a Tensor (on ``device``, else the current device); floating data takes the
    layer's compute ``dtype``, as Keras casts its inputs."""
    if isinstance(x, Tensor):
        return x
    if x is None:
        return None
    if isinstance(x, (str, bytes)) or isinstance(x, np.ndarray) and x.dtype.kind in "USO":
        # text is host data (strings never live on a device): the text preprocessing layers
        # (StringLookup, TextVectorization, Hashing) take it as a NumPy array
        return np.asarray(x)
    t = Tensor(x, device=device)
    if t.dtype.kind == "f" and t.dtype != dtype:
        t = Tensor._wrap(t.data.astype(dtype), backend=t._backend)
    return t


def is_array_leaf(x):
    return isinstance(x, (Tensor, np.ndarray)) or hasattr(x, "__cuda_array_interface__") or \
        type(x).__name__ == "KerasTensor"


def convert_inputs(inputs, device, multi_input=False, dtype="float32"):
    """Tensors from user data. A list of arrays is several inputs (``layer([a, b])``); a nested
    list of plain numbers is one array, or for a layer that merges inputs, one array each."""
    if isinstance(inputs, (list, tuple)):
        if inputs and not any(is_array_leaf(x) for x in _flatten(inputs)):
            if multi_input and all(isinstance(x, (list, tuple)) for x in inputs):
                return type(inputs)(as_input_tensor(plain_array(x), device, dtype)
                                    for x in inputs)
            return as_input_tensor(plain_array(inputs), device, dtype)
        return type(inputs)(convert_inputs(x, device, dtype=dtype) for x in inputs)
    if isinstance(inputs, dict):
        return {k: convert_inputs(v, device, dtype=dtype) for k, v in inputs.items()}
    return as_input_tensor(inputs, device, dtype)


def plain_array(x):
    try:
        return np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"cannot make an array from the nested list input: {e}") from None
