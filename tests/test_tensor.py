"""Tensor construction, dtypes, conversion, backward and the bad-input paths."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.testing import on_every_device


@on_every_device
def test_python_floats_default_to_float32_and_arrays_keep_dtype(device):
    assert cf.Tensor([1.0, 2.0], device=device).dtype == np.float32
    assert cf.Tensor(np.zeros(2), device=device).dtype == np.float64
    assert cf.Tensor([1, 2], device=device).dtype.kind == "i"
    assert cf.Tensor(np.zeros(2), dtype="float16", device=device).dtype == np.float16


@pytest.mark.parametrize("bad", [["a", "b"], np.array(["x"]), np.array([object()])])
def test_non_numeric_data_is_a_type_error(bad):
    with pytest.raises(TypeError, match="dtype|Tensor"):
        cf.Tensor(bad)


def test_complex_data_is_held_without_gradients():
    # complex tensors as Keras's NumPy backend: data, no autodiff; Python complex is complex64
    assert cf.Tensor(np.array([1 + 2j])).dtype == np.complex128
    assert cf.Tensor([1 + 2j]).dtype == np.complex64
    with pytest.raises(TypeError, match="only floating tensors can require gradients"):
        cf.Tensor(np.array([1j]), requires_grad=True)


@on_every_device
def test_numpy_roundtrip_and_properties(device):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = cf.Tensor(a, device=device)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.device == device
    np.testing.assert_array_equal(t.numpy(), a)
    np.testing.assert_array_equal(np.asarray(t), a)
    assert "Tensor(" in repr(t)


@on_every_device
def test_backward_accumulates_into_leaf_grads(device):
    x = cf.Tensor(np.array([1.0, 2.0, 3.0]), device=device, requires_grad=True)
    (x * x).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0, 3.0]) + 2)


@on_every_device
def test_backward_on_non_scalar_needs_gradient(device):
    x = cf.Tensor(np.ones((2, 2)), device=device, requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match=r"scalar.*\(2, 2\)"):
        y.backward()
    y.backward(np.full((2, 2), 2.0))
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 6.0))
    with pytest.raises(ValueError, match="shape"):
        y.backward(np.ones(3))


def test_backward_without_graph_is_an_error():
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        cf.Tensor([1.0]).sum().backward()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        cf.Tensor([1, 2], requires_grad=True)


def test_no_grad_records_nothing():
    x = cf.Tensor([1.0], requires_grad=True)
    with cf.no_grad():
        y = x * 2
    assert not y.requires_grad and y._node is None

    @cf.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad


def test_stop_gradient_blocks_flow():
    x = cf.Tensor([2.0], requires_grad=True)
    y = (cf.stop_gradient(x * x) * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0])


def test_matmul_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        cf.Tensor(np.ones((2, 3))) @ cf.Tensor(np.ones((4, 5)))


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        cf.Tensor(np.ones((2, 3))) + cf.Tensor(np.ones(4))


def test_bad_axis_and_index_errors():
    t = cf.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="axis 5"):
        t.sum(axis=5)
    with pytest.raises(IndexError, match="invalid"):
        t[7]
    with pytest.raises(ValueError, match="cannot reshape"):
        t.reshape(4, 2)
    with pytest.raises(ValueError, match="out of range"):
        cf.ops.one_hot(cf.Tensor(np.array([3])), 3)


@on_every_device
def test_variable_assign_keeps_buffer_and_checks_shape(device):
    v = cf.Variable(np.zeros(3, dtype=np.float32), device=device, name="w")
    buf = v.data
    v.assign(np.ones(3, dtype=np.float32))
    v.assign_add(np.ones(3, dtype=np.float32))
    v.assign_sub(np.full(3, 0.5, dtype=np.float32))
    assert v.data is buf
    np.testing.assert_allclose(v.numpy(), [1.5, 1.5, 1.5])
    with pytest.raises(ValueError, match=r"shape \(2,\).*'w'"):
        v.assign(np.ones(2))
    assert v.requires_grad and v.trainable
    assert not cf.Variable([1.0], trainable=False).requires_grad


def test_to_same_device_is_identity():
    t = cf.Tensor([1.0])
    assert t.to("cpu") is t


def test_floor_divide_and_mod_operators_match_numpy():
    a = np.array([7, -8, 9])
    t = cf.Tensor(a)
    np.testing.assert_array_equal((t // 2).numpy(), a // 2)
    np.testing.assert_array_equal((17 // t).numpy(), 17 // a)
    np.testing.assert_array_equal((t % 3).numpy(), a % 3)
    np.testing.assert_array_equal((10 % t).numpy(), 10 % a)
