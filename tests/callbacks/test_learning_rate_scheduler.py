"""cuflow.callbacks.learning_rate_scheduler: one- and two-argument schedules and their errors."""

from __future__ import annotations

import pytest

from cuflow import callbacks as C

from ._fakes import FakeModel, losses, run_epochs


# ---- learning rate --------------------------------------------------------------------------
def test_learning_rate_scheduler(capsys):
    model = FakeModel(learning_rate=0.1)
    sched = C.LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr * 0.5, verbose=1)
    run_epochs([sched], model, losses(1.0, 1.0, 1.0))
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    assert model.history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in \
        capsys.readouterr().out
    one_arg = C.LearningRateScheduler(lambda epoch: 0.5 / (epoch + 1))
    run_epochs([one_arg], model, losses(1.0, 1.0))
    assert model.optimizer.learning_rate == pytest.approx(0.25)
    with pytest.raises(ValueError, match="should be a float"):
        run_epochs([C.LearningRateScheduler(lambda e, lr: "fast")], model, losses(1.0))


def test_scheduler_type_error_inside_schedule_surfaces():
    def schedule(epoch, lr):
        return lr + None

    with pytest.raises(TypeError):
        run_epochs([C.LearningRateScheduler(schedule)], FakeModel(), losses(1.0))
