"""UpSampling1D/2D/3D: nearest repeats and bilinear interpolation, shapes, configs, gradients."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as S
from cuflow import ops
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
    with pytest.raises(ValueError, match=r"interpolation must be one of \('nearest', "
                                         r"'bilinear', 'bicubic', 'lanczos3', 'lanczos5'\); "
                                         r"received 'area'"):
        S.UpSampling2D(2, interpolation="area")


def test_upsampling_size_checks_as_keras():
    for size in (0, -2):
        with pytest.raises(ValueError, match=rf"UpSampling1D: Argument `size` should be a "
                                             rf"positive integer. Received: size={size}"):
            S.UpSampling1D(size)
    for size in (2.5, "2", True, (2,)):
        with pytest.raises(TypeError, match=r"Expected an integer value for `size`, got <class"):
            S.UpSampling1D(size)
    with pytest.raises(ValueError, match=r"The `size` argument must be a tuple of 2 integers. "
                                         r"Received size=\(2, 0\), including values \[0\]"):
        S.UpSampling2D((2, 0))
    with pytest.raises(ValueError, match=r"must be a tuple of 3 integers"):
        S.UpSampling3D((2, 2))
    assert S.UpSampling2D(3).size == (3, 3)
    assert S.UpSampling2D(2, interpolation="BICUBIC").interpolation == "bicubic"


@pytest.mark.parametrize("method", ["bicubic", "lanczos3", "lanczos5"])
def test_upsampling2d_resampling_methods_and_integer_inputs(method, device):
    x = R.normal(size=(2, 3, 4, 2))
    layer = S.UpSampling2D((2, 3), interpolation=method)
    y = run(layer, x, device)
    assert y.shape == (2, 6, 12, 2)
    np.testing.assert_allclose(y.numpy(), ops.upsample(x, (2, 3), method).numpy())
    assert type(layer).from_config(layer.get_config()).interpolation == method
    # integers upsample as Keras: nearest keeps them, the resampling methods round back
    ints = np.arange(12).reshape(2, 2, 1, 3)
    assert run(S.UpSampling2D((1, 2)), ints, device).numpy().tolist() == \
        np.repeat(ints, 2, axis=2).tolist()
    assert run(S.UpSampling2D((1, 2), interpolation=method), ints, device).dtype == ints.dtype
    assert run(S.UpSampling3D(2), ints[..., None], device).dtype == ints.dtype


RESHAPE_GRADS = [
    (lambda: S.UpSampling2D((2, 1), dtype="float64"), (1, 2, 3, 2)),
    (lambda: S.UpSampling2D(2, interpolation="bilinear", dtype="float64"), (1, 3, 2, 2)),
    (lambda: S.UpSampling1D(2, dtype="float64"), (1, 3, 2)),
]


@pytest.mark.parametrize("make,shape", RESHAPE_GRADS)
def test_reshaping_gradients(device, make, shape):
    layer = make()
    check_gradients(lambda t: layer(t), [R.normal(size=shape)], device=device)
