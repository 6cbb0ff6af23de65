"""Layers that merge several inputs: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, and their functional forms (``add([a, b])``)."""

from __future__ import annotations

import numpy as np

from .. import ops
from .base import Layer


def _broadcast_shapes(layer, shapes):
    out = []
    rank = max(len(s) for s in shapes)
    padded = [(None,) * 0 + (1,) * (rank - len(s)) + tuple(s) for s in shapes]
    for dims in zip(*padded):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f'layer "{layer.name}" ({type(layer).__name__}) received inputs '
                             f"with incompatible shapes {[tuple(s) for s in shapes]}")
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


class _Merge(Layer):
    _min_inputs = 2
    _multi_input = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            n = len(inputs) if isinstance(inputs, (list, tuple)) else 1
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}) must be called on a '
                             f"list of at least {self._min_inputs} inputs; received {n}")

    def build(self, input_shape):
        self._check(input_shape)
        _broadcast_shapes(self, input_shape)

    def call(self, inputs):
        self._check(inputs)
        out = inputs[0]
        for t in inputs[1:]:
            out = self._merge(out, t)
        return self._finish(out, len(inputs))

    def _finish(self, out, n):
        return out

    def compute_output_shape(self, input_shape):
        return _broadcast_shapes(self, input_shape)

    def compute_mask(self, inputs, mask=None):
        return None


class Add(_Merge):
    def _merge(self, a, b):
        return ops.add(a, b)


class Subtract(_Merge):
    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f'layer "{self.name}" (Subtract) must be called on exactly 2 inputs')

    def _merge(self, a, b):
        return ops.subtract(a, b)


class Multiply(_Merge):
    def _merge(self, a, b):
        return ops.multiply(a, b)


class Average(_Merge):
    def _merge(self, a, b):
        return ops.add(a, b)

    def _finish(self, out, n):
        return out * (1.0 / n)


class Maximum(_Merge):
    def _merge(self, a, b):
        return ops.maximum(a, b)


class Minimum(_Merge):
    def _merge(self, a, b):
        return ops.minimum(a, b)


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        self._check(input_shape)
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        self._check(inputs)
        try:
            return ops.concatenate(list(inputs), axis=self.axis)
        except ValueError as e:
            raise ValueError(f'layer "{self.name}" (Concatenate): {e}') from None

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank
        for s in shapes:
            if len(s) != rank or any(a is not None and b is not None and a != b
                                     for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis):
                raise ValueError(f'layer "{self.name}" (Concatenate) requires inputs with '
                                 f"matching shapes except for the concatenation axis {self.axis};"
                                 f" received {shapes}")
        total = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
        out = list(shapes[0])
        out[axis] = total
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


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

    def call(self, inputs):
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


def _functional(cls):
    def fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = f"Functional form of ``{cls.__name__}``: ``{fn.__name__}([a, b])``."
    return fn


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
           "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
           "np"]
