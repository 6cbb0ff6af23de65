"""cuflow.config: the process-wide settings (floatx, epsilon, image data format, TF32,
determinism, memory limit), their checks, and the ops that read them."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import config
from cuflow.backend import config as settings


@pytest.fixture(autouse=True)
def _restore_settings():
    saved = dict(settings._state)
    yield
    settings._state.clear()
    settings._state.update(saved)


def test_keras_defaults():
    assert config.floatx() == "float32"
    assert config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    assert config.tensor_float_32_enabled() is False
    assert config.op_determinism_enabled() is False


def test_floatx_is_the_dtype_of_created_floats():
    assert cf.ops.ones((2,)).dtype == np.float32
    config.set_floatx("float64")
    assert config.floatx() == "float64"
    assert cf.ops.ones((2,)).dtype == np.float64 and cf.ops.arange(0.0, 1.0, 0.5).dtype == \
        np.float64
    assert cf.ops.arange(3).dtype == np.int32  # integers stay integers, as Keras


@pytest.mark.parametrize("bad", ["float8", "int32", None])
def test_bad_floatx_names_the_choices(bad):
    with pytest.raises(ValueError, match=r"floatx must be 'float16', 'float32' or 'float64'; "
                                         rf"received {bad!r}"):
        config.set_floatx(bad)
    assert config.floatx() == "float32"


def test_epsilon_and_image_data_format():
    config.set_epsilon("1e-5")
    assert config.epsilon() == 1e-5 and isinstance(config.epsilon(), float)
    config.set_image_data_format("channels_first")
    assert config.image_data_format() == "channels_first"
    with pytest.raises(ValueError, match="image_data_format must be 'channels_last' or "
                                         "'channels_first'; received 'nhwc'"):
        config.set_image_data_format("nhwc")
    assert config.image_data_format() == "channels_first"


def test_tf32_and_determinism_switches():
    config.enable_tensor_float_32()
    assert config.tensor_float_32_enabled() is True
    config.enable_tensor_float_32_execution(0)  # tf.config.experimental's name, any truthiness
    assert config.tensor_float_32_enabled() is False
    config.enable_op_determinism()
    assert config.op_determinism_enabled() is True
    config.disable_op_determinism()
    assert config.op_determinism_enabled() is False


def test_memory_limit_is_checked_before_allocating(monkeypatch):
    from cuflow import memory

    monkeypatch.setattr(memory, "_cpu_limit", None)
    with cf.device("cpu"):
        config.set_memory_limit(1 << 20)  # 1 MiB
        try:
            with pytest.raises(cf.OutOfMemoryError, match="zeros needs shape"):
                cf.ops.zeros((1024, 1024))  # 4 MiB of float32
            assert cf.ops.zeros((16,)).shape == (16,)
        finally:
            config.set_memory_limit(None)
    with pytest.raises(ValueError, match="non-negative number of bytes or None; received -1"):
        config.set_memory_limit(-1)


def test_keras_style_access():
    assert cf.config is config
    import cuflow as keras

    assert keras.config.floatx() == "float32"
