"""``LayerNormalization`` (with Keras 3's ``rms_scaling``), composed from ops."""

from __future__ import annotations

from ... import ops
from ..layer import Layer
from ._affine import affine_config, store_affine


def _axes_list(axis):
    return [int(a) for a in axis] if isinstance(axis, (list, tuple)) else [int(axis)]


class LayerNormalization(Layer):
    """Normalise each sample over ``axis`` (default the last), then scale and shift."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axes_list(axis)
        self.epsilon = float(epsilon)
        self.rms_scaling = bool(rms_scaling)
        store_affine(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                     gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        self._axes = tuple(sorted(a % rank for a in self.axis))
        if any(input_shape[a] is None for a in self._axes):
            raise ValueError(f'layer "{self.name}" (LayerNormalization): normalised axes of '
                             f"{tuple(input_shape)} must be known")
        shape = tuple(input_shape[a] for a in self._axes)
        self._bshape = tuple(input_shape[i] if i in self._axes else 1 for i in range(rank))
        self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None

    def call(self, inputs):
        if self.rms_scaling:
            ms = ops.mean(inputs * inputs, axis=self._axes, keepdims=True)
            out = inputs * ops.rsqrt(ms + self.epsilon)
        else:
            mean = ops.mean(inputs, axis=self._axes, keepdims=True)
            centered = inputs - mean
            var = ops.mean(centered * centered, axis=self._axes, keepdims=True)
            out = centered * ops.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            out = out * ops.reshape(self.gamma, self._bshape)
        if self.beta is not None and not self.rms_scaling:
            out = out + ops.reshape(self.beta, self._bshape)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "rms_scaling": self.rms_scaling, **affine_config(self)}
