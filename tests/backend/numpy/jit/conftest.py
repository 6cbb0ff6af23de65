"""The accelerator's tests need Numba (``cuflow[cpu-jit]``, in the dev extra); without it they
skip with that reason."""

from __future__ import annotations

import pytest

from cuflow.backend.numpy import jit


@pytest.fixture(autouse=True)
def _needs_numba():
    if not jit.numba_available():
        pytest.skip("numba is not installed (pip install 'cuflow[cpu-jit]')")
