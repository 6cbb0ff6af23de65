"""cuflow.callbacks.csv_logger: Keras' CSV format, appending, whole rows on disk."""

from __future__ import annotations

import csv

import numpy as np

from cuflow import callbacks as C

from ._fakes import FakeModel, run_epochs


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
