"""benchmarks.harness.fit: the data, the rate loop, the hand-written reference step and the
table of ``cuflow bench --fit``. Tiny sizes; no timing in any assertion."""

from __future__ import annotations

import numpy as np

from benchmarks.harness import fit


def test_synthetic_classification_is_seeded_with_the_asked_shapes():
    x, y = fit.synthetic_classification(n=16, features=5, classes=3, seed=2)
    assert x.shape == (16, 5) and x.dtype == np.float32
    assert y.shape == (16,) and y.dtype == np.int64 and set(y) <= {0, 1, 2}
    x2, y2 = fit.synthetic_classification(n=16, features=5, classes=3, seed=2)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


def test_rate_warms_up_then_counts_at_least_three_calls():
    calls = []
    samples_per_s = fit.rate(lambda: calls.append(1), samples_per_call=10, min_time=0.0,
                             warmup=2)
    assert len(calls) == 2 + 3  # warm-up calls, then the minimum of three timed calls
    assert samples_per_s > 0


def test_the_reference_step_and_cuflow_fit_both_measure():
    assert fit.numpy_mlp_rate(batch=16, n=32, min_time=0.0) > 0
    assert fit.cuflow_mlp_rate(batch=16, n=32, min_time=0.0, device="cpu") > 0


def test_format_table_aligns_rows():
    table = fit.format_table("title", [("cuflow fit", 1234.5, 0.5), ("ref", 2469.0, 1.0)])
    lines = table.splitlines()
    assert lines[0] == "title"
    assert lines[1].split() == ["what", "samples/s", "vs", "reference"]
    assert lines[2].split() == ["cuflow", "fit", "1,234", "0.50x"]
    assert lines[3].split() == ["ref", "2,469", "1.00x"]


def test_mlp_table_reports_ratios_to_the_reference(monkeypatch):
    from benchmarks.harness import fit_torch

    monkeypatch.setattr(fit, "numpy_mlp_rate", lambda batch, min_time, xp: 200.0)
    monkeypatch.setattr(fit, "cuflow_mlp_rate", lambda batch, min_time, device: 100.0)
    monkeypatch.setattr(fit_torch, "torch_mlp_rate", lambda batch, min_time, device: 400.0)
    rows = fit.mlp_table("cpu", batch=8, min_time=0.0)
    assert rows == [("cuflow fit", 100.0, 0.5), ("hand-written NumPy step", 200.0, 1.0),
                    ("PyTorch eager", 400.0, 2.0)]
    monkeypatch.setattr(fit_torch, "torch_mlp_rate", lambda batch, min_time, device: None)
    assert [r[0] for r in fit.mlp_table("cpu", 8, 0.0)] == ["cuflow fit",
                                                           "hand-written NumPy step"]
