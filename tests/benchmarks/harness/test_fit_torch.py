"""benchmarks.harness.fit_torch: the PyTorch row of ``cuflow bench --fit``."""

from __future__ import annotations

import sys

from benchmarks.harness import fit_torch


def test_without_torch_there_is_no_row(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    assert fit_torch.torch_mlp_rate(batch=8, n=16, min_time=0.0) is None
