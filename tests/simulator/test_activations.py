"""``kernels/activations.cu`` run by the simulator through ``backend/cuda/activations.py``
against ``backend/numpy/activations.py``: every activation forward and backward, every dtype,
sizes around warp, block and grid boundaries, the float4 path and its tail, a misaligned start,
and the Dense epilogue (one chunk and several)."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import activations as gk
from cuflow.backend.numpy import activations as nk

from ..backend import _cases
from ._twin import DTYPES, ELEM_SIZES, assert_twin, both, get, put, values


def _alpha(name):
    return 0.37 if name in nk.DEFAULT_ALPHA else None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_activation(sim, name, dtype):
    a = _alpha(name)
    for n in ELEM_SIZES:
        x = values((n,), dtype)
        dy = values((n,), dtype, 1.0, specials=False)
        y = nk.activation_forward(name, x, a)
        dx = nk.activation_backward(name, x, y, dy, a)
        for xd in both(x) if n in (33, 4099) else [put(x)]:
            assert_twin(get(gk.activation_forward(name, xd, a)), y, dtype)
            assert_twin(get(gk.activation_backward(name, xd, put(y), put(dy), a)), dx, dtype)


@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_activation_float4_path_and_tail(sim, name):
    a = _alpha(name)
    n = (1 << 14) + 3
    x = values((n,), np.float32)
    dy = values((n,), np.float32, 1.0, specials=False)
    y = nk.activation_forward(name, x, a)
    for xd in both(x):
        assert_twin(get(gk.activation_forward(name, xd, a)), y, np.float32)
        assert_twin(get(gk.activation_backward(name, xd, put(y), put(dy), a)),
                    nk.activation_backward(name, x, y, dy, a), np.float32)
    assert any("_vec4<float>" in e for e in sim.names())


# (rows, n): empty, tiny, odd widths, float4 widths, a 32-column block edge, several chunks
EPILOGUE_SHAPES = [(0, 4), (5, 0), (1, 1), (7, 33), (9, 64), (70, 257), (2100, 33)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", nk.ACTIVATIONS)
def test_dense_epilogue(sim, name, dtype):
    for shape in EPILOGUE_SHAPES:
        z, b, dy = _cases.epilogue_problem(*shape, dtype, seed=sum(shape))
        pre_t, y_t = nk.bias_activation_forward(name, z.copy(), b)
        dz_t, db_t = nk.bias_activation_backward(name, pre_t, y_t, dy)
        pre, y = gk.bias_activation_forward(name, put(z), put(b))
        assert (pre is None) == (pre_t is None)
        assert_twin(get(y), y_t, dtype)
        if pre is not None:
            assert_twin(get(pre), pre_t, dtype)
        if shape[0] == 0:
            continue  # db = 0 is a CuPy fill, not one of our kernels
        dz, db = gk.bias_activation_backward(name, pre, y, put(dy))
        assert_twin(get(dz), dz_t, dtype)
        assert_twin(get(db), db_t, dtype)
        dz2, db2 = gk.bias_activation_backward(name, pre, y, put(dy), need_bias=False)
        assert db2 is None
        assert_twin(get(dz2), dz_t, dtype)
    assert any("cf_sum_batch_finish" in e for e in sim.names())  # (2100, 33): several chunks
