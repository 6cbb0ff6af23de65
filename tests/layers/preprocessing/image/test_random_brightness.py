"""``RandomBrightness``: one shift per image within the factor, clipping to value_range,
config and Keras's errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as L

from ..._helpers import round_trip

R = np.random.default_rng(7)


# ---- image layers -----------------------------------------------------------------------------
def img(*shape):
    return R.uniform(0, 255, size=shape).astype("float32")


def test_random_brightness_shift_clip_and_errors():
    x = img(4, 3, 3, 1) * 0.5 + 60  # in [60, 188): no clipping for |delta| <= 0.2 * 255
    layer = L.RandomBrightness((-0.2, 0.1), seed=2)
    y = layer(x, training=True).numpy()
    delta = (y - x).reshape(4, -1)
    np.testing.assert_allclose(delta, delta[:, :1].repeat(9, axis=1), atol=1e-4)
    assert ((delta >= -0.2 * 255 - 1e-3) & (delta <= 0.1 * 255 + 1e-3)).all()
    assert np.unique(delta[:, 0].round(3)).size == 4  # one draw per image
    np.testing.assert_array_equal(layer(x).numpy(), x)
    bright = L.RandomBrightness((0.9, 1.0), value_range=(0, 1), seed=0)
    np.testing.assert_array_equal(bright(img(2, 2, 2, 1) / 510 + 0.5, training=True).numpy(), 1.0)
    config = round_trip(L.RandomBrightness(0.3, value_range=[0, 1], seed=4)).get_config()
    assert config["factor"] == 0.3 and config["value_range"] == [0.0, 1.0]
    with pytest.raises(ValueError, match=r"range \[-1.0, 1.0\]. Received: input_number=1.5"):
        L.RandomBrightness(1.5)
    with pytest.raises(ValueError, match=r"Received: factor=\(0.1, 0.2, 0.3\)"):
        L.RandomBrightness((0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match=r"Received: value_range=\(0, 1, 2\)"):
        L.RandomBrightness(0.1, value_range=(0, 1, 2))
