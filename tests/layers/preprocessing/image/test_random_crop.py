"""``RandomCrop``: one random window per batch while training, Keras's smart resize at inference,
formats, config, errors, and the image layers inside a saved model."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from ..._helpers import round_trip, save_load

R = np.random.default_rng(7)


# ---- image layers -----------------------------------------------------------------------------
def img(*shape):
    return R.uniform(0, 255, size=shape).astype("float32")


def test_random_crop_training_window_and_inference_smart_resize():
    x = img(3, 6, 8, 2)
    layer = L.RandomCrop(3, 4, seed=5)
    y = layer(x, training=True).numpy()
    hits = [(t, s) for t in range(4) for s in range(5)
            if np.array_equal(x[:, t:t + 3, s:s + 4], y)]
    assert len(hits) == 1  # one window, the same for the whole batch
    # inference: the largest centred window with the target aspect ratio, resized
    np.testing.assert_allclose(layer(x).numpy(),
                               L.Resizing(3, 4, crop_to_aspect_ratio=True)(x).numpy(), rtol=1e-6)
    wide = img(2, 4, 10, 1)
    np.testing.assert_allclose(layer(wide).numpy(),
                               L.Resizing(3, 4, crop_to_aspect_ratio=True)(wide).numpy(),
                               rtol=1e-6)
    small = img(2, 2, 3, 1)  # smaller than the target while training: smart resize too
    assert layer(small, training=True).shape == (2, 3, 4, 1)
    same = img(2, 3, 4, 1)
    np.testing.assert_array_equal(layer(same).numpy(), same)
    assert layer(img(6, 8, 2), training=True).shape == (3, 4, 2)  # unbatched
    assert layer.compute_output_shape((None, 6, 8, 2)) == (None, 3, 4, 2)
    chw = L.RandomCrop(3, 4, data_format="channels_first", seed=1)
    assert chw(img(2, 1, 6, 8), training=True).shape == (2, 1, 3, 4)
    assert round_trip(layer).height == 3
    with pytest.raises(ValueError, match="height must be a positive int; received 0"):
        L.RandomCrop(0, 3)


def test_image_layers_in_a_saved_model(tmp_path):
    model = cf.models.Sequential([
        L.Input((8, 8, 3)), L.RandomCrop(6, 6, seed=1), L.RandomBrightness(0.2, seed=2),
        L.RandomHeight(0.1, seed=3), L.RandomWidth(0.1, seed=4), L.Resizing(6, 6),
        L.AlphaDropout(0.2), L.Flatten(), L.EinsumDense("ab,bc->ac", 2, bias_axes="c")])
    save_load(model, img(2, 8, 8, 3), tmp_path)
