"""ops.numpy.complex_parts: conj / real are copies and imag is zeros on cuflow's real tensors;
complex inputs are refused."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

R = np.random.default_rng(3)


def t(a, device="cpu"):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, ref, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), ref,
                               rtol=rtol, atol=atol)


def test_parts_of_real_tensors(device):
    a = R.normal(size=(3, 4))
    x = t(a, device)
    for fn in (ops.conj, ops.conjugate, ops.real):
        y = fn(x)
        close(y, a)
        assert y is not x and y.data is not x.data
    close(ops.imag(x), np.zeros_like(a))


def test_complex_inputs_are_refused():
    with pytest.raises(TypeError, match="no complex dtype"):
        ops.real(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="no complex dtype"):
        ops.imag(np.array([1j]))
