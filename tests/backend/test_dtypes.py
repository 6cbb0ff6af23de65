"""backend.dtypes: ``result_type`` follows Keras's promotion lattice (weak Python types, 64-bit
results reported as 32-bit), table-checked against values from Keras 3's documentation and
JAX's promotion table."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.backend import result_type


@pytest.mark.parametrize("args,expected", [
    ((), "float32"),
    (("int32", "float32"), "float32"),
    (("bfloat16", int), "bfloat16"),       # a weak int defers to the tensor's dtype
    (("int8", float), "float32"),          # ... a weak float does not keep an integer
    (("float16", float), "float16"),
    (("uint8", "int8"), "int16"),
    (("uint32", "int32"), "int32"),        # int64 on the lattice, reported 32-bit
    (("int64",), "int32"),
    (("float64", "float64"), "float32"),
    (("complex128",), "complex64"),
    (("float32", "complex64"), "complex64"),
    ((bool, int), "int32"),
    ((int, float), "float32"),
    (("bool", "bool"), "bool"),
    ((None,), "float32"),
    ((np.dtype("int16"), np.float16), "float16"),
])
def test_result_type_table(args, expected):
    assert result_type(*args) == expected


def test_tensors_and_errors():
    assert result_type(cf.Tensor(np.zeros(2, np.int16)), float) == "float32"
    with pytest.raises(ValueError, match="Invalid value for argument `dtype`"):
        result_type("string")
