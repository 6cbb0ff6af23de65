"""``ActivityRegularization``: the identity, adding an L1 / L2 penalty of its input to the
losses."""

from __future__ import annotations

from ... import regularizers
from ..layer import Layer


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum(|x|) + l2 * sum(x^2)`` of its input to the losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        self._activity_losses.append(self.activity_regularizer(inputs))
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
