"""benchmarks.harness.step_torch: importing PyTorch, and the variants that cannot run here."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from benchmarks.harness import cases, step_torch

TINY = (1, 0, 1)


def test_import_torch_says_why_not(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    torch, why = step_torch.import_torch()
    assert torch is None and why.startswith("ModuleNotFoundError: ") and "torch" in why


def _fake_torch(cuda):
    return SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: cuda))


@pytest.mark.parametrize("case,variant,device,cuda,reason", [
    ("mlp_small", "torch eager", "gpu:0", False, "PyTorch sees no CUDA device"),
    ("mlp_small", "torch cuda graph", "cpu", False, "CUDA graphs need a GPU (device is cpu)"),
    ("mlp_large_tf32", "torch eager", "cpu", False, "TF32 is a GPU tensor-core mode"),
    ("mlp_large_mixed16", "torch eager", "cpu", False, "autocast reference runs on CUDA only"),
    ("mlp_large_mixed16", "torch cuda graph", "gpu:0", True, "cannot be captured"),
])
def test_variants_that_cannot_run_are_skipped_with_the_reason(case, variant, device, cuda,
                                                               reason):
    with pytest.raises(cases.Skip) as info:
        step_torch.torch_variant(_fake_torch(cuda), cases.STEP_CASES[case], variant, device,
                                 TINY)
    assert reason in str(info.value)
