"""cuflow.callbacks.reduce_lr_on_plateau: factor, patience, cooldown, min_lr and min_delta."""

from __future__ import annotations

import pytest

from cuflow import callbacks as C

from ._fakes import FakeModel, losses, run_epochs


def test_reduce_lr_on_plateau(capsys):
    model = FakeModel(learning_rate=1.0)
    cb = C.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.2, cooldown=1, verbose=1)
    run_epochs([cb], model, losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    # Keras: the cooldown epoch also counts towards patience, so after the first reduction
    # (end of epoch 3) the next come every second epoch; the last is clamped at min_lr.
    # Logs record the rate each epoch trained with.
    lrs = model.history.history["learning_rate"]
    assert lrs == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2])
    assert model.optimizer.learning_rate == pytest.approx(0.2)
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.5." in capsys.readouterr().out
    model2 = FakeModel(learning_rate=0.3)
    cb2 = C.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=0.2)
    run_epochs([cb2], model2, losses(1.0, 1.0, 1.0, 1.0))
    assert model2.optimizer.learning_rate == pytest.approx(0.2)


def test_reduce_lr_min_delta_and_errors():
    model = FakeModel(learning_rate=1.0)
    cb = C.ReduceLROnPlateau(patience=1, min_delta=0.1)
    run_epochs([cb], model, losses(1.0, 0.95))  # 0.05 better: within min_delta, a plateau
    assert model.optimizer.learning_rate == pytest.approx(0.1)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        C.ReduceLROnPlateau(factor=1.5)
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric"):
        run_epochs([C.ReduceLROnPlateau()], FakeModel(), [{"loss": 1.0}])
