"""``TimeDistributed``: a layer applied to every time step (Keras 3 names and config)."""

from __future__ import annotations

from ... import ops
from ..core.wrapper import Wrapper
from .rnn import as_mask


class TimeDistributed(Wrapper):
    """Applies ``layer`` to every time step: ``(batch, time, ...)`` is folded to
    ``(batch * time, ...)``, passed through ``layer`` once, and unfolded (one big call instead of
    ``time`` small ones)."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return as_mask(mask)

    def _check(self, shape):
        if len(shape) < 3:
            raise ValueError(f'layer "{self.name}" (TimeDistributed) needs an input of rank >= 3 '
                             f"(batch, time, ...); received input shape {tuple(shape)}")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check(input_shape)
        if not self.layer.built:
            self.layer._maybe_build((input_shape[0],) + input_shape[2:])
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check(input_shape)
        inner = tuple(self.layer.compute_output_shape((input_shape[0],) + input_shape[2:]))
        return (inner[0], input_shape[1]) + inner[1:]

    def call(self, inputs, training=None, mask=None):
        self._check(inputs.shape)
        batch, steps = inputs.shape[:2]
        folded = ops.reshape(inputs, (batch * steps,) + inputs.shape[2:])
        kwargs = {"training": training}
        if mask is not None:
            mask = as_mask(mask)
            kwargs["mask"] = ops.reshape(mask, (batch * steps,) + mask.shape[2:])
        out = self.layer(folded, **kwargs)
        if not hasattr(out, "shape") or isinstance(out, (list, tuple)):
            raise ValueError(f'layer "{self.name}" (TimeDistributed) supports layers with one '
                             f"output; {self.layer.name!r} returned {type(out).__name__}")
        return ops.reshape(out, (batch, steps) + out.shape[1:])
