"""``cuflow.preprocessing.layers``: the image preprocessing layers under their older path, the
same class objects as ``cuflow.layers`` (and ``cuflow.keras.preprocessing.layers``)."""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow import layers
from cuflow.preprocessing import layers as pre


def test_every_name_is_the_layers_class():
    assert sorted(pre.__all__) == sorted(n for n in dir(pre) if n[0].isupper())
    for name in pre.__all__:
        assert getattr(pre, name) is getattr(layers, name)
    assert cuflow.preprocessing.layers is pre


def test_a_layer_from_this_path_runs():
    x = np.arange(6, dtype=np.uint8).reshape(1, 1, 2, 3)
    out = pre.Rescaling(0.5, offset=1.0)(x)
    np.testing.assert_allclose(out.numpy(), x * 0.5 + 1.0)
    assert pre.CenterCrop(1, 1)(x.astype(np.float32)).shape == (1, 1, 1, 3)
