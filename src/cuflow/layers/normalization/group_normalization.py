"""``GroupNormalization`` (Keras 3 semantics), composed from ops."""

from __future__ import annotations

from ... import ops
from ..layer import Layer
from ._affine import affine_config, store_affine
from .layer_normalization import as_float32_at_least


class GroupNormalization(Layer):
    """Split the channels on ``axis`` into ``groups`` and normalise each group per sample."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or \
                (groups <= 0 and groups != -1):
            raise ValueError(f"Received an invalid value for argument `groups`, expected a "
                             f"positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups!r}")
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"GroupNormalization: axis must be an int; received {axis!r}")
        self.groups, self.axis = groups, axis
        self.epsilon = float(epsilon)
        store_affine(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                     gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.autocast = False  # as Keras: statistics in float32 from the unrounded inputs

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f'layer "{self.name}" (GroupNormalization): axis {self.axis} must '
                             f"name a non-batch axis of input shape {tuple(input_shape)}")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number "
                             f"of channels ({dim}).")
        self._axis = self.axis % rank
        self._dim = dim
        self.gamma = self.add_weight("gamma", (dim,), self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", (dim,), self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None

    def call(self, inputs):
        ax, g = self._axis, self.groups
        inputs = as_float32_at_least(inputs)
        shape = inputs.shape
        if inputs.ndim <= ax or shape[ax] != self._dim:
            raise ValueError(f'layer "{self.name}" (GroupNormalization) expected axis '
                             f"{self.axis} of size {self._dim}; received input with shape "
                             f"{shape}")
        # [..., C, ...] -> [..., groups, C // groups, ...]; statistics over all but batch/group
        grouped = ops.reshape(inputs, shape[:ax] + (g, shape[ax] // g) + shape[ax + 1:])
        axes = tuple(i for i in range(1, grouped.ndim) if i != ax)
        mean = ops.mean(grouped, axis=axes, keepdims=True)
        centered = grouped - mean
        var = ops.mean(centered * centered, axis=axes, keepdims=True)
        out = ops.reshape(centered * ops.rsqrt(var + self.epsilon), shape)
        bshape = tuple(self._dim if i == ax else 1 for i in range(len(shape)))
        if self.gamma is not None:
            out = out * ops.reshape(ops.cast(self.gamma, out.dtype), bshape)
        if self.beta is not None:
            out = out + ops.reshape(ops.cast(self.beta, out.dtype), bshape)
        return out if out.dtype == self.compute_dtype else ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, **affine_config(self)}
