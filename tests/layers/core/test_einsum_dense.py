"""``EinsumDense``: Keras weight shapes and parameter counts, values against ``np.einsum``,
symbolic use, config, save / load and Keras's error messages."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from .._helpers import f32, round_trip, save_load

# (equation, output_shape, bias_axes, input shape, Keras kernel shape, bias shape, output shape)
# ---- EinsumDense ------------------------------------------------------------------------------
# (equation, output_shape, bias_axes, input shape, Keras kernel shape, bias shape, output shape)
EINSUM_CASES = [
    ("ab,bc->ac", 64, "c", (2, 32), (32, 64), (64,), (2, 64)),
    ("abc,cd->abd", (None, 64), "d", (2, 32, 128), (128, 64), (64,), (2, 32, 64)),
    ("abc,cde->abde", (3, 5, 6), "de", (2, 3, 4), (4, 5, 6), (5, 6), (2, 3, 5, 6)),
    ("abc,cde->abde", (3, 5, 6), "b", (2, 3, 4), (4, 5, 6), (3, 1, 1), (2, 3, 5, 6)),
    ("...b,bc->...c", 5, "c", (2, 3, 4), (4, 5), (5,), (2, 3, 5)),
    ("ab...,bc->ac...", 5, "c", (2, 4, 7), (4, 5), (5, 1), (2, 5, 7)),
    ("abc,cd->abd", (None, 3), None, (2, 4, 6), (6, 3), None, (2, 4, 3)),
]


@pytest.mark.parametrize("eq,out,bias_axes,in_shape,kshape,bshape,oshape", EINSUM_CASES)
def test_einsum_dense_shapes_and_values(eq, out, bias_axes, in_shape, kshape, bshape, oshape):
    layer = L.EinsumDense(eq, out, bias_axes=bias_axes, activation="relu",
                          bias_initializer="random_normal")
    x = f32(*in_shape)
    y = layer(x).numpy()
    assert layer.kernel.shape == kshape
    assert (layer.bias is None and bshape is None) or layer.bias.shape == bshape
    assert [w.name.split("/")[-1] for w in layer.weights] == ["kernel", "bias"][:1 + (bshape
                                                                                   is not None)]
    assert layer.count_params() == int(np.prod(kshape)) + (int(np.prod(bshape)) if bshape else 0)
    want = np.einsum(eq, x, layer.kernel.numpy())
    if bshape is not None:
        want = want + layer.bias.numpy()
    np.testing.assert_allclose(y, np.maximum(want, 0), rtol=1e-5, atol=1e-5)
    assert y.shape == oshape
    assert layer.compute_output_shape((None,) + in_shape[1:])[1:] == oshape[1:]


def test_einsum_dense_symbolic_config_and_save(tmp_path):
    inp = L.Input((3, 4))
    layer = L.EinsumDense("abc,cde->abde", (None, 5, 2), bias_axes="e", name="ed")
    out = layer(inp)
    assert out.shape == (None, 3, 5, 2)
    clone = round_trip(layer)
    assert clone.get_config()["output_shape"] == [None, 5, 2]
    assert clone.get_config()["equation"] == "abc,cde->abde"
    model = cf.models.Model(inp, L.Flatten()(out))
    save_load(model, f32(2, 3, 4), tmp_path)


@pytest.mark.parametrize("kwargs,shape,match", [
    ({"equation": "ab,bc", "output_shape": 3}, (2, 4), "equation must be a string"),
    ({"equation": "a.b,bc->ac", "output_shape": 3}, (2, 4), "Invalid einsum equation 'a.b,bc->ac'"),
    ({"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "x"}, (2, 4),
     "Bias dimension 'x' was requested"),
    ({"equation": "abc,cd->abd", "output_shape": (5, 3)}, (2, 4, 6),
     "do not match at shared dimension 'b'. Input shape is 4, and output shape is 5"),
    ({"equation": "ab,bc->acd", "output_shape": (3, 2)}, (2, 4),
     "Dimension 'd' was specified in the output 'acd'"),
    ({"equation": "ab,bcd->ac", "output_shape": 3}, (2, 4),
     "Weight dimension 'd' did not have a match"),
    ({"equation": "ab,bc->ac", "output_shape": "3"}, (2, 4), "received '3'"),
])
def test_einsum_dense_errors(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        L.EinsumDense(**kwargs)(f32(*shape))


def test_einsum_dense_rank_mismatch_after_build():
    layer = L.EinsumDense("ab,bc->ac", 3)
    layer(f32(2, 4))
    with pytest.raises(ValueError, match=r"expected ndim=2, received input with shape \(2, 3, 4\)"):
        layer(f32(2, 3, 4))


def test_analyze_einsum_string_matches_keras():
    from cuflow.layers.core.einsum_dense import analyze_einsum_string

    kernel, bias, full = analyze_einsum_string("abc,cd->abd", "d", (2, 3, 4), (None, 5))
    assert (tuple(kernel), tuple(bias), tuple(full)) == ((4, 5), (5,), (2, 3, 5))
