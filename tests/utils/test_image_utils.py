"""cuflow.utils.image_utils: save_img / load_img / img_to_array / array_to_img round trips."""

from __future__ import annotations

import io

import numpy as np
import pytest

import cuflow as tf
from cuflow import utils


# ---- image helpers -----------------------------------------------------------------------------
def test_image_helpers_round_trip(tmp_path):
    pytest.importorskip("PIL")
    x = np.zeros((4, 5, 3), "float32")
    x[1, 2] = [255, 128, 0]
    path = tmp_path / "img.png"
    utils.save_img(path, x, scale=False)
    assert [p.name for p in tmp_path.iterdir()] == ["img.png"]  # no temp file left behind
    back = utils.img_to_array(utils.load_img(path))
    np.testing.assert_array_equal(back, x)
    img = utils.array_to_img(x, scale=False)
    assert img.size == (5, 4) and img.mode == "RGB"
    gray = utils.img_to_array(utils.load_img(path, color_mode="grayscale", target_size=(2, 2)))
    assert gray.shape == (2, 2, 1)
    utils.save_img(tmp_path / "a.jpg", np.ones((2, 2, 4)) * 100)
    buf = io.BytesIO()
    utils.save_img(buf, x, file_format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="cannot tell the image format"):
        utils.save_img(tmp_path / "noext", x)
    assert tf.keras.utils.Progbar is tf.callbacks.Progbar
    assert tf.keras.utils.load_img is tf.preprocessing.image.load_img
