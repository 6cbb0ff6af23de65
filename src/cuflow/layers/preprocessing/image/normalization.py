"""``Normalization``: ``(inputs - mean) / sqrt(variance)``, the statistics given or adapted."""

from __future__ import annotations

import numpy as np

from .... import ops
from ....tensor import Tensor
from ...layer import Layer
from ._base import as_float, number_or_list

EPSILON = 1e-7  # Keras's backend.epsilon(): the floor of the std Normalization divides by


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per feature along ``axis`` (``invert`` undoes it).

    Give ``mean`` and ``variance``, or leave them None and call ``adapt(data)`` to compute them
    (they are then non-trainable weights, saved with the model).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        self.axis = (int(axis),) if isinstance(axis, (int, np.integer)) else \
            tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both mean and variance, or neither (and call "
                             f"adapt); received mean={mean!r}, variance={variance!r}")
        self.input_mean = None if mean is None else number_or_list(mean)
        self.input_variance = None if variance is None else number_or_list(variance)
        self.invert = bool(invert)
        self.adapted = mean is not None

    def _layout(self, input_shape):
        rank = len(input_shape)
        if rank == 0 or any(not -rank <= a < rank for a in self.axis):
            raise ValueError(f'layer "{self.name}" (Normalization): axis {self.axis} does not '
                             f"exist in input shape {tuple(input_shape)}")
        keep = tuple(sorted(a % rank for a in self.axis))
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(f'layer "{self.name}" (Normalization): axis {a} of input shape '
                                 f"{tuple(input_shape)} must be known")
        self._keep = keep
        self._reduce = tuple(i for i in range(rank) if i not in keep)
        self._bshape = tuple(input_shape[i] if i in keep else 1 for i in range(rank))
        return tuple(input_shape[i] for i in keep)

    def build(self, input_shape):
        shape = self._layout(tuple(input_shape))
        if self.input_mean is None:
            self.mean = self.add_weight("mean", shape, "zeros", trainable=False)
            self.variance = self.add_weight("variance", shape, "ones", trainable=False)
            # Keras keeps a sample count too (so its files, e.g. EfficientNet's, load by name)
            self.count = self.add_weight(name="count", shape=(), initializer="zeros", dtype="int64",
                                         trainable=False)

    def adapt(self, data, batch_size=None, steps=None):
        """Compute mean and variance of ``data`` (an array / Tensor, or an iterable of batches,
        e.g. an ``ImageDataGenerator.flow`` without labels), merged batch by batch."""
        if self.input_mean is not None:
            raise ValueError("Normalization: adapt() cannot be used when mean and variance were "
                             "given to the constructor")
        if isinstance(data, (np.ndarray, Tensor, list)):
            batches = [data]
        elif hasattr(data, "__len__") and hasattr(data, "__getitem__"):
            batches = (data[i] for i in range(len(data) if steps is None else int(steps)))
        else:
            batches = data
        count, mean, m2 = 0, None, None
        for batch in batches:
            if isinstance(batch, tuple):
                batch = batch[0]
            x = as_float(batch)
            if not self.built:
                self._maybe_build(x.shape)
            if not self._reduce:
                raise ValueError(f"Normalization: axis={self.axis} keeps every axis of the "
                                 f"data, so there is nothing to average over")
            n = int(np.prod([x.shape[i] for i in self._reduce]))
            b_mean = ops.reshape(ops.mean(x, axis=self._reduce), self.mean.shape)
            b_m2 = ops.reshape(ops.var(x, axis=self._reduce), self.mean.shape) * float(n)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
                continue
            # Chan et al.'s parallel merge of (count, mean, sum of squared deviations)
            total = count + n
            delta = b_mean - mean
            mean = mean + delta * (n / total)
            m2 = m2 + b_m2 + delta * delta * (count * n / total)
            count = total
        if mean is None:
            raise ValueError("Normalization.adapt: received no data")
        self.mean.assign(mean.numpy())
        self.variance.assign((m2 / count).numpy())
        self.count.assign(np.full(self.count.shape, count, dtype="int64"))
        self.adapted = True

    def _stats(self, x):
        if self.input_mean is not None:
            mean = np.broadcast_to(np.asarray(self.input_mean, dtype=x.dtype), self._shape())
            var = np.broadcast_to(np.asarray(self.input_variance, dtype=x.dtype), self._shape())
            return (Tensor(np.reshape(mean, self._bshape), device=x.device),
                    Tensor(np.reshape(var, self._bshape), device=x.device))
        return ops.reshape(self.mean, self._bshape), ops.reshape(self.variance, self._bshape)

    def _shape(self):
        return tuple(self._bshape[i] for i in self._keep)

    def call(self, inputs):
        x = as_float(inputs)
        mean, var = self._stats(x)
        if self.invert:
            return x * ops.sqrt(var) + mean
        return (x - mean) / ops.maximum(ops.sqrt(var), EPSILON)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        axis = self.axis[0] if len(self.axis) == 1 else list(self.axis)
        return {**super().get_config(), "axis": None if axis == [] else axis,
                "mean": self.input_mean, "variance": self.input_variance, "invert": self.invert}
