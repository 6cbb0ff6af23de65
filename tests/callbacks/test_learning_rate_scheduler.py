"""cuflow.callbacks.learning_rate_scheduler: one- and two-argument schedules and their errors."""

from __future__ import annotations

import numpy as np
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


def test_multi_optimizer_parts_are_scheduled_and_reduced_each():
    import cuflow as cf

    o1, o2 = cf.optimizers.SGD(0.1, name="a"), cf.optimizers.SGD(0.01, name="b")
    model = cf.models.Sequential([cf.layers.Dense(1, name="dense_1")])
    model.compile(loss="mse", optimizer=cf.optimizers.MultiOptimizer(
        cf.optimizers.OptimizerMap(o2, {".*dense_1/kernel": o1})))
    sched = cf.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    sched.set_model(model)
    sched.on_epoch_begin(1)
    assert (float(o1.learning_rate), float(o2.learning_rate)) == (0.05, 0.005)
    logs = {}
    sched.on_epoch_end(1, logs)
    assert logs == {"learning_rate_a": 0.05, "learning_rate_b": 0.005}
    plateau = cf.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)
    plateau.set_model(model)
    plateau.on_train_begin()
    plateau.on_epoch_end(0, {"val_loss": 1.0})
    plateau.on_epoch_end(1, {"val_loss": 1.0})
    np.testing.assert_allclose([float(o1.learning_rate), float(o2.learning_rate)],
                               [0.025, 0.0025])
