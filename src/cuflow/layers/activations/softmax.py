"""``Softmax``: softmax over an axis (or several), with an optional mask."""

from __future__ import annotations

from ... import activations, ops
from ..layer import Layer


def _check_mask(inputs, mask):
    if mask.ndim > inputs.ndim:
        raise ValueError(f"The `mask` must be broadcastable to `inputs` and must not have more "
                         f"dimensions. Received: inputs.shape={tuple(inputs.shape)}, "
                         f"mask.shape={tuple(mask.shape)}")
    for m, i in zip(mask.shape[::-1], inputs.shape[::-1]):
        if m != 1 and m != i:
            raise ValueError(f"The `mask` must be broadcastable to `inputs`. Each mask dimension "
                             f"must be 1 or match the corresponding input dimension. Received: "
                             f"inputs.shape={tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}")


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a list of ints). Masked positions (False, or <= 0.5 for
    a numeric mask) get no probability and output 0, even where a whole row is masked."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = ops.convert_to_tensor(mask)
            _check_mask(inputs, mask)
            if mask.dtype != "bool":
                mask = ops.greater(mask, 0.5)
            big = -3e4 if inputs.dtype == "float16" else -1e9
            inputs = ops.where(mask, inputs, ops.cast(big, inputs.dtype))
        axis = self.axis
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        out = activations.softmax(inputs, axis=tuple(axis) if isinstance(axis, list) else axis)
        if mask is not None:  # a fully masked row would otherwise be uniform
            out = ops.where(mask, out, ops.zeros((), dtype=out.dtype))
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
