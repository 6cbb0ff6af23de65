"""TensorBoard event files: the TFRecord/CRC-32C framing against known answers, and what the
callback writes during fit and evaluate, read back with cuflow.utils.tfevents."""

from __future__ import annotations

import glob
import os
import struct

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.callbacks import TensorBoard
from cuflow.utils import tfevents


def test_crc32c_known_answers():
    # RFC 3720 (iSCSI) test vectors of CRC-32C
    assert tfevents.crc32c(b"123456789") == 0xE3069283
    assert tfevents.crc32c(bytes(32)) == 0x8A9136AA
    assert tfevents.crc32c(bytes([0xFF] * 32)) == 0x62A8AB43
    assert tfevents.crc32c(bytes(range(32))) == 0x46DD794E


def test_record_framing_and_a_torn_tail(tmp_path):
    w = tfevents.EventFileWriter(str(tmp_path))
    w.scalars(3, {"loss": 0.5, "acc": 1.0})
    w.close()
    data = open_bytes(w.path)
    (n,) = struct.unpack("<Q", data[:8])
    assert struct.unpack("<I", data[8:12])[0] == tfevents.masked_crc32c(data[:8])
    assert struct.unpack("<I", data[12 + n:16 + n])[0] == tfevents.masked_crc32c(data[12:12 + n])
    events = tfevents.read_events(w.path)
    assert events[0]["file_version"] == "brain.Event:2"
    assert events[1]["step"] == 3 and events[1]["scalars"] == {"loss": 0.5, "acc": 1.0}
    with open(w.path, "ab") as f:  # a record cut short by a crash is dropped, not misread
        f.write(data[:20])
    assert len(tfevents.read_events(w.path)) == 2
    corrupt = bytearray(data)
    corrupt[20] ^= 1
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match="checksum"):
        tfevents.read_events(str(bad))


def open_bytes(path):
    with open(path, "rb") as f:
        return f.read()


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
