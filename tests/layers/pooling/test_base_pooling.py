"""What the pooling layers share: windowed pooling (max and average, 1-3D) against the loop
reference with shapes, configs and gradients; global pooling over every rank, format and
keepdims; the errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as P
from cuflow.testing import check_gradients

from ...ops import _conv_reference as ref
from .._helpers import run_on as run

R = np.random.default_rng(3)


@pytest.mark.parametrize("cls,kind,rank", [(P.MaxPooling1D, "max", 1), (P.MaxPooling2D, "max", 2),
                                           (P.MaxPooling3D, "max", 3),
                                           (P.AveragePooling1D, "avg", 1),
                                           (P.AveragePooling2D, "avg", 2),
                                           (P.AveragePooling3D, "avg", 3)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_layers(device, cls, kind, rank, padding):
    x = R.normal(size=(2,) + (5, 4, 3)[:rank] + (2,))
    layer = cls(pool_size=2, strides=1 if rank == 3 else None, padding=padding)
    y = run(layer, x, device)
    s = (1,) * rank if rank == 3 else (2,) * rank
    np.testing.assert_allclose(y.numpy(), ref.pool(x, (2,) * rank, s, padding, kind), atol=1e-12)
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + y.shape[1:]
    assert cls.from_config(layer.get_config()).get_config() == layer.get_config()
    check_gradients(lambda t: cls(2, 1, padding, dtype="float64")(t),
                    [R.permutation(x.size).reshape(x.shape) / x.size], device=device)


@pytest.mark.parametrize("cls,rank,red", [(P.GlobalAveragePooling1D, 1, np.mean),
                                          (P.GlobalAveragePooling2D, 2, np.mean),
                                          (P.GlobalAveragePooling3D, 3, np.mean),
                                          (P.GlobalMaxPooling1D, 1, np.max),
                                          (P.GlobalMaxPooling2D, 2, np.max),
                                          (P.GlobalMaxPooling3D, 3, np.max)])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(device, cls, rank, red, fmt, keepdims):
    x = R.normal(size=(2,) + (4, 3, 2)[:rank] + (3,))
    axes = tuple(range(1, rank + 1)) if fmt == "channels_last" else tuple(range(2, rank + 2))
    if fmt == "channels_first":
        x = np.moveaxis(x, -1, 1)
    layer = cls(data_format=fmt, keepdims=keepdims)
    y = run(layer, x, device)
    np.testing.assert_allclose(y.numpy(), red(x, axis=axes, keepdims=keepdims), atol=1e-12)
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + y.shape[1:]
    check_gradients(lambda t: cls(fmt, keepdims, dtype="float64")(t),
                    [R.permutation(x.size).reshape(x.shape) / x.size], device=device)


def test_pooling_errors():
    with pytest.raises(ValueError, match=r'"mp".*expected ndim=4.*\(2, 3\)'):
        P.MaxPooling2D(name="mp")(cf.Tensor(np.zeros((2, 3), np.float32)))
    with pytest.raises(ValueError, match=r'"mp2".*pool_size \(3, 3\) is larger'):
        P.MaxPooling2D(3, name="mp2")(cf.Tensor(np.zeros((1, 2, 2, 1), np.float32)))
    with pytest.raises(ValueError, match=r"padding must be one of"):
        P.AveragePooling1D(padding="causal")
    with pytest.raises(ValueError, match=r"ndim=5"):
        P.GlobalMaxPooling3D()(cf.Tensor(np.zeros((1, 2, 2, 1), np.float32)))
