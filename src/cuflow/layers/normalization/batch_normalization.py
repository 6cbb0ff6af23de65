"""``BatchNormalization``, composed from ops (both devices, exact gradients): masked statistics,
batch renormalization, and float32 statistics under a float16 policy, as Keras 3."""

from __future__ import annotations

from ... import autodiff, initializers, ops
from ...backend.config import epsilon as _backend_epsilon
from ..layer import Layer
from ._affine import affine_config, store_affine

_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


def _check_renorm_clipping(clipping):
    clipping = dict(clipping or {})
    if set(clipping) - set(_CLIPPING_KEYS):
        raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {clipping}. "
                         f"Supported values: {list(_CLIPPING_KEYS)}.")
    rmax, rmin, dmax = (clipping.get(k) for k in _CLIPPING_KEYS)
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ValueError(f"rmax should be greater than rmin in the `renorm_clipping` argument. "
                         f"Received: rmax={rmax}, rmin={rmin}.")
    if dmax is not None and dmax < 0:
        raise ValueError(f"dmax should be non-negative in the `renorm_clipping` argument. "
                         f"Received: dmax={dmax}.")
    return clipping


class BatchNormalization(Layer):
    """Normalise over the batch (and spatial) axes; moving statistics for inference.

    A mask (one axis fewer than the inputs) leaves masked steps out of the batch statistics.
    ``renorm=True`` is batch renormalization (Ioffe 2017): training output uses the batch
    statistics corrected by ``r`` and ``d`` towards moving ones (``renorm_clipping`` bounds
    them), tracked with ``renorm_momentum``.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1]; received "
                             f"{momentum!r}")
        if float(epsilon) <= 0:
            raise ValueError(f"BatchNormalization: epsilon must be positive; received {epsilon!r}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.synchronized = bool(synchronized)  # one device: the local statistics are global
        store_affine(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                     gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = _check_renorm_clipping(renorm_clipping)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)
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
        if self.renorm:
            def stddev_init(shape, dtype=None):
                return ops.sqrt(ops.convert_to_tensor(
                    self.moving_variance_initializer(shape, dtype=dtype)))

            self.moving_stddev = self.add_weight("moving_stddev", shape, stddev_init,
                                                 trainable=False)
            self.renorm_mean = self.add_weight("renorm_mean", shape,
                                               self.moving_mean_initializer, trainable=False)
            self.renorm_stddev = self.add_weight("renorm_stddev", shape, stddev_init,
                                                 trainable=False)

    def _moments(self, x, mask):
        """Batch mean and (biased) variance over the reduced axes, as (dim,) vectors; masked
        steps count for nothing (Keras: a sum over kept steps / (their count + epsilon))."""
        if mask is None:
            mean = ops.mean(x, axis=self._reduce, keepdims=True)
            centered = x - mean
            var = ops.mean(centered * centered, axis=self._reduce, keepdims=True)
        else:
            keep = ops.broadcast_to(ops.expand_dims(ops.cast(mask, "bool"), -1), tuple(x.shape))
            zero = ops.zeros((), dtype=x.dtype)
            count = ops.sum(ops.cast(keep, x.dtype), axis=self._reduce, keepdims=True) + \
                _backend_epsilon()
            mean = ops.sum(ops.where(keep, x, zero), axis=self._reduce, keepdims=True) / count
            diff = ops.where(keep, x - mean, zero)
            var = ops.sum(diff * diff, axis=self._reduce, keepdims=True) / count
        return ops.reshape(mean, (-1,)), ops.reshape(var, (-1,))

    def _renorm_correction(self, mean, var):
        """(r, d): the batch statistics expressed against the renorm moving ones, clipped."""
        stddev = ops.sqrt(var + self.epsilon)
        renorm_stddev = ops.maximum(ops.cast(self.renorm_stddev, mean.dtype),
                                    self.epsilon ** 0.5)
        r = stddev / renorm_stddev
        d = (mean - ops.cast(self.renorm_mean, mean.dtype)) / renorm_stddev
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = ops.maximum(r, float(clipping["rmin"]))
        if clipping.get("rmax") is not None:
            r = ops.minimum(r, float(clipping["rmax"]))
        if clipping.get("dmax") is not None:
            d = ops.clip(d, -float(clipping["dmax"]), float(clipping["dmax"]))
        return ops.stop_gradient(r), ops.stop_gradient(d)

    def _update(self, mean, var):
        m = self.momentum
        with autodiff.no_grad():
            mean = ops.cast(mean, self.moving_mean.dtype)
            var = ops.cast(var, self.moving_variance.dtype)
            self.moving_mean.assign(self.moving_mean * m + mean * (1 - m))
            if not self.renorm:
                self.moving_variance.assign(self.moving_variance * m + var * (1 - m))
                return
            stddev = ops.sqrt(var + self.epsilon)
            rm = self.renorm_momentum
            self.renorm_mean.assign(self.renorm_mean * rm + mean * (1 - rm))
            self.renorm_stddev.assign(self.renorm_stddev * rm + stddev * (1 - rm))
            moving_stddev = self.moving_stddev * m + stddev * (1 - m)
            self.moving_stddev.assign(moving_stddev)
            self.moving_variance.assign(ops.relu(moving_stddev * moving_stddev - self.epsilon))

    def call(self, inputs, training=None, mask=None):
        if inputs.shape[self._axis] != self._bshape[self._axis]:
            raise ValueError(f'layer "{self.name}" (BatchNormalization) expected axis '
                             f"{self.axis} of size {self._bshape[self._axis]}, received input "
                             f"with shape {inputs.shape}")
        if mask is not None:
            mask = ops.convert_to_tensor(mask)
            if mask.ndim != inputs.ndim - 1:
                raise ValueError(f"The mask provided should be one dimension less than the "
                                 f"inputs. Received: mask.shape={tuple(mask.shape)}, "
                                 f"inputs.shape={tuple(inputs.shape)}")
        # statistics in float32 at least (a float16 policy computes them in float32, as Keras)
        x = inputs if inputs.dtype in ("float32", "float64") else ops.cast(inputs, "float32")
        gamma = None if self.gamma is None else ops.cast(self.gamma, x.dtype)
        beta = None if self.beta is None else ops.cast(self.beta, x.dtype)
        if training and self.trainable:
            mean, var = self._moments(x, mask)
            if self.renorm:
                r, d = self._renorm_correction(mean, var)
                gamma, beta = (r, d) if gamma is None else (r * gamma, d * gamma)
                beta = beta if self.beta is None else beta + ops.cast(self.beta, x.dtype)
            self._update(mean, var)
        else:
            mean = ops.cast(self.moving_mean, x.dtype)
            var = ops.cast(self.moving_variance, x.dtype)
        out = ops.batch_normalization(x, mean, var, axis=self._axis, offset=beta, scale=gamma,
                                      epsilon=self.epsilon)
        return out if out.dtype == self.compute_dtype else ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, **affine_config(self),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum}
