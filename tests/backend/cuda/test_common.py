"""What the CUDA families share (backend/cuda/common.py): inputs validated and made contiguous
before any launch, 16-byte alignment for the float4 paths, the row launch shapes, and the
capture probe that is False wherever no capture can be running."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import common

from . import _fake_device as fd


def test_float_input_validates_before_any_launch(checker):
    x = fd.device_array(np.ones((2, 3), np.float32))
    assert common._float_input(x) is x
    with pytest.raises(TypeError, match="w must be float16, float32 or float64, received dtype "
                                        "int64"):
        common._float_input(fd.device_array(np.ones(3, np.int64)), "w")
    assert checker.launches == []


def test_alignment_and_scalar_types(checker):
    base = fd.device_array(np.zeros(16, np.float32))
    assert common._aligned16(base) and not common._aligned16(base[1:])
    assert type(common._i64(3)) is np.int64 and type(common._f64(0.5)) is np.float64


def test_launch_1d_sizes_the_grid_for_the_element_count(checker):
    k = checker.get_kernel("reductions.cu", "cf_sumsq_partial<float>")
    x = fd.device_array(np.zeros(1000, np.float32))
    part = fd.device_array(np.zeros(4, np.float64))
    common._launch_1d(k, 1000, (x, np.int64(1000), part))
    (_, _, grid, block, _), = checker.launches
    assert block == (256,) and grid == (4,)  # ceil(1000 / 256)


def test_row_launch_shape(monkeypatch):
    from cuflow.backend.cuda import compile

    monkeypatch.setattr(compile, "sm_count", lambda device_id: 100)
    monkeypatch.setattr(compile, "_device_id", lambda: 0)
    assert common._row_launch_shape(1000, 16) == ("cf_thread_r", 8, 128)
    assert common._row_launch_shape(10, 17) == ("cf_block_r", 10, 32)
    assert common._row_launch_shape(10, 300)[2] == 128  # threads * 4 >= n, a power of two
    assert common._row_launch_shape(10, 5000)[2] == 1024


def test_not_capturing_without_a_device():
    assert common._capturing() is False
