"""cuflow.ops.pooling: max / average pooling against the loop reference in both data formats,
tie and padding rules, float64 gradient checks and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.ops.pooling import adaptive_average_pool, adaptive_max_pool, avg_pool, max_pool
from cuflow.testing import check_gradients

from . import _conv_reference as ref
from ._conv_reference import T, close, to_first

R = np.random.default_rng(11)


# ---- pooling ------------------------------------------------------------------------------
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("pool,strides", [(2, None), (3, 1), (3, 2), (2, 3)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_matches_loops(device, rank, pool, strides, padding):
    x = R.normal(size=(2,) + (5, 6, 4)[:rank] + (3,))
    s = pool if strides is None else strides
    for op, kind in [(max_pool, "max"), (avg_pool, "avg")]:
        want = ref.pool(x, (pool,) * rank, (s,) * rank, padding, kind)
        close(op(T(x, device), pool, strides, padding), want)
        got = op(T(to_first(x), device), pool, strides, padding, data_format="channels_first")
        close(got, to_first(want))


def test_max_pool_gradient_goes_to_first_tie(device):
    x = T(np.ones((1, 5, 1)), device, requires_grad=True)
    max_pool(x, 2, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [1, 1, 1, 1, 0])


def test_avg_pool_same_divides_by_real_elements(device):
    x = T(np.ones((1, 3, 3, 1)), device)
    np.testing.assert_allclose(avg_pool(x, 2, 2, "same").numpy(), np.ones((1, 2, 2, 1)))


GRAD_CASES = [
    ("avg_pool_same", lambda x: avg_pool(x, 3, 2, "same"), [(2, 5, 4, 2)]),
    ("avg_pool1d_overlap", lambda x: avg_pool(x, 3, 1), [(2, 6, 2)]),
    ("avg_pool3d", lambda x: avg_pool(x, 2, 1, "same", "channels_first"), [(1, 2, 3, 2, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients(device, name, fn, shapes):
    check_gradients(fn, [R.normal(size=s) for s in shapes], device=device)


def distinct(*shape):
    # distinct values spaced well above eps, so max pooling has no ties or kinks
    n = int(np.prod(shape))
    return (R.permutation(n) / n * 4 - 2).reshape(shape)


@pytest.mark.parametrize("rank,pool,strides,padding", [(1, 2, None, "valid"), (2, 3, 2, "same"),
                                                       (2, 3, 1, "valid"), (3, 2, 1, "same")])
def test_max_pool_gradients(device, rank, pool, strides, padding):
    x = distinct(*((1,) + (5, 4, 3)[:rank] + (2,)))
    check_gradients(lambda t: max_pool(t, pool, strides, padding), [x], device=device)


def test_errors(device):
    x = T(R.normal(size=(1, 4, 4, 3)), device)
    with pytest.raises(ValueError, match=r"pool_size \(5, 5\) is larger"):
        max_pool(x, 5)
    with pytest.raises(ValueError, match=r"strides must be a positive int"):
        avg_pool(x, 2, 0)


# ---- adaptive pooling ---------------------------------------------------------------------
def _adaptive_ref(x, out, fn):
    """Loops over every output cell: window i of an axis of length L pooled to O covers
    [floor(i L / O), ceil((i + 1) L / O)) (channels_last input, float64)."""
    spatial = x.shape[1:-1]
    y = np.zeros((x.shape[0],) + tuple(out) + (x.shape[-1],))
    for cell in np.ndindex(*out):
        index = tuple(slice((i * n) // o, -(-(i + 1) * n // o))
                      for i, n, o in zip(cell, spatial, out))
        window = x[(slice(None),) + index]
        y[(slice(None),) + cell] = fn(window.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return y


@pytest.mark.parametrize("rank,spatial,out", [
    (1, (8,), (4,)), (1, (7,), (3,)), (1, (5,), (8,)), (1, (6,), (1,)),
    (2, (7, 5), (3, 4)), (2, (4, 4), (2, 2)), (2, (10, 3), (4, 5)),
    (3, (5, 4, 6), (2, 3, 4))])
def test_adaptive_pooling_matches_loops(device, rank, spatial, out):
    x = R.normal(size=(2,) + spatial + (3,))
    for op, fn in [(adaptive_average_pool, np.mean), (adaptive_max_pool, np.max)]:
        want = _adaptive_ref(x, out, fn)
        close(op(T(x, device), out), want)
        close(op(T(to_first(x), device), out, data_format="channels_first"), to_first(want))
        if len(set(out)) == 1:
            close(op(T(x, device), out[0]), want)  # an int: every spatial axis


def test_adaptive_pooling_keras_examples(device):
    x = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    close(adaptive_average_pool(T(x, device), 2, "channels_first"),
          np.array([[[[3.5, 5.5], [11.5, 13.5]]]]))
    close(adaptive_max_pool(T(x, device), 2, "channels_first"),
          np.array([[[[6.0, 8.0], [14.0, 16.0]]]]))
    close(adaptive_average_pool(T(np.arange(1.0, 7.0).reshape(1, 1, 6), device), 2,
                                "channels_first"), np.array([[[2.0, 5.0]]]))


@pytest.mark.parametrize("op", ["average", "max"])
def test_adaptive_pooling_gradients(device, op):
    fn = adaptive_average_pool if op == "average" else adaptive_max_pool
    x = R.normal(size=(2, 5, 4, 2))  # overlapping windows of two widths on the first axis
    check_gradients(lambda a: fn(a, (3, 3)), [x], device=device)
    check_gradients(lambda a: fn(a, 2, "channels_first"), [R.normal(size=(1, 2, 5))],
                    device=device)


def test_adaptive_pooling_dtypes_and_errors(device):
    ints = np.arange(16).reshape(1, 4, 4, 1)
    got = adaptive_max_pool(T(ints, device), 2)
    assert got.dtype == ints.dtype
    np.testing.assert_array_equal(got.numpy().ravel(), [5, 7, 13, 15])
    mean = adaptive_average_pool(T(ints.astype("int32"), device), 2)
    assert mean.dtype == np.float32  # integers average in floatx
    np.testing.assert_allclose(mean.numpy().ravel(), [2.5, 4.5, 10.5, 12.5])
    assert adaptive_average_pool(T(np.ones((1, 4, 2), "float32"), device), 2).dtype == \
        np.float32
    with pytest.raises(ValueError, match=r"adaptive_max_pool: expected an input of rank 3, 4 or "
                                         r"5 .*received shape \(2, 3\)"):
        adaptive_max_pool(T(np.ones((2, 3)), device), 2)
    with pytest.raises(ValueError, match="output_size"):
        adaptive_average_pool(T(np.ones((1, 4, 4, 1)), device), (2, 2, 2))
    with pytest.raises(ValueError, match=r"cannot pool an empty spatial axis; received input "
                                         r"shape \(1, 0, 3\)"):
        adaptive_average_pool(T(np.ones((1, 0, 3)), device), 2)


def test_adaptive_windows():
    from cuflow.ops.pooling import adaptive_windows

    starts, stops = adaptive_windows(7, 5)
    assert starts.tolist() == [0, 1, 2, 4, 5] and stops.tolist() == [2, 3, 5, 6, 7]
    starts, stops = adaptive_windows(2, 4)  # more cells than elements: windows repeat
    assert starts.tolist() == [0, 0, 1, 1] and stops.tolist() == [1, 1, 2, 2]


def test_adaptive_max_pool_gradient_goes_to_each_windows_first_tie(device):
    x = T(np.ones((1, 5, 1)), device, requires_grad=True)
    adaptive_max_pool(x, 2).sum().backward()  # windows [0, 3) and [2, 5)
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [1, 0, 1, 0, 0])
