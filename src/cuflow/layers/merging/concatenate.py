"""``Concatenate`` and ``concatenate([a, b])``: join inputs along an axis."""

from __future__ import annotations

from ... import ops
from .base_merge import _check_masks, _Merge


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        self._check(input_shape)
        self.compute_output_shape(input_shape)

    def call(self, inputs, mask=None):
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

    def compute_mask(self, inputs, mask=None):
        """As Keras: the inputs' masks (all-true where an input has none) joined along the
        concatenation axis, then reduced over the last axis."""
        if mask is None:
            return None
        _check_masks(inputs, mask)
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(ops.ones(tuple(x.shape), dtype="bool"))
                continue
            m = ops.cast(m, "bool")
            if m.ndim < len(x.shape):
                m = ops.broadcast_to(ops.expand_dims(m, -1), tuple(x.shape))
            masks.append(m)
        return ops.any(ops.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
