"""``UnitNormalization``: scale inputs to unit L2 norm over some axes (Keras 3 semantics)."""

from __future__ import annotations

from ... import ops
from ..layer import Layer


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis`` (norms floored at 1e-6, as Keras)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a list/tuple "
                            f"of ints. Received: axis={axis!r}")
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return ops.normalize(inputs, axis=axis, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
