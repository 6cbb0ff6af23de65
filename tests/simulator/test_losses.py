"""``kernels/losses.cu`` run by the simulator through ``backend/cuda/losses.py`` against
``backend/numpy/losses.py``: every loss (and its from-logits form) with its gradient, one thread
per short row and one block per long row, every dtype, misaligned predictions.

Not here (CuPy's own kernels, which the simulator does not run): empty batches (a CuPy fill),
the hinge losses' label check, and the label range check (a device reduction; the launch tests
in tests/backend/cuda cover it), skipped by pretending to capture."""

from __future__ import annotations

import pytest

from cuflow.backend.cuda import losses as gk
from cuflow.backend.numpy import losses as nk

from ..backend.cuda.test_losses import _gpu_loss_inputs
from ._twin import DTYPES, assert_twin, both, get, put

CASES = [(n, False) for n in nk.LOSSES if n not in ("hinge", "squared_hinge")] + \
    [(n, True) for n in sorted(nk.FROM_LOGITS_LOSSES)]
SHAPES = [(70, 1), (70, 16), (9, 17), (5, 129), (3, 1500)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,from_logits", CASES)
def test_loss(sim, monkeypatch, name, from_logits, dtype):
    monkeypatch.setattr(gk, "_capturing", lambda: True)
    ls = 0.1 if name in nk.SMOOTHING_LOSSES else 0.0
    for shape in SHAPES:
        t, p = _gpu_loss_inputs(name, shape, dtype, from_logits)
        want = nk.loss_forward_backward(name, t, p, from_logits, ls, delta=0.8)
        for pd in both(p) if shape[1] == 17 else [put(p)]:
            per, grad = gk.loss_forward_backward(name, put(t), pd, from_logits, ls, delta=0.8)
            assert_twin(get(per), want[0], dtype)
            assert_twin(get(grad), want[1], dtype)
        per, none = gk.loss_forward_backward(name, put(t), put(p), from_logits, ls, 0.8,
                                             need_grad=False)
        assert none is None
        assert_twin(get(per), want[0], dtype)
