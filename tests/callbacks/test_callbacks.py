"""Callbacks driven by a fake model: Keras 3 behaviour and output formats."""

import csv
import math
from collections.abc import Mapping

import numpy as np
import pytest

from cuflow import callbacks as C

from .fakes import FakeModel, run_epochs


def _losses(*values):
    return [{"loss": v, "val_loss": v} for v in values]


# ---- base, list, history --------------------------------------------------------------------
def test_callback_list_adds_history_and_progbar_and_forwards_hooks():
    seen = []

    class Rec(C.Callback):
        def on_batch_end(self, batch, logs=None):  # legacy alias reached via train batch end
            seen.append(("batch", batch))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch", epoch))

    model = FakeModel()
    rec = Rec()
    cbs = C.CallbackList([rec], add_history=True, add_progbar=True, model=model, verbose=0,
                         epochs=1, steps=1)
    kinds = [type(c) for c in cbs.callbacks]
    assert kinds == [Rec, C.History, C.ProgbarLogger]
    assert rec.model is model and rec.params == {"verbose": 0, "epochs": 1, "steps": 1}
    assert model.history is cbs.callbacks[1]
    cbs.on_train_batch_end(0, {})
    cbs.on_epoch_end(0, {})
    assert seen == [("batch", 0), ("epoch", 0)]
    # a user History is used instead of adding one
    h = C.History()
    assert C.CallbackList([h], add_history=True).callbacks == [h]
    with pytest.raises(TypeError, match="Callback instances"):
        C.CallbackList([object()])


def test_history_records_epochs():
    model = FakeModel()
    run_epochs([], model, [{"loss": 1.0, "accuracy": 0.5}, {"loss": 0.5, "accuracy": 0.75}])
    assert model.history.epoch == [0, 1]
    assert model.history.history == {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]}


def test_lambda_callback():
    calls = []
    cb = C.LambdaCallback(on_epoch_end=lambda epoch, logs: calls.append((epoch, logs["loss"])),
                          on_train_end=lambda logs: calls.append("end"))
    run_epochs([cb], FakeModel(), _losses(3.0, 2.0))
    assert calls == [(0, 3.0), (1, 2.0), "end"]
    with pytest.raises(ValueError, match="unknown hook"):
        C.LambdaCallback(on_epoch_finish=print)


# ---- EarlyStopping --------------------------------------------------------------------------
def test_early_stopping_patience():
    model = FakeModel()
    es = C.EarlyStopping(patience=2)
    done = run_epochs([es], model, _losses(1.0, 0.8, 0.9, 0.85, 0.7))
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
    run_epochs([es], model, _losses(1.0, 0.5, 0.7, 0.6))
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # epoch 1 was best
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_early_stopping_baseline_and_start_from_epoch():
    # improving but above the baseline: patience keeps counting (Keras), so the first stall
    # after two epochs stops; without a baseline the improvement at epoch 1 resets it
    es = C.EarlyStopping(patience=2, baseline=0.5)
    assert run_epochs([es], FakeModel(), _losses(0.9, 0.8, 0.8, 0.8, 0.8)) == 3
    assert run_epochs([C.EarlyStopping(patience=2)], FakeModel(),
                      _losses(0.9, 0.8, 0.8, 0.8, 0.8)) == 4
    es2 = C.EarlyStopping(patience=0, start_from_epoch=2)
    assert run_epochs([es2], FakeModel(), _losses(1.0, 2.0, 3.0, 4.0, 5.0)) == 4


def test_early_stopping_missing_monitor_warns():
    es = C.EarlyStopping(monitor="val_auc")
    with pytest.warns(UserWarning, match="`val_auc` which is not available. Available "
                                         "metrics are: loss"):
        run_epochs([es], FakeModel(), [{"loss": 1.0}])


def test_unknown_mode_warns():
    with pytest.warns(UserWarning, match="mode sideways is unknown"):
        C.EarlyStopping(mode="sideways")


# ---- ModelCheckpoint ------------------------------------------------------------------------
def test_checkpoint_every_epoch_formats_names(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "ck" / "m-{epoch:02d}-{val_loss:.2f}.cuflow")
    run_epochs([C.ModelCheckpoint(path)], model, _losses(1.5, 0.25))
    assert model.saved == [("model", str(tmp_path / "ck" / "m-01-1.50.cuflow")),
                           ("model", str(tmp_path / "ck" / "m-02-0.25.cuflow"))]
    assert (tmp_path / "ck").is_dir()  # the directory is created for the saver


def test_checkpoint_best_only_weights(tmp_path, capsys):
    model = FakeModel()
    cb = C.ModelCheckpoint(str(tmp_path / "best-{epoch}.weights"), save_best_only=True,
                           save_weights_only=True, verbose=1)
    run_epochs([cb], model, _losses(1.0, 1.2, 0.5, 0.5))
    assert model.saved == [("weights", str(tmp_path / "best-1.weights")),
                           ("weights", str(tmp_path / "best-3.weights"))]
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 1.00000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 1.00000" in out


