"""cuflow.callbacks.tensorboard: what the callback writes during fit and evaluate (scalars,
histograms), read back with cuflow.utils.tfevents, and its argument checks."""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.callbacks import TensorBoard
from cuflow.utils import tfevents


def _events(run_dir):
    files = glob.glob(os.path.join(run_dir, "events.out.tfevents.*"))
    assert len(files) == 1, files
    return [e for e in tfevents.read_events(files[0]) if e["file_version"] is None]


def _model():
    cf.utils.set_random_seed(0)
    m = cf.models.Sequential([L.Input(shape=(4,)), L.Dense(5, activation="relu", name="hidden"),
                              L.Dense(3, name="out")])
    m.compile(optimizer=cf.optimizers.Adam(0.01), metrics=["accuracy"],
              loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    return m


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, n)


def test_fit_writes_epoch_batch_and_validation_scalars_and_histograms(tmp_path):
    x, y = _data()
    xv, yv = _data(24, seed=1)
    tb = TensorBoard(log_dir=tmp_path, histogram_freq=2, update_freq=2,
                     write_steps_per_second=True)
    hist = _model().fit(x, y, batch_size=8, epochs=3, validation_data=(xv, yv), verbose=0,
                        callbacks=[tb]).history
    train = _events(tmp_path / "train")
    epochs = [e for e in train if "epoch_loss" in e["scalars"]]
    assert [e["step"] for e in epochs] == [0, 1, 2]
    for e in epochs:
        s = e["scalars"]
        assert s["epoch_loss"] == pytest.approx(hist["loss"][e["step"]], rel=1e-6)
        assert s["epoch_accuracy"] == pytest.approx(hist["accuracy"][e["step"]], rel=1e-6)
        assert s["epoch_learning_rate"] == pytest.approx(0.01)
        assert s["epoch_steps_per_second"] > 0
    batches = [e for e in train if "batch_loss" in e["scalars"]]
    assert [e["step"] for e in batches] == list(range(2, 19, 2))  # 6 batches x 3 epochs
    histos = [e for e in train if e["histograms"]]
    assert [e["step"] for e in histos] == [0, 2]
    h = histos[-1]["histograms"]["hidden/kernel/histogram"]
    assert h["num"] == 20 and sum(h["bucket"]) == 20 and len(h["bucket_limit"]) == 30
    val = _events(tmp_path / "validation")
    assert [e["step"] for e in val] == [0, 1, 2]
    assert [e["scalars"]["epoch_loss"] for e in val] == pytest.approx(hist["val_loss"], rel=1e-6)


def test_evaluate_writes_evaluation_scalars(tmp_path):
    x, y = _data()
    m = _model()
    loss, acc = m.evaluate(x, y, batch_size=16, verbose=0, callbacks=[TensorBoard(tmp_path)])
    (e,) = _events(tmp_path / "validation")
    assert e["scalars"]["evaluation_loss_vs_iterations"] == pytest.approx(loss, rel=1e-6)
    assert e["scalars"]["evaluation_accuracy_vs_iterations"] == pytest.approx(acc, rel=1e-6)


def test_arguments_are_checked_and_unwritten_features_warn(tmp_path):
    with pytest.raises(ValueError, match="update_freq must be 'epoch', 'batch' or an int >= 1; "
                                         "received 0"):
        TensorBoard(tmp_path, update_freq=0)
    with pytest.raises(ValueError, match="histogram_freq must be an int >= 0; received -1"):
        TensorBoard(tmp_path, histogram_freq=-1)
    with pytest.warns(UserWarning, match="write_images, profile_batch are not written"):
        TensorBoard(tmp_path, write_images=True, profile_batch=2)
    assert TensorBoard(tmp_path, update_freq="batch").update_freq == 1
