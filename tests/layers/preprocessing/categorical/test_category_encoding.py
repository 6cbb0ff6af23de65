"""``CategoryEncoding``: the keras.io examples exactly (one_hot, multi_hot, count with weights),
shapes, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as L

from ._helpers import roundtrip, val


# ---- CategoryEncoding ----------------------------------------------------------------------
def test_category_encoding_keras_examples():
    oh = L.CategoryEncoding(num_tokens=4, output_mode="one_hot")([3, 2, 0, 1])
    assert oh.dtype == np.float32
    np.testing.assert_array_equal(val(oh), np.eye(4)[[3, 2, 0, 1]])
    mh = L.CategoryEncoding(num_tokens=4, output_mode="multi_hot")([[0, 1], [0, 0], [1, 2],
                                                                     [3, 1]])
    np.testing.assert_array_equal(val(mh), [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0],
                                            [0, 1, 0, 1]])
    cw = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    cnt = L.CategoryEncoding(num_tokens=4, output_mode="count")(
        [[0, 1], [0, 0], [1, 2], [3, 1]], count_weights=cw)
    np.testing.assert_allclose(val(cnt), [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0],
                                          [0, .2, 0, .4]], rtol=1e-6)


def test_category_encoding_shapes_config_and_errors():
    layer = L.CategoryEncoding(num_tokens=3, output_mode="one_hot")
    np.testing.assert_array_equal(val(layer(np.array([[2], [0]]))), [[0, 0, 1], [1, 0, 0]])
    assert layer.compute_output_shape((None, 1)) == (None, 3)
    assert layer.compute_output_shape((None, 2)) == (None, 2, 3)
    assert roundtrip(layer).get_config()["num_tokens"] == 3
    with pytest.raises(ValueError, match=r"expected inputs in \[0, 4\) .*received \[4, 7\]"):
        L.CategoryEncoding(num_tokens=4)([[4, 7]])
    with pytest.raises(ValueError, match="num_tokens must be set"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match="count_weights is only used with output_mode="):
        L.CategoryEncoding(num_tokens=4)([[1]], count_weights=[[1.0]])
    with pytest.raises(TypeError, match="expected integer inputs; received non-integral"):
        L.CategoryEncoding(num_tokens=4)(np.array([[0.5]]))
