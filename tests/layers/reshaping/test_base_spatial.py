"""What UpSampling, ZeroPadding and Cropping share: the Keras forms of per-side sizes and the
rank / data_format checks."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as S
from cuflow.layers.reshaping.base_spatial import _pairs

from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_pairs_accepts_keras_forms():
    assert _pairs("Z", "padding", 1, 2) == ((1, 1), (1, 1))
    assert _pairs("Z", "padding", (1, 2), 2) == ((1, 1), (2, 2))
    assert _pairs("Z", "padding", ((1, 0), (2, 3)), 2) == ((1, 0), (2, 3))
    assert _pairs("Z", "padding", (2, 1), 1) == ((2, 1),)
    with pytest.raises(ValueError, match=r"Z: padding must be a non-negative int, a tuple of 2 "
                                         r"ints or a tuple of 2 \(before, after\) pairs; "
                                         r"received \(1, 2, 3\)"):
        _pairs("Z", "padding", (1, 2, 3), 2)
    with pytest.raises(ValueError, match="received -1"):
        _pairs("Z", "cropping", -1, 1)


def test_spatial_layers_check_rank_and_keep_data_format_in_config(device):
    with pytest.raises(ValueError, match=r'"zp".*expected ndim=4.*\(2, 3\)'):
        run(S.ZeroPadding2D(1, name="zp"), np.zeros((2, 3)), device)
    assert "data_format" not in S.Cropping1D(1).get_config()
    assert S.UpSampling2D(data_format="channels_first").get_config()["data_format"] == \
        "channels_first"
    with pytest.raises(ValueError, match="data_format"):
        S.Cropping2D(1, data_format="nchw")
