"""``PReLU``: a leaky ReLU whose negative slope is learned."""

from __future__ import annotations

from ... import constraints, initializers, ops, regularizers
from ..layer import Layer


class PReLU(Layer):
    """Leaky ReLU with a learned slope per feature (``shared_axes`` share it)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = shared_axes if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            self.shared_axes = [int(a) for a in axes]
        self.supports_masking = True

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for ax in self.shared_axes or []:
            shape[ax - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f'layer "{self.name}" (PReLU) needs known non-batch dimensions or '
                             f"shared_axes over the unknown ones; received {tuple(input_shape)}")
        self.alpha = self.add_weight("alpha", tuple(shape), self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)

    def call(self, inputs):
        alpha = self.cast_weight(self.alpha)
        return ops.relu(inputs) - alpha * ops.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}
