"""``Resizing``: resize images to (height, width), optionally cropping or padding to the target
aspect ratio first."""

from __future__ import annotations

from .... import ops
from ._base import ImageLayer, check_choice, positive_int
from ._sampling import RESIZE_INTERPOLATIONS, crop, crop_box, resize


class Resizing(ImageLayer):
    """Resize images to (height, width) as ``tf.image.resize`` (half-pixel centres).

    ``crop_to_aspect_ratio`` first crops the largest centred box with the target aspect ratio;
    ``pad_to_aspect_ratio`` instead pads with ``fill_value`` to it, so nothing is distorted.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = positive_int("Resizing", "height", height)
        self.width = positive_int("Resizing", "width", width)
        self.interpolation = check_choice("Resizing", "interpolation", interpolation,
                                          RESIZE_INTERPOLATIONS)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: crop_to_aspect_ratio and pad_to_aspect_ratio cannot "
                             "both be True")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice("Resizing", "fill_mode", fill_mode, ("constant",))
        self.fill_value = float(fill_value)
        if antialias:
            raise ValueError("Resizing: antialias=True is not supported by cuflow yet")
        self.antialias = False

    def call(self, inputs):
        x, unbatched = self._to_bhwc(inputs)
        h, w = x.shape[1:3]
        if self.crop_to_aspect_ratio:
            x = crop(x, *crop_box(h, w, self.height, self.width))
        elif self.pad_to_aspect_ratio:
            pad_h = max(h, int(w * self.height / self.width))
            pad_w = max(w, int(h * self.width / self.height))
            top, left = (pad_h - h) // 2, (pad_w - w) // 2
            x = ops.pad(x, [[0, 0], [top, pad_h - h - top], [left, pad_w - w - left], [0, 0]],
                        constant_values=self.fill_value)
        x = resize(x, self.height, self.width, self.interpolation)
        return self._from_bhwc(x, unbatched)

    def compute_output_shape(self, input_shape):
        return self._with_spatial(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}
