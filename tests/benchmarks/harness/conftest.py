"""What the harness tests share: tiny step counts, whether PyTorch is here, one CPU run."""

from __future__ import annotations

import pytest

from benchmarks.harness import cases, steps

TINY = {"steps": 1, "warmup": 0, "rounds": 1}


def _torch_importable():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


HAS_TORCH = _torch_importable()
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed here")
VARIANTS = cases.VARIANTS if HAS_TORCH else ("cuflow eager", "cuflow captured")


def rows_of(result, case="mlp_small"):
    return {r["variant"]: r for r in result["rows"] if r["case"] == case}


@pytest.fixture(scope="module")
def cpu_run():
    return steps.step_benchmark("mlp_small", "cpu", **TINY)
