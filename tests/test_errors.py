"""cuflow.errors: the exception types cuflow raises on purpose, catchable by their own type and
by the built-in type each extends, and where they come from."""

from __future__ import annotations

import pytest

import cuflow as cf
from cuflow import errors


@pytest.mark.parametrize("cls, base", [(errors.DeviceError, RuntimeError),
                                       (errors.OutOfMemoryError, MemoryError),
                                       (errors.UnsafeModelError, ValueError)])
def test_each_extends_the_builtin_that_code_already_catches(cls, base):
    assert issubclass(cls, base)
    with pytest.raises(base, match="why"):
        raise cls("why")
    assert cls.__doc__  # what the error means is documented on the class


def test_the_package_exports_the_same_classes():
    assert cf.DeviceError is errors.DeviceError
    assert cf.OutOfMemoryError is errors.OutOfMemoryError
    assert cf.UnsafeModelError is errors.UnsafeModelError


def test_device_error_for_a_device_this_machine_lacks():
    if cf.testing.gpu_available():
        pytest.skip("this machine has a GPU: gpu:0 is a valid device here")
    with pytest.raises(errors.DeviceError) as info:
        cf.set_device("gpu")
    assert "gpu" in str(info.value).lower()
    assert cf.get_device() == "cpu"


def test_out_of_memory_error_names_the_request_and_a_remedy(monkeypatch):
    from cuflow import memory

    monkeypatch.setattr(memory, "_cpu_limit", 1024)
    with cf.device("cpu"), pytest.raises(errors.OutOfMemoryError) as info:
        cf.ops.ones((64, 64))
    msg = str(info.value)
    assert "(64, 64)" in msg and "float32" in msg and "batch_size" in msg


def test_unsafe_model_error_for_a_config_with_a_repeated_key():
    from cuflow.saving import validate

    with pytest.raises(errors.UnsafeModelError, match="repeats the key 'a' in one object"):
        validate.parse_json(b'{"a": 1, "a": 2}', "config.json")
