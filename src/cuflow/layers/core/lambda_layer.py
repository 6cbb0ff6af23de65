"""``Lambda``: wrap a Python function as a layer.

A Lambda's function is Python code, so models containing one cannot be saved to a model file
(cuflow never stores or loads code); save their weights instead.
"""

from __future__ import annotations

import inspect

from ..layer import Layer


class Lambda(Layer):
    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects a callable; received {type(function).__name__}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self._mask = mask
        params = inspect.signature(function).parameters
        self._takes_training = "training" in params
        self._takes_mask = "mask" in params
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self._mask):
            return self._mask(inputs, mask)
        return self._mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self):
        raise ValueError(f'layer "{self.name}" (Lambda) wraps Python code, which cuflow does not '
                         f"serialize; save the model's weights (save_weights) and rebuild the "
                         f"architecture in code, or write a Layer subclass with get_config")
