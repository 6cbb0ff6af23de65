"""``summary(kernels=True)``, ``launch_summary`` and the ``LaunchProfiler`` callback."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow.callbacks import LaunchProfiler
from cuflow.debug import launch_summary

from .helpers import data, mlp, weights_equal


def test_summary_kernels_prints_per_layer_ops_and_leaves_the_model_untrained():
    model = mlp(dropout=0.2)
    before = model.get_weights()
    lines = []
    model.summary(kernels=True, print_fn=lines.append)
    text = "\n".join(lines)
    for name in [layer.name for layer in model.layers] + ["(loss)", "(optimizer)", "Verdict"]:
        assert name in text
    assert "activation_forward[tanh]" in text and "matmul" in text
    assert weights_equal(before, model.get_weights())
    assert int(model.optimizer.iterations.numpy()) == 0


def test_launch_summary_counts_ops_and_kernels_per_layer():
    model = mlp()
    x, y = data(8)
    report = launch_summary(model, x, y, print_fn=None)
    rows = {r["scope"]: r for r in report.rows}
    dense = rows[model.layers[0].name]
    # a Dense layer: forward GEMM + fused bias/activation epilogue, backward epilogue + 2 GEMMs
    assert dense["kernels"]["bias_activation_forward[tanh]"] == 1
    assert dense["kernels"]["bias_activation_backward[tanh]"] == 1
    assert "activation_forward[tanh]" not in dense["kernels"]
    assert "sum_batch" not in dense["kernels"]
    assert dense["cublas"] >= 2 and dense["ours"] >= 2
    assert rows["(loss)"]["ops"] >= 1
    assert report.device == "cpu" and report.verdict.startswith("CPU")
    assert report.host_ms > 0


def test_launch_summary_on_a_synthetic_batch_restores_state():
    model = mlp(optimizer="sgd")
    x, y = data(16)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    before = model.get_weights()
    opt_before = [v.numpy().copy() for v in model.optimizer.variables]
    report = launch_summary(model, print_fn=None)
    assert "synthetic" in str(report)
    assert weights_equal(before, model.get_weights())
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(opt_before,
                                                             model.optimizer.variables))


def test_summary_kernels_needs_compile():
    model = mlp(compile=False)
    with pytest.raises(ValueError, match="compiled"):
        model.summary(kernels=True, print_fn=lambda s: None)


def test_patches_are_removed_after_profiling():
    model = mlp()
    launch_summary(model, print_fn=None)
    assert all("call" not in layer.__dict__ for layer in model.layers)
    bk = model.weights[0]._backend
    assert "matmul" not in bk.__dict__ and "activation_forward" not in bk.__dict__
    assert "apply" not in model.optimizer.__dict__


def test_launch_profiler_reports_the_batch_range():
    model = mlp()
    x, y = data(64)
    out = []
    prof = LaunchProfiler(batches=(2, 4), print_fn=out.append)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[prof])
    assert len(out) == 1 and "batches 2..4" in out[0]
    assert prof.report.steps == 3
    rows = {r["scope"]: r for r in prof.report.rows}
    assert rows[model.layers[0].name]["kernels"]["bias_activation_forward[tanh]"] == 1  # a step
    bk = model.weights[0]._backend
    assert "matmul" not in bk.__dict__


def test_launch_profiler_short_epoch_reports_what_it_saw():
    model = mlp()
    x, y = data(24)
    out = []
    prof = LaunchProfiler(batches=(1, 10), print_fn=out.append)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[prof])
    assert prof.report.steps == 2 and len(out) == 1


def test_launch_profiler_validates_batches():
    with pytest.raises(ValueError):
        LaunchProfiler(batches=(5, 2))


@pytest.mark.gpu
def test_gpu_summary_has_launch_verdict():
    with cuflow.device("gpu"):
        model = mlp()
    x, y = data(8)
    report = launch_summary(model, x, y, print_fn=None)
    assert report.device.startswith("gpu")
    assert report.verdict.split(":")[0] in ("launch-bound", "compute-bound")
    assert report.device_ms > 0 and report.launches > 0
    assert any("jit_compile" in a or "mixed precision" in a for a in report.advice)
    rows = {r["scope"]: r for r in report.rows}
    assert rows[model.layers[0].name]["cublas"] >= 2