def test_checkpoint_initial_threshold_max_mode_and_missing_key(tmp_path):
    model = FakeModel()
    cb = C.ModelCheckpoint(str(tmp_path / "m"), monitor="val_acc", save_best_only=True,
                           initial_value_threshold=0.6)
    run_epochs([cb], model, [{"val_acc": 0.5}, {"val_acc": 0.7}, {"val_acc": 0.65}])
    assert len(model.saved) == 1
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        run_epochs([C.ModelCheckpoint(str(tmp_path / "x"), save_best_only=True)], FakeModel(),
                   [{"loss": 1.0}])


def test_checkpoint_save_freq_batches_with_lazy_logs(tmp_path):
    reads = []

    class Lazy(Mapping):
        def __init__(self, value):
            self.value = value

        def __getitem__(self, key):
            reads.append(key)
            return self.value

        def __iter__(self):
            return iter(["loss"])

        def __len__(self):
            return 1

    model = FakeModel()
    cb = C.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}-{loss:.1f}"), save_freq=3)
    cbs = C.CallbackList([cb], model=model)
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        for b in range(4):
            cbs.on_train_batch_end(b, Lazy(0.5))
    names = [p.rsplit("/", 1)[1] for _, p in model.saved]
    assert names == ["e1-b3-0.5", "e2-b2-0.5"]
    assert len(reads) == 2  # logs read only when saving
    with pytest.raises(ValueError, match="save_freq"):
        C.ModelCheckpoint("x", save_freq="sometimes")


def test_checkpoint_bad_placeholder(tmp_path):
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        run_epochs([C.ModelCheckpoint(str(tmp_path / "{val_acc}"))], FakeModel(), _losses(1.0))


# ---- learning rate --------------------------------------------------------------------------
def test_learning_rate_scheduler(capsys):
    model = FakeModel(learning_rate=0.1)
    sched = C.LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr * 0.5, verbose=1)
    run_epochs([sched], model, _losses(1.0, 1.0, 1.0))
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    assert model.history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in \
        capsys.readouterr().out
    one_arg = C.LearningRateScheduler(lambda epoch: 0.5 / (epoch + 1))
    run_epochs([one_arg], model, _losses(1.0, 1.0))
    assert model.optimizer.learning_rate == pytest.approx(0.25)
    with pytest.raises(ValueError, match="should be a float"):
        run_epochs([C.LearningRateScheduler(lambda e, lr: "fast")], model, _losses(1.0))


def test_scheduler_type_error_inside_schedule_surfaces():
    def schedule(epoch, lr):
        return lr + None

    with pytest.raises(TypeError):
        run_epochs([C.LearningRateScheduler(schedule)], FakeModel(), _losses(1.0))


def test_reduce_lr_on_plateau(capsys):
    model = FakeModel(learning_rate=1.0)
    cb = C.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.2, cooldown=1, verbose=1)
    run_epochs([cb], model, _losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    # Keras: the cooldown epoch also counts towards patience, so after the first reduction
    # (end of epoch 3) the next come every second epoch; the last is clamped at min_lr.
    # Logs record the rate each epoch trained with.
    lrs = model.history.history["learning_rate"]
    assert lrs == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2])
    assert model.optimizer.learning_rate == pytest.approx(0.2)
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.5." in capsys.readouterr().out
    model2 = FakeModel(learning_rate=0.3)
    cb2 = C.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=0.2)
    run_epochs([cb2], model2, _losses(1.0, 1.0, 1.0, 1.0))
    assert model2.optimizer.learning_rate == pytest.approx(0.2)


def test_reduce_lr_min_delta_and_errors():
    model = FakeModel(learning_rate=1.0)
    cb = C.ReduceLROnPlateau(patience=1, min_delta=0.1)
    run_epochs([cb], model, _losses(1.0, 0.95))  # 0.05 better: within min_delta, a plateau
    assert model.optimizer.learning_rate == pytest.approx(0.1)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        C.ReduceLROnPlateau(factor=1.5)
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric"):
        run_epochs([C.ReduceLROnPlateau()], FakeModel(), [{"loss": 1.0}])


# ---- CSVLogger ------------------------------------------------------------------------------
def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    run_epochs([C.CSVLogger(str(path))], FakeModel(),
               [{"loss": 0.5, "val_loss": 0.75, "accuracy": 0.25},
                {"loss": 0.25, "val_loss": 0.5, "accuracy": np.float32(0.5)}])
    raw = path.read_bytes()
    assert raw.startswith(b"epoch,accuracy,loss,val_loss\r\n")
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.25", "0.5", "0.75"],
                    ["1", "0.5", "0.25", "0.5"]]
    # append continues without a second header
    run_epochs([C.CSVLogger(str(path), separator=";", append=True)], FakeModel(),
               [{"loss": 0.125, "val_loss": 0.25, "accuracy": 1.0}])
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and lines[-1] == "0;1.0;0.125;0.25"


def test_csv_logger_rows_are_complete_before_training_ends(tmp_path):
    path = tmp_path / "log.csv"
    cb = C.CSVLogger(str(path))
    cb.set_model(FakeModel())
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    # no on_train_end (a crash): what is on disk already is whole lines
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,1.0,2.0\r\n"
    cb.on_train_end()


def test_csv_logger_without_validation_adds_val_columns(tmp_path):
    path = tmp_path / "log.csv"
    run_epochs([C.CSVLogger(str(path))], FakeModel(), [{"loss": 1.0}])
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,1.0,NA"]


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
