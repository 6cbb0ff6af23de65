"""``SpectralNormalization``: divides a wrapped layer's kernel by its largest singular value
(estimated by power iteration), as Keras 3 (Miyato et al. 2018).

As in Keras 3, the normalisation is an update, not part of the graph: each training call
estimates sigma with ``power_iterations`` steps from the persistent ``vector_u``, assigns
``kernel / sigma`` to the wrapped layer's kernel and ``u`` to ``vector_u``, then runs the layer.
Inference calls run the layer with the kernel as it stands.
"""

from __future__ import annotations

from ... import initializers, ops
from ...autodiff import no_grad
from ..core.wrapper import Wrapper


def _l2_normalize(x):
    """``x / ||x||`` over every entry (floored as ``keras.ops.normalize``)."""
    return x * ops.rsqrt(ops.maximum(ops.sum(x * x), 1e-12))


class SpectralNormalization(Wrapper):
    """``SpectralNormalization(Dense(10))``; the layer needs a ``kernel`` (or ``embeddings``)."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, int) or isinstance(power_iterations, bool) or \
                power_iterations <= 0:
            raise ValueError(f"`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations!r}`")
        self.power_iterations = power_iterations

    def _kernel_attr(self):
        for attr in ("kernel", "embeddings"):
            if getattr(self.layer, attr, None) is not None:
                return attr
        raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor "
                         f"'embeddings'")

    @property
    def kernel(self):
        """The wrapped layer's kernel (a property, so weight lookups find the layer's own)."""
        return getattr(self.layer, self._kernel_attr())

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._maybe_build(tuple(input_shape))
            self.layer.built = True
        kernel = self.kernel
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(
            name="vector_u", shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), dtype=kernel.dtype,
            trainable=False)

    def normalized_weights(self):
        """``(u, kernel / sigma)``: the power-iteration update of ``vector_u`` and the
        spectrally normalised kernel (the kernel unchanged where it is all zeros)."""
        kernel = self.kernel
        w = ops.reshape(kernel, (-1, self.kernel_shape[-1]))
        u = ops.stop_gradient(self.vector_u)
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(w)))
            u = _l2_normalize(ops.matmul(v, w))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, w), ops.transpose(u))  # (1, 1)
        # Keras keeps an all-zero kernel (and u) as they are; decided on the device, no sync
        zero = ops.all(ops.equal(kernel, 0.0))
        sigma = ops.where(zero, ops.ones_like(sigma), sigma)  # no 0 / 0 on the zero kernel
        new_kernel = ops.where(zero, kernel, ops.reshape(kernel / sigma, self.kernel_shape))
        new_u = ops.where(zero, self.vector_u, u)
        return new_u, new_kernel

    def call(self, inputs, training=None):
        if training:
            var = self.kernel
            with no_grad():
                new_u, new_kernel = self.normalized_weights()
            if hasattr(var, "assign"):
                self.vector_u.assign(new_u)
                var.assign(new_kernel)
        out = self.layer(inputs, training=training)
        # as Keras: the output takes the dtype of the (autocast) inputs
        dtype = getattr(inputs, "dtype", None)
        if dtype is not None and dtype.kind == "f" and out.dtype != dtype:
            out = ops.cast(out, dtype)
        return out

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
