"""``Dot`` and ``dot([a, b])``: batched dot products (optionally cosine) along given axes."""

from __future__ import annotations

from ... import ops
from .base_merge import _Merge


class Dot(_Merge):
    """Dot product of two (batch, ...) tensors along ``axes``; ``normalize`` for cosine."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = tuple(axes) if isinstance(axes, (list, tuple)) else (int(axes), int(axes))
        self.normalize = bool(normalize)

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f'layer "{self.name}" (Dot) must be called on exactly 2 inputs')

    def build(self, input_shape):
        self._check(input_shape)
        a, b = input_shape
        ax_a, ax_b = self.axes[0] % len(a), self.axes[1] % len(b)
        if a[ax_a] is not None and b[ax_b] is not None and a[ax_a] != b[ax_b]:
            raise ValueError(f'layer "{self.name}" (Dot): dimension {a[ax_a]} of axis '
                             f"{self.axes[0]} in {tuple(a)} does not match {b[ax_b]} of axis "
                             f"{self.axes[1]} in {tuple(b)}")

    def call(self, inputs, mask=None):
        self._check(inputs)
        a, b = inputs
        ax_a, ax_b = self.axes[0] % a.ndim, self.axes[1] % b.ndim
        if self.normalize:
            a = a / ops.sqrt(ops.maximum(ops.sum(a * a, axis=ax_a, keepdims=True), 1e-12))
            b = b / ops.sqrt(ops.maximum(ops.sum(b * b, axis=ax_b, keepdims=True), 1e-12))
        # move the contracted axes last / first (after batch) and use batched matmul
        pa = [i for i in range(a.ndim) if i != ax_a] + [ax_a]
        pb = [0, ax_b] + [i for i in range(1, b.ndim) if i != ax_b]
        at = ops.transpose(a, pa)
        bt = ops.transpose(b, pb)
        a3 = ops.reshape(at, (a.shape[0], -1, a.shape[ax_a]))
        b3 = ops.reshape(bt, (b.shape[0], b.shape[ax_b], -1))
        out = ops.matmul(a3, b3)
        shape = self._out_shape(a.shape, b.shape)
        return ops.reshape(out, (a.shape[0],) + shape[1:]) if len(shape) > 1 else \
            ops.reshape(out, (a.shape[0], 1))

    def compute_mask(self, inputs, mask=None):
        return None

    def _out_shape(self, a, b):
        ax_a, ax_b = self.axes[0] % len(a), self.axes[1] % len(b)
        rest_a = [d for i, d in enumerate(a) if i not in (0, ax_a)]
        rest_b = [d for i, d in enumerate(b) if i not in (0, ax_b)]
        shape = (a[0],) + tuple(rest_a) + tuple(rest_b)
        return shape if len(shape) > 1 else (a[0], 1)

    def compute_output_shape(self, input_shape):
        return self._out_shape(tuple(input_shape[0]), tuple(input_shape[1]))

    def get_config(self):
        return {**super().get_config(), "axes": list(self.axes), "normalize": self.normalize}


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
