"""``Input`` and ``InputLayer``: the entries of a functional model."""

from __future__ import annotations

import numpy as np

from ..layer import Layer
from .keras_tensor import KerasTensor, Node, _is_string_dtype


class InputLayer(Layer):
    """The entry of a functional model; holds the batch shape and dtype of one input."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, **kwargs):
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("ragged", None)
        string_input = _is_string_dtype(dtype)
        super().__init__(name=name or None, dtype=None if string_input else dtype, **kwargs)
        if string_input:
            self.dtype = "string"
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input needs a shape (excluding the batch axis), e.g. "
                                 "Input(shape=(784,)); received shape=None")
            shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
            batch_shape = (batch_size,) + shape
        batch_shape = tuple(batch_shape)
        for d in batch_shape:
            if d is not None and (not isinstance(d, (int, np.integer)) or d < 0):
                raise ValueError(f"Input shape entries must be non-negative ints or None; "
                                 f"received {batch_shape}")
        if sparse:
            raise ValueError("sparse inputs are not supported by cuflow")
        self.batch_shape = batch_shape
        self._batch_input_shape = batch_shape
        self.built = True
        self.output_tensor = KerasTensor(batch_shape, self.dtype, name=self.name,
                                         history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, [], (), {}, self.output_tensor))

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": False,
                "name": self.name}

    def compute_output_shape(self, input_shape):
        return self.batch_shape


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, batch_shape=None,
          tensor=None, **kwargs):
    """A symbolic input for the functional API: ``x = Input(shape=(784,))``."""
    if name is None:
        from .. import naming

        name = naming.unique_name("input_layer")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, **kwargs)
    return layer.output_tensor
