"""Counter-based uniform numbers on the GPU (backend/cuda/random.py, ``kernels/random.cu``):
its launches checked against the compiled signatures on the CPU, the hash header compiled for the
host against the NumPy twin's bits, and on a GPU the draws equal to the twin's."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import random as cuda_random
from cuflow.backend.numpy import random as counter_rng

from . import _fake_device as fd
from ._host import CXX, KERNELS


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_counter_rng_launches(checker, dtype):
    state = fd.device_array(counter_rng.initial_state(5))
    out = cuda_random.uniform_cupy((3, 5), dtype, state)
    assert out.shape == (3, 5) and str(out.dtype) == dtype
    assert [e for e in checker.names()][-1] == "cf_counter_advance"


def test_state_must_be_a_device_array():
    pytest.importorskip("cupy")
    with pytest.raises(TypeError, match="CuPy array on the current device"):
        cuda_random.uniform_cupy((2,), "float32", counter_rng.initial_state(1))


def test_cuda_hash_header_matches_numpy_on_the_host(tmp_path):
    """kernels/cf_random.cuh compiled with g++ gives the NumPy twin's bits."""
    import subprocess

    if CXX is None:
        pytest.skip("no C++ compiler")
    src = tmp_path / "h.cpp"
    src.write_text('#include "cf_random.cuh"\n#include <cstdio>\nint main() {\n'
                   '  for (cf_u64 c = 0; c < 5; ++c) {\n'
                   '    cf_u64 h = cf_counter_hash(77ULL, 1000ULL + c);\n'
                   '    printf("%llu %.9g %.17g\\n", h, cf_unit<float>::of(h),'
                   ' cf_unit<double>::of(h));\n  }\n}\n')
    exe = tmp_path / "h"
    subprocess.run([CXX, "-std=c++17", f"-I{KERNELS}", str(src), "-o", str(exe)],
                   check=True, capture_output=True)
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    state = np.array([77, 1000], np.int64)
    h = counter_rng.counter_hash(77, np.arange(1000, 1005, dtype=np.uint64))
    f32 = counter_rng.uniform_numpy((5,), "float32", state.copy())
    f64 = counter_rng.uniform_numpy((5,), "float64", state.copy())
    for i in range(5):
        assert int(lines[3 * i]) == int(h[i])
        assert np.float32(lines[3 * i + 1]) == f32[i]
        assert float(lines[3 * i + 2]) == f64[i]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_gpu_counter_uniform_equals_numpy(dtype):
    import cupy as cp

    st_cpu = counter_rng.initial_state(11)
    st_gpu = cp.asarray(st_cpu)
    for shape in [(3, 5), (100003,), (0,)]:
        want = counter_rng.uniform_numpy(shape, dtype, st_cpu)
        got = cuda_random.uniform_cupy(shape, dtype, st_gpu)
        np.testing.assert_array_equal(cp.asnumpy(got), want)
    np.testing.assert_array_equal(cp.asnumpy(st_gpu), st_cpu)
