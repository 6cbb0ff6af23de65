"""What UpSampling, ZeroPadding and Cropping share: the Keras forms of per-side sizes and the
rank / data_format checks."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as S
from cuflow.layers.reshaping.base_spatial import _pairs, int_tuple

from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_pairs_accepts_keras_forms():
    assert _pairs("Z", "padding", 1, 2) == ((1, 1), (1, 1))
    assert _pairs("Z", "padding", (1, 2), 2) == ((1, 1), (2, 2))
    assert _pairs("Z", "padding", ((1, 0), (2, 3)), 2) == ((1, 0), (2, 3))
    assert _pairs("Z", "padding", (2, 1), 1) == ((2, 1),)
    assert _pairs("Z", "padding", 3, 1) == ((3, 3),)
    assert _pairs("Z", "padding", [np.int64(1), (2, 3)], 2) == ((1, 1), (2, 3))
    # Keras's texts (standardize_tuple and the 2D/3D layers' own)
    with pytest.raises(ValueError, match=r"Z: `padding` should have two elements. Received: "
                                         r"padding=\(1, 2, 3\)."):
        _pairs("Z", "padding", (1, 2, 3), 2)
    with pytest.raises(ValueError, match=r"Z: `padding` should have 3 elements. Received: "
                                         r"padding='1'."):
        _pairs("Z", "padding", "1", 3)
    with pytest.raises(ValueError, match=r"Z: `cropping` cannot be negative. Received: "
                                         r"cropping=-2."):
        _pairs("Z", "cropping", -2, 2)
    with pytest.raises(ValueError, match=r"The `2nd entry of cropping` argument must be a tuple "
                                         r"of 2 integers. Received 2nd entry of cropping="
                                         r"\(3, -4\), including values \[-4\] that do not "
                                         r"satisfy `value >= 0`"):
        _pairs("Z", "cropping", ((1, 2), (3, -4)), 2)
    with pytest.raises(ValueError, match=r"Received 3rd entry of padding='5'"):
        _pairs("Z", "padding", ((1, 2), (3, 4), "5"), 3)
    with pytest.raises(ValueError, match=r"should be either an int, a tuple of 2 ints or a tuple "
                                         r"of 2 tuples of 2 ints \(before, after\). Received: "
                                         r"padding=1.5."):
        _pairs("Z", "padding", 1.5, 2)
    # one spatial axis: an int or exactly two ints (Keras's standardize_tuple(value, 2))
    for bad in [(1,), (1, 2, 3), "1", -1, (1, None)]:
        with pytest.raises(ValueError, match=r"The `cropping` argument must be a tuple of 2 "
                                             r"integers. Received cropping="):
            _pairs("Z", "cropping", bad, 1)


def test_int_tuple_as_keras_standardize_tuple():
    assert int_tuple(2, 3, "size") == (2, 2, 2)
    assert int_tuple([1, np.int32(2)], 2, "size") == (1, 2)
    assert int_tuple((0, 1), 2, "size", allow_zero=True) == (0, 1)
    with pytest.raises(ValueError, match=r"including values \[0\] that do not satisfy "
                                         r"`value > 0`"):
        int_tuple((0, 1), 2, "size")
    with pytest.raises(ValueError, match=r"Received size=\(1, 2.5\) including element 2.5 of "
                                         r"type float"):
        int_tuple((1, 2.5), 2, "size")
    with pytest.raises(ValueError, match=r"must be a tuple of 2 integers. Received size=True"):
        int_tuple(True, 2, "size")


def test_spatial_layers_check_rank_and_keep_data_format_in_config(device):
    with pytest.raises(ValueError, match=r'"zp".*expected ndim=4.*\(2, 3\)'):
        run(S.ZeroPadding2D(1, name="zp"), np.zeros((2, 3)), device)
    assert "data_format" not in S.Cropping1D(1).get_config()
    assert "data_format" not in S.UpSampling1D(2).get_config()
    assert S.ZeroPadding1D(1, data_format="channels_first").get_config()["data_format"] == \
        "channels_first"
    assert S.UpSampling2D(data_format="channels_first").get_config()["data_format"] == \
        "channels_first"
    with pytest.raises(ValueError, match="data_format"):
        S.Cropping2D(1, data_format="nchw")


def test_data_format_none_follows_the_process_setting():
    # as Keras: data_format=None is config.image_data_format() at construction
    cf.config.set_image_data_format("channels_first")
    for layer in [S.ZeroPadding2D(), S.Cropping3D(), S.UpSampling2D(), S.ZeroPadding1D(),
                  S.Flatten(), S.MaxPooling2D(), S.GlobalAveragePooling1D()]:
        assert layer.data_format == "channels_first", layer
    cf.config.set_image_data_format("channels_last")
    assert S.ZeroPadding2D().data_format == "channels_last"
