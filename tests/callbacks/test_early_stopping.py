"""cuflow.callbacks.early_stopping: patience, min_delta, modes, baselines, best weights."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import callbacks as C

from ._fakes import FakeModel, losses, run_epochs


# ---- EarlyStopping --------------------------------------------------------------------------
def test_early_stopping_patience():
    model = FakeModel()
    es = C.EarlyStopping(patience=2)
    done = run_epochs([es], model, losses(1.0, 0.8, 0.9, 0.85, 0.7))
    assert done == 4 and model.stop_training and es.stopped_epoch == 3
    assert es.best == 0.8 and es.best_epoch == 1


def test_early_stopping_min_delta_and_max_mode():
    model = FakeModel()
    es = C.EarlyStopping(monitor="val_accuracy", min_delta=0.05, patience=1)
    logs = [{"val_accuracy": v} for v in (0.5, 0.52, 0.9)]
    assert run_epochs([es], model, logs) == 2  # +0.02 is not an improvement of > 0.05
    assert es._maximize


def test_early_stopping_restore_best_weights_and_verbose(capsys):
    model = FakeModel()
    es = C.EarlyStopping(patience=1, restore_best_weights=True, verbose=1)
    run_epochs([es], model, losses(1.0, 0.5, 0.7, 0.6))
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # epoch 1 was best
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_early_stopping_baseline_and_start_from_epoch():
    # improving but above the baseline: patience keeps counting (Keras), so the first stall
    # after two epochs stops; without a baseline the improvement at epoch 1 resets it
    es = C.EarlyStopping(patience=2, baseline=0.5)
    assert run_epochs([es], FakeModel(), losses(0.9, 0.8, 0.8, 0.8, 0.8)) == 3
    assert run_epochs([C.EarlyStopping(patience=2)], FakeModel(),
                      losses(0.9, 0.8, 0.8, 0.8, 0.8)) == 4
    es2 = C.EarlyStopping(patience=0, start_from_epoch=2)
    assert run_epochs([es2], FakeModel(), losses(1.0, 2.0, 3.0, 4.0, 5.0)) == 4


def test_early_stopping_missing_monitor_warns():
    es = C.EarlyStopping(monitor="val_auc")
    with pytest.warns(UserWarning, match="`val_auc` which is not available. Available "
                                         "metrics are: loss"):
        run_epochs([es], FakeModel(), [{"loss": 1.0}])


def test_unknown_mode_warns():
    with pytest.warns(UserWarning, match="mode sideways is unknown"):
        C.EarlyStopping(mode="sideways")
