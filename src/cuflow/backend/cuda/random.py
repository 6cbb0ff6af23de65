"""Counter-based uniform numbers on the GPU (``kernels/random.cu``): the same bits as the NumPy
twin (``backend/numpy/random.py``, which documents the scheme), with the ``[seed, counter]``
state on the device so a replayed CUDA graph draws fresh numbers."""

from __future__ import annotations

import numpy as np

from ..numpy.random import check_draw
from .compile import get_kernel, grid_for_elements

SOURCE = "random.cu"
NAME_EXPRESSIONS = ("cf_uniform_counter<float>", "cf_uniform_counter<double>",
                    "cf_uniform_counter_half", "cf_counter_advance")


def uniform_cupy(shape, dtype, state):
    """The GPU draw: one launch for the samples, one single-thread launch for the advance."""
    import cupy

    if not isinstance(state, cupy.ndarray) or state.device.id != cupy.cuda.Device().id:
        raise TypeError("state_array must be a CuPy array on the current device")
    shape, dtype = check_draw(shape, dtype, state, "cupy")
    out = cupy.empty(shape, dtype=dtype)
    n = out.size
    if n:
        name = ("cf_uniform_counter_half" if dtype == "float16" else
                f"cf_uniform_counter<{'float' if dtype == 'float32' else 'double'}>")
        get_kernel(SOURCE, name)((grid_for_elements(n),), (256,),
                                      (out, state, np.int64(n)))
        get_kernel(SOURCE, "cf_counter_advance")((1,), (32,), (state, np.int64(n)))
    return out
