"""UpSampling1D/2D/3D: nearest repeats and bilinear interpolation, shapes, configs, gradients."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as S
from cuflow.testing import check_gradients

from .._helpers import run_on as run

R = np.random.default_rng(3)


# ---- reshaping ----------------------------------------------------------------------------
def test_upsampling(device):
    x = R.normal(size=(2, 3, 2, 2))
    y = run(S.UpSampling2D((2, 3)), x, device)
    np.testing.assert_array_equal(y.numpy(), x.repeat(2, 1).repeat(3, 2))
    y1 = run(S.UpSampling1D(3), x[:, :, 0], device)
    np.testing.assert_array_equal(y1.numpy(), x[:, :, 0].repeat(3, 1))
    y3 = run(S.UpSampling3D(2, data_format="channels_first"), x[..., None], device)
    assert y3.shape == (2, 3, 4, 4, 2)
    yb = run(S.UpSampling2D(2, interpolation="bilinear"), x, device)
    assert yb.shape == (2, 6, 4, 2)
    assert S.UpSampling2D(2).compute_output_shape((None, None, 4, 1)) == (None, None, 8, 1)
    for layer in [S.UpSampling2D(2, interpolation="bilinear"),
                  S.UpSampling2D((1, 2), data_format="channels_first"), S.UpSampling1D(2)]:
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match=r"interpolation"):
        S.UpSampling2D(2, interpolation="cubic")


RESHAPE_GRADS = [
    (lambda: S.UpSampling2D((2, 1), dtype="float64"), (1, 2, 3, 2)),
    (lambda: S.UpSampling2D(2, interpolation="bilinear", dtype="float64"), (1, 3, 2, 2)),
    (lambda: S.UpSampling1D(2, dtype="float64"), (1, 3, 2)),
]


@pytest.mark.parametrize("make,shape", RESHAPE_GRADS)
def test_reshaping_gradients(device, make, shape):
    layer = make()
    check_gradients(lambda t: layer(t), [R.normal(size=shape)], device=device)
