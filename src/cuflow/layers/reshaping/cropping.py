"""``Cropping1D``, ``Cropping2D``, ``Cropping3D``: cut the spatial axes' edges."""

from __future__ import annotations

from ... import ops
from .base_spatial import _pairs, _Spatial


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(type(self).__name__, "cropping", cropping, self.rank)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        out = list(input_shape)
        for ax, (b, a) in zip(self._axes(), self.cropping):
            if out[ax] is None:
                continue
            if b + a >= out[ax]:
                raise ValueError(self._too_much(input_shape))
            out[ax] -= b + a
        return tuple(out)

    def _too_much(self, shape):
        where = f'layer "{self.name}" ({type(self).__name__}): '
        received = f"Received: input_shape={tuple(shape)}, cropping={self.get_config()['cropping']}"
        if self.rank == 1:  # Keras's two texts
            return ValueError(f"{where}`cropping` parameter of `Cropping1D` layer must be smaller "
                              f"than the input length. {received}")
        return ValueError(f"{where}Values in `cropping` argument should be smaller than the "
                          f"corresponding spatial dimension of the input. {received}")

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        index = [slice(None)] * inputs.ndim
        for ax, (b, a) in zip(self._axes(), self.cropping):
            index[ax] = slice(b, inputs.shape[ax] - a)
        return ops.getitem(inputs, tuple(index))

    def get_config(self):
        crop = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": crop}


class Cropping1D(_Cropping):
    rank = 1
    _takes_data_format = False

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)


class Cropping2D(_Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
