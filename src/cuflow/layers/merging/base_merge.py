"""What the merging layers share: ``_Merge`` (a list of inputs folded pairwise, broadcast
shapes) and the functional forms (``add([a, b])``)."""

from __future__ import annotations

from ..layer import Layer


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


def _functional(cls):
    def fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = f"Functional form of ``{cls.__name__}``: ``{fn.__name__}([a, b])``."
    return fn
