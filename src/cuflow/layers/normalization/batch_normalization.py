"""``BatchNormalization``, composed from ops (both devices, exact gradients)."""

from __future__ import annotations

from ... import autodiff, initializers, ops
from ..layer import Layer
from ._affine import affine_config, store_affine


class BatchNormalization(Layer):
    """Normalise over the batch (and spatial) axes; moving statistics for inference."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1]; received "
                             f"{momentum!r}")
        if float(epsilon) <= 0:
            raise ValueError(f"BatchNormalization: epsilon must be positive; received {epsilon!r}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        store_affine(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                     gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        axis = self.axis % rank
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f'layer "{self.name}" (BatchNormalization): axis {self.axis} of '
                             f"input shape {tuple(input_shape)} must be known")
        self._axis = axis
        self._reduce = tuple(i for i in range(rank) if i != axis)
        self._bshape = tuple(dim if i == axis else 1 for i in range(rank))
        shape = (dim,)
        self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape, self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               self.moving_variance_initializer, trainable=False)

    def call(self, inputs, training=None):
        if inputs.shape[self._axis] != self._bshape[self._axis]:
            raise ValueError(f'layer "{self.name}" (BatchNormalization) expected axis '
                             f"{self.axis} of size {self._bshape[self._axis]}, received input "
                             f"with shape {inputs.shape}")
        if training and self.trainable:
            mean = ops.mean(inputs, axis=self._reduce, keepdims=True)
            centered = inputs - mean
            var = ops.mean(centered * centered, axis=self._reduce, keepdims=True)
            with autodiff.no_grad():
                m = self.momentum
                self.moving_mean.assign(self.moving_mean * m +
                                        ops.reshape(mean, self.moving_mean.shape) * (1 - m))
                self.moving_variance.assign(self.moving_variance * m +
                                            ops.reshape(var, self.moving_variance.shape) * (1 - m))
        else:
            centered = inputs - ops.reshape(self.moving_mean, self._bshape)
            var = ops.reshape(self.moving_variance, self._bshape)
        out = centered * ops.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            out = out * ops.reshape(self.gamma, self._bshape)
        if self.beta is not None:
            out = out + ops.reshape(self.beta, self._bshape)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, **affine_config(self),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer)}
