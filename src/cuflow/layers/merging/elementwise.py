"""The elementwise merges: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum`` and their functional forms (``add([a, b])``)."""

from __future__ import annotations

from ... import ops
from .base_merge import _expanded_mask, _functional, _Merge


class Add(_Merge):
    def _merge(self, a, b):
        return ops.add(a, b)


class Subtract(_Merge):
    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            n = len(inputs) if isinstance(inputs, (list, tuple)) else 1
            raise ValueError(f'layer "{self.name}": a `Subtract` layer should be called on '
                             f"exactly 2 inputs. Received: {n} input(s)")

    def _merge(self, a, b):
        return ops.subtract(a, b)


class Multiply(_Merge):
    def _merge_function(self, inputs, masks):
        if all(m is None for m in masks):
            return super()._merge_function(inputs, masks)
        # as Keras: a masked-out step counts as 1 in the product; where every input is masked
        # the output is 0 and masked
        every = all(m is not None for m in masks)
        out = out_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = _expanded_mask(m, x)
                x = ops.where(m, x, ops.ones_like(x))
                if every:
                    out_mask = m if out_mask is None else ops.logical_or(out_mask, m)
            out = x if out is None else ops.multiply(out, x)
        if every:
            out = ops.where(out_mask, out, ops.zeros_like(out))
            out._keras_mask = ops.any(out_mask, axis=-1)
        return out

    def _merge(self, a, b):
        return ops.multiply(a, b)


class Average(_Merge):
    def _merge(self, a, b):
        return ops.add(a, b)

    def _finish(self, out, n):
        return out * (1.0 / n)


class Maximum(_Merge):
    def _merge_function(self, inputs, masks):
        return self._merge_or_masks(ops.maximum, inputs, masks)


class Minimum(_Merge):
    def _merge_function(self, inputs, masks):
        return self._merge_or_masks(ops.minimum, inputs, masks)


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)
