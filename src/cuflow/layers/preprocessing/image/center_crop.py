"""``CenterCrop``: the central (height, width) window of images."""

from __future__ import annotations

from ._base import ImageLayer, positive_int
from ._sampling import crop, crop_box, resize


class CenterCrop(ImageLayer):
    """The central (height, width) window; smaller inputs are cropped to the target aspect
    ratio and resized up, as Keras does."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = positive_int("CenterCrop", "height", height)
        self.width = positive_int("CenterCrop", "width", width)

    def call(self, inputs):
        x, unbatched = self._to_bhwc(inputs)
        h, w = x.shape[1:3]
        if h >= self.height and w >= self.width:
            x = crop(x, (h - self.height) // 2, (w - self.width) // 2, self.height, self.width)
        else:
            x = resize(crop(x, *crop_box(h, w, self.height, self.width)), self.height,
                       self.width, "bilinear")
        return self._from_bhwc(x, unbatched)

    def compute_output_shape(self, input_shape):
        return self._with_spatial(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
