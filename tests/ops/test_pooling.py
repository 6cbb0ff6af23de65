"""cuflow.ops.pooling: max / average pooling against the loop reference in both data formats,
tie and padding rules, float64 gradient checks and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.ops.pooling import avg_pool, max_pool
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
