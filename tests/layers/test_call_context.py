"""``cuflow.layers.call_context``: single-input layer modules, input masks, the OOM message."""

import importlib

import numpy as np

import cuflow as cf
from cuflow.errors import OutOfMemoryError
from cuflow.layers import Dense
from cuflow.layers import call_context as cc


def test_every_single_input_module_exists():
    for name in cc.SINGLE_INPUT_MODULES:
        importlib.import_module(name)  # a renamed module would silently lose the flag


def test_input_masks_of_a_tensor_and_of_a_list():
    a, b = cf.Tensor(np.ones((2, 3))), cf.Tensor(np.ones((2, 3)))
    assert cc.input_masks(a) is None and cc.input_masks([a, b]) is None
    mask = cf.Tensor(np.array([True, False]))
    a._keras_mask = mask
    assert cc.input_masks(a) is mask
    assert cc.input_masks([a, b]) == [mask, None]
    assert cc.input_masks("not a tensor") is None


def test_out_of_memory_names_the_layer_and_shapes():
    layer = Dense(2, name="big")
    err = cc.out_of_memory(layer, cf.Tensor(np.ones((4, 5))), MemoryError("no room"))
    assert isinstance(err, OutOfMemoryError)
    assert 'layer "big" (Dense) ran out of memory on inputs of shape (4, 5): no room' in str(err)
    same = OutOfMemoryError("already translated")
    assert cc.out_of_memory(layer, None, same) is same
