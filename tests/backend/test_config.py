"""Process settings the backend and ops read (backend/config.py): each switch and setter, the
values they refuse with what was received, and ``cuflow.config`` as their front door."""

from __future__ import annotations

import pytest

import cuflow
from cuflow.backend import config


@pytest.fixture(autouse=True)
def _restore_settings():
    saved = dict(config._state)
    yield
    config._state.clear()
    config._state.update(saved)


def test_defaults_match_keras():
    assert config.tensor_float_32_enabled() is False
    assert config.op_determinism_enabled() is False
    assert config.floatx() == "float32" and config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"


def test_switches():
    config.enable_tensor_float_32()
    assert config.tensor_float_32_enabled()
    config.enable_tensor_float_32_execution(False)  # tf.config.experimental's name
    assert not config.tensor_float_32_enabled()
    config.enable_op_determinism()
    assert config.op_determinism_enabled()
    config.disable_op_determinism()
    assert not config.op_determinism_enabled()


def test_setters_validate_what_they_receive():
    config.set_floatx("float64")
    config.set_epsilon(1e-5)
    config.set_image_data_format("channels_first")
    assert (config.floatx(), config.epsilon(), config.image_data_format()) == \
        ("float64", 1e-5, "channels_first")
    with pytest.raises(ValueError, match="floatx must be.*received 'int8'"):
        config.set_floatx("int8")
    with pytest.raises(ValueError, match="image_data_format must be.*received 'nhwc'"):
        config.set_image_data_format("nhwc")


def test_cuflow_config_is_the_front_door():
    cuflow.config.set_epsilon(0.25)
    assert config.epsilon() == 0.25
    assert cuflow.config.op_determinism_enabled is config.op_determinism_enabled


def test_cpu_jit_switch_routes_the_cpu_backend(monkeypatch):
    """Off: the NumPy backend never asks for a compiled family; on (with Numba installed): the
    2-D pooling goes through it and gives the NumPy path's values."""
    import numpy as np

    from cuflow.backend.numpy import jit
    from cuflow.backend.numpy.backend import NumpyBackend

    x = np.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype(np.float32)
    args = ((2, 2), (2, 2), ((0, 0), (0, 0)), (2, 2))
    cuflow.config.enable_cpu_jit(False)
    assert not config.cpu_jit_enabled() and jit.family("windows") is None
    want = NumpyBackend().max_pool_forward(x, *args)
    cuflow.config.enable_cpu_jit(True)
    assert cuflow.config.cpu_jit_enabled()
    if jit.numba_available():
        assert jit.family("windows") is not None
    np.testing.assert_array_equal(NumpyBackend().max_pool_forward(x, *args), want)


@pytest.mark.parametrize("value, on", [("0", False), ("off", False), ("1", True), ("", True)])
def test_cpu_jit_environment_variable(value, on):
    import os
    import subprocess
    import sys

    env = dict(os.environ, CUFLOW_CPU_JIT=value)
    out = subprocess.run([sys.executable, "-c", "from cuflow.backend import config; "
                          "print(config.cpu_jit_enabled())"], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == str(on)
