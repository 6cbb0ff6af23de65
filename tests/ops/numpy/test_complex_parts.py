"""ops.numpy.complex_parts: conj / real are copies and imag is zeros on cuflow's real tensors;
on complex tensors they (and polar, view_as_complex / view_as_real) match NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

from .._helpers import close, t

R = np.random.default_rng(3)


def test_parts_of_real_tensors(device):
    a = R.normal(size=(3, 4))
    x = t(a, device)
    for fn in (ops.conj, ops.conjugate, ops.real):
        y = fn(x)
        close(y, a)
        assert y is not x and y.data is not x.data
    close(ops.imag(x), np.zeros_like(a))


def test_complex_tensors():
    z = np.array([[1 + 2j, -3.5 - 1j], [0.5j, 4 + 0j]])
    x = t(z)
    assert x.dtype == np.complex128 and cf.Tensor(1 + 1j).dtype == np.complex64
    close(ops.conj(x), np.conj(z))
    close(ops.real(x), z.real)
    close(ops.imag(x), z.imag)
    assert ops.real(x).dtype == np.float64
    np.testing.assert_array_equal(ops.isreal(x).numpy(), np.isreal(z))
    close(ops.angle(x), np.angle(z))
    pairs = ops.view_as_real(x)
    close(pairs, np.stack([z.real, z.imag], -1))
    back = ops.view_as_complex(pairs)
    assert back.dtype == np.complex64  # always complex64, as Keras
    close(back, z, rtol=1e-6)
    assert ops.view_as_complex(np.ones((3, 2), np.float32)).dtype == np.complex64
    close(ops.polar(np.array([1.0, 2.0]), np.array([2.0, 3.0])),
          np.array([1.0, 2.0]) * np.exp(1j * np.array([2.0, 3.0])))
    with pytest.raises(ValueError, match="Last dimension of input must be size 2"):
        ops.view_as_complex(np.ones(3))
    with pytest.raises(TypeError, match="only floating tensors can require gradients"):
        cf.Tensor(z, requires_grad=True)
