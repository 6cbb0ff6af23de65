"""``SymbolicOp``: arithmetic, comparisons and indexing on symbolic tensors inside functional
models, against NumPy float64 references; output shapes and dtypes; gradients through them; the
config round trip (constants and index keys included) and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.layers.core.symbolic_op import SymbolicOp
from cuflow.testing import check_gradients

R = np.random.default_rng(8)
VA = R.normal(size=(4, 3)).astype("float32")
VB = R.normal(size=(4, 3)).astype("float32")
W = R.normal(size=(2, 5)).astype("float32")


def _model():
    a, b = layers.Input((3,), name="a"), layers.Input((3,), name="b")
    x = 2 * (a + b) - 1
    y = x[:, 0:2] @ W
    z = -y / 3 + abs(y) ** 2 - 1.5 / (1 + b[..., :1] ** 2)
    return cf.models.Model([a, b], [z, x[:, 1], a > b])


def _reference(va, vb):
    va, vb = np.asarray(va, np.float64), np.asarray(vb, np.float64)
    x = 2 * (va + vb) - 1
    y = x[:, 0:2] @ W.astype(np.float64)
    z = -y / 3 + np.abs(y) ** 2 - 1.5 / (1 + vb[..., :1] ** 2)
    return z, x[:, 1], va > vb


def test_operators_build_a_functional_model_that_matches_numpy():
    model = _model()
    z, col, gt = model.outputs
    assert (z.shape, col.shape, gt.shape) == ((None, 5), (None,), (None, 3))
    assert (z.dtype, gt.dtype) == ("float32", "bool")
    got = model.predict([VA, VB], verbose=0)
    for g, want in zip(got, _reference(VA, VB)):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-5)


def test_a_config_round_trip_keeps_constants_keys_and_dtypes():
    model = _model()
    again = cf.models.model_from_json(model.to_json())
    for g, want in zip(again.predict([VA, VB], verbose=0), _reference(VA, VB)):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-5)
    mat = next(la for la in model.layers if isinstance(la, SymbolicOp) and la.op == "matmul")
    config = mat.get_config()
    assert config["operand_dtype"] == "float32" and np.shape(config["operand"]) == (2, 5)
    assert SymbolicOp.from_config(config).operand.dtype == np.float32
    key = {"tuple": [{"slice": [None, None, None]}, {"slice": [0, 2, None]}]}
    assert SymbolicOp("getitem", key=(slice(None), slice(0, 2))).get_config()["key"] == key


def test_gradients_flow_through_symbolic_ops():
    inp = layers.Input((3,))
    h = layers.Dense(2, kernel_initializer="ones")(inp)
    model = cf.models.Model(inp, (h * h)[:, :1] - 0.5 * h[:, 1:])
    x = cf.Tensor(VA.astype(np.float64))
    check_gradients(lambda t: cf.ops.sum(model(t)), [x])


def test_integer_inputs_keep_their_dtype_and_bad_uses_are_named():
    i = layers.Input((2,), dtype="int32")
    assert (i + 1).dtype == "int32" and (i * [2, 3]).dtype == "int32"
    with pytest.raises(ValueError, match="unknown op 'xor'"):
        SymbolicOp("xor")
    with pytest.raises(TypeError, match="indexed with ints, slices"):
        i[[0, 1]]
    odd = SymbolicOp("add", operand=object())
    with pytest.raises(NotImplementedError, match="cannot be saved in a config"):
        odd.get_config()
