"""``Resizing``: area-averaging downscale, repeating upscale, bilinear equal to the upsample op,
crop / pad to the aspect ratio, formats, unbatched input, config, gradients, devices, errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import Tensor
from cuflow.layers import (
    Resizing,
)
from cuflow.ops.image import upsample

from ._helpers import (
    check_central_differences,
    check_config_round_trip,
    check_every_device_matches_numpy,
    run,
)

R = np.random.default_rng(7)


LAYERS = [
    lambda: Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True),
    lambda: Resizing(3, 5),
    lambda: Resizing(2, 2, interpolation="bicubic"),
]


@pytest.mark.parametrize("make", LAYERS)
def test_config_round_trip(make):
    check_config_round_trip(make)


@pytest.mark.parametrize("make", LAYERS)
def test_gradients_match_central_differences(make):
    check_central_differences(make)


@pytest.mark.parametrize("make", LAYERS)
def test_every_device_matches_numpy(device, make, images):
    check_every_device_matches_numpy(device, make, images)


def test_resizing_downscale_averages_and_upscale_repeats():
    x = np.random.default_rng(0).random((2, 4, 6, 3)).astype(np.float32)
    down = run(Resizing(2, 3), x)
    np.testing.assert_allclose(down, x.reshape(2, 2, 2, 3, 2, 3).mean(axis=(2, 4)), rtol=1e-5)
    up = run(Resizing(8, 12, interpolation="nearest"), x)
    np.testing.assert_array_equal(up, x.repeat(2, axis=1).repeat(2, axis=2))
    area = run(Resizing(2, 3, interpolation="area"), x)
    np.testing.assert_allclose(area, down, rtol=1e-5)


def test_resizing_bilinear_upscale_matches_upsample_op():
    x = np.random.default_rng(1).random((1, 3, 5, 2)).astype(np.float32)
    ref = upsample(Tensor(x), (2, 2), interpolation="bilinear").numpy()
    np.testing.assert_allclose(run(Resizing(6, 10), x), ref, rtol=1e-5, atol=1e-6)


def test_resizing_crop_and_pad_to_aspect_ratio():
    x = np.random.default_rng(0).random((1, 4, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(run(Resizing(4, 4, crop_to_aspect_ratio=True), x),
                               x[:, :, 2:6], rtol=1e-6)
    padded = run(Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0,
                          interpolation="nearest"), x)
    np.testing.assert_array_equal(padded[0, 2:6, :, 0], x[0, :, :, 0])
    assert (padded[0, :2] == -1).all() and (padded[0, 6:] == -1).all()


def test_resizing_shapes_formats_and_unbatched_input():
    assert Resizing(5, 7).compute_output_shape((None, 3, 3, 4)) == (None, 5, 7, 4)
    chw = np.zeros((2, 3, 4, 4), np.float32)
    assert run(Resizing(2, 5, data_format="channels_first"), chw).shape == (2, 3, 2, 5)
    assert run(Resizing(2, 5), np.zeros((4, 4, 3), np.float32)).shape == (2, 5, 3)
    with pytest.raises(ValueError, match="interpolation"):
        Resizing(2, 2, interpolation="lanczos9")
    with pytest.raises(ValueError, match="rank"):
        Resizing(2, 2)(np.zeros((4, 4), np.float32))
