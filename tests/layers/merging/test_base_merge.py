"""What the merging layers share: a list of inputs, shapes broadcast after the batch axis, masks
OR-ed as Keras (with its checks), and the functional forms."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.layers.merging.base_merge import _merged_shape

R = np.random.default_rng(3)


def test_merge_errors_name_layer():
    with pytest.raises(ValueError, match=r'"adder" \(Add\).*list of inputs'):
        layers.Add(name="adder")(layers.Input(shape=(3,)))
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([layers.Input(shape=(3,)), layers.Input(shape=(4,))])
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add()([np.ones((2, 3)), np.ones((3, 3))])


def test_one_input_is_returned_as_is():
    x = R.normal(size=(2, 3)).astype("float32")
    np.testing.assert_array_equal(layers.Add()([x]).numpy(), x)


def test_merged_shape_broadcasts_after_the_batch_axis():
    layer = layers.Add(name="a")
    assert _merged_shape(layer, [(None, 1, 3), (None, 4, 3)]) == (None, 4, 3)
    assert _merged_shape(layer, [(2, 3), (None, 4, 3)]) == (2, 4, 3)
    assert _merged_shape(layer, [(None, 3), (None, 3)]) == (None, 3)
    with pytest.raises(ValueError, match=r'"a" \(Add\): inputs have incompatible shapes'):
        _merged_shape(layer, [(2, 3), (2, 4)])


def test_lower_rank_inputs_gain_axes_after_the_batch_axis():
    a = R.normal(size=(2, 3)).astype("float32")
    b = R.normal(size=(2, 4, 3)).astype("float32")
    out = layers.Add()([a, b]).numpy()
    np.testing.assert_allclose(out, a[:, None, :] + b, rtol=1e-6)
    assert layers.Add().compute_output_shape([(None, 3), (None, 4, 3)]) == (None, 4, 3)


def _masked(values):
    return layers.Masking()(cf.Tensor(np.array(values, dtype="float32")))


def test_output_mask_is_the_or_of_input_masks():
    x1 = _masked([[[0, 0], [1, 2], [0, 0], [3, 4]]])
    x2 = cf.Tensor(np.array([[[0, 0], [0, 0], [1, 2], [3, 4]]], dtype="float32"))
    assert layers.Add()([x1, x2])._keras_mask is None  # one input unmasked: no mask
    x2 = _masked(x2.numpy())
    for cls in (layers.Add, layers.Subtract, layers.Average, layers.Multiply, layers.Maximum,
                layers.Minimum):
        out = cls()([x1, x2])
        np.testing.assert_array_equal(out._keras_mask.numpy(), [[False, True, True, True]])


def test_compute_mask_checks_as_keras():
    layer = layers.Add()
    a, b = layers.Input((3,)), layers.Input((3,))
    x = np.ones((2, 3), dtype="float32")
    assert layer.compute_mask([a, b], None) is None
    assert layer.compute_mask([a, b], [None, None]) is None
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layer.compute_mask([a, b], x)
    with pytest.raises(ValueError, match="`inputs` should be a list"):
        layer.compute_mask(a, [None, None])
    with pytest.raises(ValueError, match="should have the same length"):
        layer.compute_mask([a, b], [None])
    m = layer.compute_mask([x, x], [np.array([True, False]), np.array([False, False])])
    np.testing.assert_array_equal(m.numpy(), [True, False])


def test_masks_pass_through_a_functional_model():
    i1, i2 = layers.Input((4, 2)), layers.Input((4, 2))
    out = layers.Add()([layers.Masking()(i1), layers.Masking()(i2)])
    model = cf.models.Model([i1, i2], out)
    x1 = np.array([[[0, 0], [1, 2], [0, 0], [3, 4]]], dtype="float32")
    x2 = np.array([[[0, 0], [0, 0], [1, 2], [3, 4]]], dtype="float32")
    res = model([x1, x2])
    np.testing.assert_allclose(res.numpy(), x1 + x2)
    np.testing.assert_array_equal(res._keras_mask.numpy(), [[False, True, True, True]])


def test_merges_functional_forms_make_layers():
    x, y = layers.Input((3,)), layers.Input((3,))
    out = layers.add([x, y], name="plus")
    assert out.shape == (None, 3) and out._keras_history[0].name == "plus"
