"""ops.numpy.bitwise: bitwise ops on integer tensors against NumPy's operators."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops

from .._helpers import t


def test_bitwise_ops(device):
    a, b = np.array([12, 10, 7]), np.array([10, 6, 3])
    for name, ref in (("bitwise_and", a & b), ("bitwise_or", a | b), ("bitwise_xor", a ^ b),
                      ("left_shift", a << 2), ("right_shift", a >> 1),
                      ("bitwise_left_shift", a << b % 4), ("bitwise_right_shift", a >> b % 4)):
        rhs = {"left_shift": 2, "right_shift": 1}.get(name, b % 4 if "shift" in name else b)
        np.testing.assert_array_equal(getattr(ops, name)(t(a, device), rhs).numpy(), ref)
    np.testing.assert_array_equal(ops.bitwise_not(t(a, device)).numpy(), ~a)
    assert ops.bitwise_invert is ops.bitwise_not


def test_bitwise_errors():
    with pytest.raises(TypeError, match="must hold integers"):
        ops.bitwise_and(t([1.0]), t([1.0]))
