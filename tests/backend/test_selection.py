"""Device selection (backend/selection.py): the CPU fallback, explicit requests and their
errors, the environment variable, backends per device and their seeding by ``set_seed``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import cuflow as cf
from cuflow.backend import selection as devmod

from ..conftest import HAS_GPU


def test_auto_resolves_to_an_available_device():
    assert cf.set_device("auto") in cf.devices()
    if not HAS_GPU:
        assert cf.get_device() == "cpu"


@pytest.mark.skipif(HAS_GPU, reason="checks the no-GPU error path")
@pytest.mark.parametrize("spec", ["gpu", "gpu:0", "cuda", "GPU:1"])
def test_gpu_request_without_gpu_raises_device_error(spec):
    with pytest.raises(cf.DeviceError, match="no GPU is usable"):
        cf.set_device(spec)
    assert cf.get_device() == "cpu"  # the failed request changed nothing


@pytest.mark.parametrize("spec", ["tpu", "gpu:-1", "cpu:3", "", "gpu:x"])
def test_unknown_device_string_lists_valid_forms(spec):
    with pytest.raises(ValueError, match="'auto', 'cpu', 'gpu' or 'gpu:N'|CPU has no index"):
        cf.set_device(spec)


def test_non_string_device_is_rejected():
    with pytest.raises(ValueError, match="received 3"):
        cf.set_device(3)


def test_device_context_manager_scopes_creation():
    before = cf.get_device()
    with cf.device("cpu") as d:
        assert d == "cpu"
        assert cf.Tensor([1.0]).device == "cpu"
    assert cf.get_device() == before


def test_devices_lists_cpu_first():
    assert cf.devices()[0] == "cpu"


def test_env_variable_selects_device(monkeypatch):
    monkeypatch.setattr(devmod, "_default", None)
    monkeypatch.setenv("CUFLOW_DEVICE", "cpu")
    assert cf.get_device() == "cpu"


def test_env_variable_bad_value_raises(monkeypatch):
    monkeypatch.setattr(devmod, "_default", None)
    monkeypatch.setenv("CUFLOW_DEVICE", "quantum")
    with pytest.raises(ValueError, match="quantum"):
        cf.get_device()


def test_import_without_cupy_works():
    code = ("import sys; sys.modules['cupy'] = None\n"
            "import cuflow as cf\n"
            "assert cf.set_device('auto') == 'cpu'\n"
            "try:\n    cf.set_device('gpu')\nexcept cf.DeviceError as e:\n"
            "    assert 'CuPy' in str(e), e\nelse:\n    raise SystemExit('no DeviceError')\n"
            "print((cf.Tensor([1.0, 2.0]) * 2).numpy())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "[2. 4.]" in out.stdout


def test_auto_logs_one_line_saying_which(caplog):
    with caplog.at_level("INFO", logger="cuflow"):
        cf.set_device("auto")
    lines = [r.getMessage() for r in caplog.records if r.name == "cuflow"]
    assert len(lines) == 1 and "auto selected" in lines[0]


def test_mixing_devices_is_an_error_not_a_copy(monkeypatch):
    a = cf.Tensor(np.ones(3))

    class FakeBackend:
        device = "gpu:7"

    b = cf.Tensor(np.ones(3))
    b._backend = FakeBackend()
    with pytest.raises(ValueError, match="different devices"):
        cf.ops.add(a, b)


def test_backends_are_cached_per_device_and_found_from_arrays():
    bk = devmod.get_backend("cpu")
    assert devmod.get_backend("cpu") is bk and bk.device == "cpu"
    assert devmod.backend_of(np.ones(2)) is bk and devmod.backend_of(3.0) is bk


def test_every_spelling_of_a_device_gives_its_one_backend(monkeypatch):
    """``get_backend("cpu:0")`` used to build a CupyBackend from "cpu" (IndexError), and
    ``get_backend("gpu")`` a second GPU backend that replaced gpu:0's in the cache, so tensors
    made before it were "on different devices ('gpu:0', 'gpu:0')" (found by the simulated GPU,
    tests/simulator/test_fit.py)."""
    monkeypatch.setattr(devmod, "_backends", {})
    bk = devmod.get_backend("cpu")
    assert devmod.get_backend("cpu:0") is bk and devmod.get_backend(" CPU ") is bk
    assert list(devmod._backends) == ["cpu"]


def test_seed_backends_reseeds_existing_backends_and_seeds_new_ones(monkeypatch):
    monkeypatch.setattr(devmod, "_backends", {})
    monkeypatch.setattr(devmod, "_seed", None)
    first = devmod.get_backend("cpu")
    assert first._seed is None  # unseeded until set_seed
    devmod.seed_backends(11)
    assert first._seed == 11 and list(first.rng_state) == [11, 0]
    assert devmod._backend_seed_for(0) == 11 and devmod._backend_seed_for(2) == 11 + 2 * 7919
    monkeypatch.setattr(devmod, "_backends", {})
    again = devmod.get_backend("cpu")  # a backend created after the seeding starts seeded
    assert again is not first and again._seed == 11


def test_fastest_is_auto_with_a_measured_choice():
    from cuflow.backend import selection

    try:
        dev = selection.set_device("fastest")
        assert dev == selection.parse_device("auto") and selection._measure_pending
        assert "(auto: " in selection.device_choice()
    finally:
        selection.set_device("cpu")
    assert selection.device_choice() == "cpu"  # an explicit choice needs no explanation
    assert not selection._measure_pending
