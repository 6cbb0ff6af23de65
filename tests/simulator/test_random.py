"""``kernels/random.cu`` run by the simulator through ``backend/cuda/random.py``: the same bits
as the NumPy twin (``backend/numpy/random.py``) for every dtype and sizes past the grid, and the
device-side counter advanced as the twin advances it."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import random as cuda_random
from cuflow.backend.numpy import random as counter_rng

from ._twin import get, put


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_counter_uniform_equals_numpy(sim, dtype):
    st_cpu = counter_rng.initial_state(11)
    st_dev = put(st_cpu)
    for shape in [(3, 5), (257,), (4099,), (0,)]:
        want = counter_rng.uniform_numpy(shape, dtype, st_cpu)
        got = cuda_random.uniform_cupy(shape, dtype, st_dev)
        np.testing.assert_array_equal(get(got), want)
    np.testing.assert_array_equal(get(st_dev), st_cpu)
