"""The elementwise merges: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum`` and their functional forms (``add([a, b])``)."""

from __future__ import annotations

from ... import ops
from .base_merge import _functional, _Merge


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


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)
