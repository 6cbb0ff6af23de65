"""``RandomHeight`` / ``RandomWidth``: one axis resized by a drawn factor, equal to Resizing to that
size; identity at inference, shapes, config and Keras's errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as L

from ..._helpers import round_trip

R = np.random.default_rng(7)


# ---- image layers -----------------------------------------------------------------------------
def img(*shape):
    return R.uniform(0, 255, size=shape).astype("float32")


@pytest.mark.parametrize("cls,axis", [(L.RandomHeight, 1), (L.RandomWidth, 2)])
def test_random_height_width(cls, axis):
    x = img(2, 6, 8, 3)
    layer = cls((0.2, 0.5), seed=1)
    y = layer(x, training=True).numpy()
    size = y.shape[axis]
    assert int(1.2 * x.shape[axis]) <= size <= int(1.5 * x.shape[axis])
    other = x.shape[3 - axis]
    target = (size, other) if axis == 1 else (other, size)
    np.testing.assert_allclose(y, L.Resizing(*target)(x).numpy(), rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    shape = layer.compute_output_shape((None, 6, 8, 3))
    assert shape[axis] is None and shape[3 - axis] == x.shape[3 - axis]
    assert round_trip(cls(0.3, interpolation="nearest")).interpolation == "nearest"
    with pytest.raises(ValueError, match=r"upper bound lesser than the lower bound. Received: "
                                         r"factor=\(0.5, 0.2\)"):
        cls((0.5, 0.2))
    with pytest.raises(ValueError, match=r"larger than -1. Received: factor=\(-1.5, 0.2\)"):
        cls((-1.5, 0.2))
    with pytest.raises(ValueError, match="interpolation must be one of"):
        cls(0.2, interpolation="lanczos3")
