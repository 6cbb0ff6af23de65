"""ZeroPadding1D/2D/3D: values against ``np.pad``, shapes, configs, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as S
from cuflow.testing import check_gradients

from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_zero_padding(device):
    x = R.normal(size=(2, 5, 6, 3))
    y = run(S.ZeroPadding2D(((1, 2), (0, 3))), x, device)
    np.testing.assert_array_equal(y.numpy(), np.pad(x, [(0, 0), (1, 2), (0, 3), (0, 0)]))
    y = run(S.ZeroPadding2D(1, data_format="channels_first"), x, device)
    np.testing.assert_array_equal(y.numpy(), np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)]))
    y = run(S.ZeroPadding1D((2, 1)), x[:, :, 0], device)
    assert y.shape == (2, 8, 3)
    y = run(S.ZeroPadding3D(), x[..., None], device)
    assert y.shape == (2, 7, 8, 5, 1)
    assert S.ZeroPadding2D(2).compute_output_shape((None, 5, None, 3)) == (None, 9, None, 3)
    with pytest.raises(ValueError, match=r"`padding` should have two elements"):
        S.ZeroPadding2D((1, 2, 3))
    for bad in [(1,), (1, 2, 3), "1"]:
        with pytest.raises(ValueError, match=r"The `padding` argument must be a tuple of 2"):
            S.ZeroPadding1D(bad)
    # ZeroPadding1D takes data_format, as Keras 3
    first = np.transpose(x[:, :, 0], (0, 2, 1))  # (batch, channels, steps)
    y = run(S.ZeroPadding1D((1, 2), data_format="channels_first"), first, device)
    np.testing.assert_array_equal(y.numpy(), np.pad(first, [(0, 0), (0, 0), (1, 2)]))
    assert S.ZeroPadding1D((1, 2), data_format="channels_first").compute_output_shape(
        (None, 3, 5)) == (None, 3, 8)
    assert S.ZeroPadding1D((1, 2)).get_config()["padding"] == (1, 2)
    for layer in [S.ZeroPadding2D(((1, 2), (0, 3))), S.ZeroPadding1D(2)]:
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg


RESHAPE_GRADS = [
    (lambda: S.ZeroPadding2D(((1, 0), (2, 1)), dtype="float64"), (1, 2, 3, 2)),
]


@pytest.mark.parametrize("make,shape", RESHAPE_GRADS)
def test_reshaping_gradients(device, make, shape):
    layer = make()
    check_gradients(lambda t: layer(t), [R.normal(size=shape)], device=device)
