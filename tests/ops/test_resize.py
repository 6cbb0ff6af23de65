"""cuflow.ops.resize.upsample: nearest and bilinear (half-pixel centres) upsampling, and float64
gradient checks."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.ops.resize import upsample
from cuflow.testing import check_gradients

from ._conv_reference import T, close

R = np.random.default_rng(11)


# ---- upsampling ---------------------------------------------------------------------------
def test_upsample_nearest_and_bilinear(device):
    x = R.normal(size=(2, 3, 2, 2))
    close(upsample(T(x, device), (2, 3)), x.repeat(2, axis=1).repeat(3, axis=2))
    # tf.image.resize([0, 1], 4, 'bilinear') == [0, .25, .75, 1] (half-pixel centres)
    col = T(np.array([0.0, 1.0]).reshape(1, 2, 1, 1), device)
    close(upsample(col, (2, 1), "bilinear").numpy().ravel(), np.array([0, .25, .75, 1]))
    y = upsample(T(x, device), 2, "bilinear")
    assert y.shape == (2, 6, 4, 2)
    # bilinear is separable and preserves constants
    close(upsample(T(np.ones((1, 3, 4, 2)), device), (3, 2), "bilinear"), np.ones((1, 9, 8, 2)))


GRAD_CASES = [
    ("upsample_nearest", lambda x: upsample(x, (2, 3)), [(1, 3, 2, 2)]),
    ("upsample_bilinear", lambda x: upsample(x, 2, "bilinear"), [(1, 3, 2, 2)]),
    ("upsample_nearest_3d_cf", lambda x: upsample(x, 2, "nearest", "channels_first"),
     [(1, 2, 2, 2, 2)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients(device, name, fn, shapes):
    check_gradients(fn, [R.normal(size=s) for s in shapes], device=device)
