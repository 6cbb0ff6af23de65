"""cuflow.testing.parity: the device parameters, the decorator's pytest shape, the CPU rerun it
compares a GPU result with, and the comparison itself."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import cuflow as cf
from cuflow.testing import (
    assert_same_result,
    device_params,
    gpu_available,
    on_every_device,
    parity,
)


def test_device_params_are_the_cpu_then_each_gpu_or_a_skipped_gpu():
    params = device_params()
    assert params[0] == "cpu"
    gpus = params[1:]
    assert gpus
    for p in gpus:
        assert p.values[0].startswith("gpu:")
        assert any(m.name == "gpu" for m in p.marks)
    skipped = [m for m in gpus[0].marks if m.name == "skip"]
    assert bool(skipped) is (not gpu_available())
    if skipped:
        assert skipped[0].kwargs["reason"] == parity.NO_GPU


def test_the_decorator_parametrizes_device_and_keeps_the_other_arguments():
    def body(rng, x, device):
        return device

    run = on_every_device(rtol=0.1)(body)
    sig = inspect.signature(run)
    assert list(sig.parameters) == ["rng", "x", "device"]
    assert sig.parameters["device"].kind is inspect.Parameter.KEYWORD_ONLY
    (mark,) = [m for m in run.pytestmark if m.name == "parametrize"]
    assert mark.args[0] == "device" and mark.args[1][0] == "cpu"
    assert run.__name__ == "body"


def test_the_body_runs_with_the_device_as_default_and_gets_it_when_declared():
    seen = []

    @on_every_device
    def takes(device):
        seen.append((device, cf.get_device()))

    @on_every_device
    def ignores():
        seen.append(("-", cf.get_device()))

    takes(device="cpu")
    ignores(device="cpu")
    assert seen == [("cpu", "cpu"), ("-", "cpu")]


def test_on_a_gpu_the_cpu_rerun_sees_the_same_random_inputs(monkeypatch):
    runs = []

    def fake_run_on(body, device, wants_device, args, kwargs):  # no GPU needed
        runs.append(device)
        return body(*args, **kwargs)

    monkeypatch.setattr(parity, "_run_on", fake_run_on)

    @on_every_device
    def draws(rng):
        return rng.normal(size=3)

    draws(rng=np.random.default_rng(5), device="gpu:0")
    assert runs == ["gpu:0", "cpu"]  # both ran and their draws compared equal

    calls = iter([np.ones(2), np.zeros(2)])

    @on_every_device
    def differs():
        return next(calls)

    with pytest.raises(AssertionError, match="differs on gpu:0 against the CPU"):
        differs(device="gpu:0")


def test_assert_same_result_compares_structure_dtype_and_values():
    t = cf.Tensor(np.array([1.0, 2.0], np.float32))
    assert_same_result({"a": [t, 3]}, {"a": [np.array([1.0, 2.0 + 1e-7], np.float32), 3]})
    assert_same_result(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))  # NaN equals NaN
    with pytest.raises(AssertionError, match="structures differ"):
        assert_same_result([1, 2], (1, 2))
    with pytest.raises(AssertionError, match="dtype float64 != array of shape \\(2,\\) and "
                                             "dtype float32"):
        assert_same_result(np.ones(2), np.ones(2, np.float32))
    with pytest.raises(AssertionError, match="leaf 1"):
        assert_same_result([1.0, np.ones(3)], [1.0, np.ones(3) * 1.01])
    with pytest.raises(AssertionError, match="'a' != 'b'"):
        assert_same_result(["a"], ["b"])


@on_every_device
def test_a_decorated_test_returns_its_result_for_the_comparison(rng):
    x = rng.normal(size=(4, 3)).astype(np.float32)
    got = cf.ops.sum(cf.Tensor(x) * 2.0, axis=0)
    np.testing.assert_allclose(got.numpy(), (x * 2).sum(0), rtol=1e-6)
    return got
