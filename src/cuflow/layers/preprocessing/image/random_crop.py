"""``RandomCrop`` (Keras 3 arguments). Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

from ._base import RandomImageLayer, positive_int
from ._sampling import crop_box, resize


class RandomCrop(RandomImageLayer):
    """Crop a random (height, width) window while training, at one location for the whole batch.

    At inference, and while training on images smaller than the target, the largest centred
    window with the target aspect ratio is cropped and resized to (height, width) (Keras's
    ``smart_resize``), so the output size never depends on ``training``.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = positive_int("RandomCrop", "height", height)
        self.width = positive_int("RandomCrop", "width", width)

    def _smart_resize(self, x):
        h, w = x.shape[1:3]
        if (h, w) == (self.height, self.width):
            return x
        top, left, crop_h, crop_w = crop_box(h, w, self.height, self.width)
        x = x[:, top:top + crop_h, left:left + crop_w, :]
        return resize(x, self.height, self.width, "bilinear")

    def call(self, inputs, training=None):
        x, unbatched = self._to_bhwc(inputs)
        h, w = x.shape[1:3]
        if training and h >= self.height and w >= self.width:
            top = int(self.rng.integers(0, h - self.height + 1))
            left = int(self.rng.integers(0, w - self.width + 1))
            x = x[:, top:top + self.height, left:left + self.width, :]
        else:
            x = self._smart_resize(x)
        return self._from_bhwc(x, unbatched)

    def compute_output_shape(self, input_shape):
        return self._with_spatial(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
