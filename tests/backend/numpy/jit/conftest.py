"""The accelerator's tests need Numba (``cuflow[cpu-jit]``, in the dev extra); without it they
skip with that reason."""

from __future__ import annotations

import pytest

from cuflow.backend.numpy import jit


@pytest.fixture(autouse=True)
def _needs_numba():
    if not jit.numba_available():
        pytest.skip("numba is not installed (pip install 'cuflow[cpu-jit]')")


@pytest.fixture(params=["serial", "parallel"])
def variant(request, monkeypatch):
    """Run the test once through each compiled version (small and large array paths)."""
    from cuflow.backend.numpy.jit import _compile

    monkeypatch.setattr(_compile, "PARALLEL_MIN", 0 if request.param == "parallel" else 1 << 62)
    return request.param
