"""Cropping1D/2D/3D: values against slicing, shapes, configs, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as S
from cuflow.testing import check_gradients

from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_cropping(device):
    x = R.normal(size=(2, 5, 6, 3))
    c = run(S.Cropping2D(((1, 2), (0, 3))), x, device)
    np.testing.assert_array_equal(c.numpy(), x[:, 1:3, 0:3])
    c = run(S.Cropping1D((1, 1)), x[:, :, 0], device)
    np.testing.assert_array_equal(c.numpy(), x[:, 1:4, 0])
    c = run(S.Cropping3D(1), x[..., None], device)
    assert c.shape == (2, 3, 4, 1, 1)
    assert S.Cropping2D(1).compute_output_shape((None, None, 6, 3)) == (None, None, 4, 3)
    with pytest.raises(ValueError, match=r'"crop".*Values in `cropping` argument should be '
                                         r"smaller than the corresponding spatial dimension of "
                                         r"the input. Received: input_shape=\(2, 5, 6, 3\), "
                                         r"cropping=\(\(3, 2\), \(0, 0\)\)"):
        run(S.Cropping2D(((3, 2), (0, 0)), name="crop"), x, device)
    with pytest.raises(ValueError, match=r"`cropping` parameter of `Cropping1D` layer must be "
                                         r"smaller than the input length. Received: "
                                         r"input_shape=\(2, 5, 6\), cropping=\(3, 2\)"):
        run(S.Cropping1D((3, 2)), x[..., 0], device)
    with pytest.raises(ValueError, match=r"Values in `cropping` argument should be smaller"):
        S.Cropping3D(((1, 1), (9, 1), (1, 1))).compute_output_shape((None, 4, 10, 4, 2))
    for bad in [(1,), (1, 2, 3), "1"]:
        with pytest.raises(ValueError, match=r"The `cropping` argument must be a tuple of 2"):
            S.Cropping1D(bad)
    with pytest.raises(ValueError, match=r"`cropping` should have 3 elements"):
        S.Cropping3D((1, 2))
    for layer in [S.Cropping3D(1), S.Cropping1D((1, 2))]:
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg


RESHAPE_GRADS = [
    (lambda: S.Cropping2D(((1, 0), (0, 1)), dtype="float64"), (1, 3, 3, 2)),
    (lambda: S.Cropping1D(1, dtype="float64"), (1, 4, 2)),
]


@pytest.mark.parametrize("make,shape", RESHAPE_GRADS)
def test_reshaping_gradients(device, make, shape):
    layer = make()
    check_gradients(lambda t: layer(t), [R.normal(size=shape)], device=device)
