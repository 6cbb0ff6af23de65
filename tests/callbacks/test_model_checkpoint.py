"""cuflow.callbacks.model_checkpoint: file names, best-only saving, thresholds, batch
frequencies with lazy logs."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from cuflow import callbacks as C

from ._fakes import FakeModel, losses, run_epochs


# ---- ModelCheckpoint ------------------------------------------------------------------------
def test_checkpoint_every_epoch_formats_names(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "ck" / "m-{epoch:02d}-{val_loss:.2f}.cuflow")
    run_epochs([C.ModelCheckpoint(path)], model, losses(1.5, 0.25))
    assert model.saved == [("model", str(tmp_path / "ck" / "m-01-1.50.cuflow")),
                           ("model", str(tmp_path / "ck" / "m-02-0.25.cuflow"))]
    assert (tmp_path / "ck").is_dir()  # the directory is created for the saver


def test_checkpoint_best_only_weights(tmp_path, capsys):
    model = FakeModel()
    cb = C.ModelCheckpoint(str(tmp_path / "best-{epoch}.weights"), save_best_only=True,
                           save_weights_only=True, verbose=1)
    run_epochs([cb], model, losses(1.0, 1.2, 0.5, 0.5))
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
        run_epochs([C.ModelCheckpoint(str(tmp_path / "{val_acc}"))], FakeModel(), losses(1.0))
