"""Live kernel verification against the NumPy twins, with a planted wrong kernel."""

from __future__ import annotations

import types

import numpy as np
import pytest

import cuflow
from cuflow.backend.numpy import kernels as numpy_kernels
from cuflow.backend.numpy.backend import NumpyBackend
from cuflow.debug import KernelMismatchError, KernelVerifier, last_kernel_report, load_repro
from cuflow.debug.verify import compare

from .helpers import data, mlp


@pytest.fixture
def planted(monkeypatch):
    """The CPU backend's kernel module with tanh's forward (alone and in the Dense epilogue)
    off by 1e-3 relative."""
    def off(name, out):
        return out * np.asarray(1.001, out.dtype) if name == "tanh" else out

    def bad_forward(name, x, alpha=None):
        return off(name, numpy_kernels.activation_forward(name, x, alpha))

    def bad_epilogue(name, z, bias, alpha=None):
        pre, out = numpy_kernels.bias_activation_forward(name, z, bias, alpha)
        return pre, off(name, out)

    fake = types.SimpleNamespace(**{n: getattr(numpy_kernels, n) for n in numpy_kernels.__all__})
    fake.activation_forward = bad_forward
    fake.bias_activation_forward = bad_epilogue
    monkeypatch.setattr(NumpyBackend, "_kernels", property(lambda self: fake))
    return fake


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    yield
    cuflow.debug.verify_kernels(None)


def test_fit_verify_kernels_reports_worst_errors(capsys):
    model = mlp()
    x, y = data(32)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, verify_kernels=1.0)
    report = last_kernel_report()
    assert report.checked == report.calls > 0
    assert report.kernels["bias_activation_forward[tanh]"]["direction"] == "forward"
    assert report.kernels["bias_activation_backward[tanh]"]["direction"] == "backward"
    assert report.worst() == 0.0  # on the CPU the twin is the kernel
    assert "Kernel verification" in capsys.readouterr().out


def test_planted_wrong_kernel_is_caught_with_a_repro(planted, tmp_path):
    model = mlp()
    x, y = data(32)
    with pytest.raises(KernelMismatchError) as info:
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, verify_kernels=1.0)
    err = info.value
    assert isinstance(err, RuntimeError)
    assert err.kernel == "bias_activation_forward[tanh]"
    assert "float32(8, 8)" in str(err) and err.path in str(err)
    assert err.path.startswith(str(tmp_path / "debug"))
    meta, arrays = load_repro(err.path)
    assert meta["kernel"] == "bias_activation_forward[tanh]"
    assert meta["scalars"]["arg_0"] == "tanh"
    # outputs (pre, y): tanh keeps no pre, so y is the one array compared
    np.testing.assert_allclose(arrays["device_out_1"], arrays["twin_out_1"] * 1.001, rtol=1e-6)
    assert arrays["arg_1"].shape == (8, 8) and arrays["arg_2"].shape == (8,)
    # the patches are gone after the failure
    bk = model.weights[0]._backend
    assert "bias_activation_forward" not in bk.__dict__


def test_sampling_is_deterministic_given_the_seed():
    def sampled(seed):
        bk = NumpyBackend()
        v = KernelVerifier(0.3, seed=seed, backends=[bk])
        checked = []
        with v:
            for i in range(40):
                before = v.report.checked
                bk.activation_forward("relu", np.full(4, i - 20.0, "float32"))
                checked.append(v.report.checked > before)
        return checked

    assert sampled(5) == sampled(5)
    assert sampled(5) != sampled(6)
    assert 0 < sum(sampled(5)) < 40


def test_low_rate_still_catches_a_persistent_fault_eventually(planted):
    bk = NumpyBackend()
    with pytest.raises(KernelMismatchError):
        with KernelVerifier(0.1, seed=0, backends=[bk]):
            for _ in range(200):
                bk.activation_forward("tanh", np.linspace(-2, 2, 16, dtype="float32"))


def test_global_verify_kernels_switch(planted):
    report = cuflow.debug.verify_kernels(1.0)
    bk = cuflow.backend.get_backend("cpu")
    with pytest.raises(KernelMismatchError):
        bk.activation_forward("tanh", np.ones(3, "float32"))
    assert report.checked == 1 and last_kernel_report() is report
    cuflow.debug.verify_kernels(0)
    bk.activation_forward("tanh", np.ones(3, "float32"))  # off again: no check
    assert report.calls == 1


def test_compare_rules():
    a = np.array([1.0, np.nan, np.inf], "float32")
    assert compare(a, a.copy())[2] is None
    assert "NaN" in compare(a, np.array([1.0, 0.0, np.inf], "float32"))[2]
    assert "Inf" in compare(a, np.array([1.0, np.nan, -np.inf], "float32"))[2]
    assert compare(np.float32([1.0]), np.float32([1.0 + 5e-5]))[2] is None
    assert compare(np.float32([1.0]), np.float32([1.001]))[2] is not None
    assert compare(np.float64([1.0]), np.float64([1.0 + 1e-7]))[2] is not None  # tighter
    assert compare(np.int64([1, 2]), np.int64([1, 3]))[2] is not None
    assert compare(np.zeros((2, 2)), np.zeros(4))[2].startswith("shape")


def test_rate_is_validated():
    with pytest.raises(ValueError, match="rate"):
        KernelVerifier(1.5)


@pytest.mark.gpu
def test_gpu_kernels_agree_with_their_twins_during_fit():
    with cuflow.device("gpu"):
        model = mlp()
    x, y = data(64)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, verify_kernels=1.0)
    report = last_kernel_report()
    assert report.checked > 0 and report.worst() < 1e-3
