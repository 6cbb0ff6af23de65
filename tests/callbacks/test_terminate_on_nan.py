"""cuflow.callbacks.terminate_on_nan: a NaN or infinite loss stops training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cuflow import callbacks as C

from ._fakes import FakeModel


# ---- TerminateOnNaN -------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_terminate_on_nan(capsys, bad):
    model = FakeModel()
    cbs = C.CallbackList([C.TerminateOnNaN()], model=model)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cbs.on_train_batch_end(1, {"loss": np.float32(bad)})
    assert model.stop_training
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"
