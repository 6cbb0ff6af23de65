"""``LayerNormalization`` (with Keras 3's legacy ``rms_scaling``), composed from ops."""

from __future__ import annotations

import warnings

from ... import ops
from ..layer import Layer
from ._affine import affine_config, store_affine


def check_axis(axis):
    """An int, or a list of ints (Keras's message for anything else)."""
    if isinstance(axis, (list, tuple)) and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axis):
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but "
                    f"received: {axis!r}")


def build_axes(layer, input_shape):
    """Keras's canonical axes after build: a sorted list (negative entries kept, read against
    each call's input rank); returns the weight shape."""
    rank = len(input_shape)
    axes = sorted(layer.axis) if isinstance(layer.axis, list) else [layer.axis]
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. "
                             f"Received: axis={layer.axis}")
    layer.axis = axes
    if any(input_shape[a] is None for a in axes):
        raise ValueError(f'layer "{layer.name}" ({type(layer).__name__}): normalised axes of '
                         f"{tuple(input_shape)} must be known")
    return tuple(input_shape[a] for a in axes)  # Keras's weight shape (raw sorted order)


def call_axes(layer, x):
    """(the positive axes, the weights' broadcast shape) for this input."""
    positive = tuple(sorted(a % x.ndim for a in layer.axis))
    return positive, tuple(x.shape[i] if i in positive else 1 for i in range(x.ndim))


def as_float32_at_least(x):
    """Half-precision inputs are normalised in float32 (as Keras)."""
    return x if x.dtype in ("float32", "float64") else ops.cast(x, "float32")


class LayerNormalization(Layer):
    """Normalise each sample over ``axis`` (default the last), then scale and shift.

    Statistics are computed in float32 at least; the output takes the compute dtype.
    ``rms_scaling=True`` (deprecated in Keras) divides by sqrt(variance + epsilon) without
    centering and without beta; ``RMSNormalization`` is the true RMS norm.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 rms_scaling=False, **kwargs):
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                          "scales the input by the variance, not the root mean square. To "
                          "use RMS Normalization, use `cuflow.layers.RMSNormalization` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        self.axis = check_axis(axis)
        self.epsilon = float(epsilon)
        self.rms_scaling = bool(rms_scaling)
        store_affine(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                     gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.autocast = False

    def build(self, input_shape):
        shape = build_axes(self, input_shape)
        self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) \
            if self.scale or self.rms_scaling else None
        self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) \
            if self.center and not self.rms_scaling else None

    def call(self, inputs):
        x = as_float32_at_least(inputs)
        axes, bshape = call_axes(self, x)
        mean = ops.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        var = ops.mean(centered * centered, axis=axes, keepdims=True)
        out = (x if self.rms_scaling else centered) * ops.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            out = out * ops.reshape(ops.cast(self.gamma, x.dtype), bshape)
        if self.beta is not None:
            out = out + ops.reshape(ops.cast(self.beta, x.dtype), bshape)
        return out if out.dtype == self.compute_dtype else ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "rms_scaling": self.rms_scaling, **affine_config(self)}
