"""cuflow.callbacks.backup_and_restore: what the backup file holds, resuming from it, deleting
it, and refusing bad arguments and foreign files. (A run killed mid-epoch and resumed bit for
bit is tested in tests/reliability.)"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.callbacks import BackupAndRestore, Callback
from cuflow.callbacks.backup_and_restore import BACKUP_NAME


def _model():
    m = cf.models.Sequential([L.Input(shape=(3,)), L.Dense(4, activation="tanh"), L.Dense(1)])
    m.compile(optimizer=cf.optimizers.Adam(0.01), loss="mse")
    return m


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")


class _Epochs(Callback):
    """The epochs fit runs, and the weights each starts from."""

    def __init__(self):
        super().__init__()
        self.epochs, self.starts = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.starts.append(self.model.get_weights())


def test_the_backup_holds_the_epoch_weights_and_optimizer_with_their_hashes(tmp_path):
    import hashlib

    model = _model()
    model.fit(*_data(), batch_size=8, epochs=2, verbose=0,
              callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    with zipfile.ZipFile(tmp_path / BACKUP_NAME) as z:
        assert sorted(z.namelist()) == ["model.weights.npz", "optimizer.npz", "state.json"]
        state = json.loads(z.read("state.json"))
        assert state["epoch"] == 1 and state["version"] == 1 and "host" in state["rng"]
        for member, key in (("model.weights.npz", "weights_sha256"),
                            ("optimizer.npz", "optimizer_sha256")):
            assert state[key] == hashlib.sha256(z.read(member)).hexdigest()
    assert [p.name for p in tmp_path.iterdir()] == [BACKUP_NAME]  # no temp file left


def test_a_new_fit_resumes_after_the_backed_up_epoch_with_its_weights(tmp_path):
    first = _model()
    first.fit(*_data(), batch_size=8, epochs=2, verbose=0,
              callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    trained = first.get_weights()
    seen = _Epochs()
    _model().fit(*_data(), batch_size=8, epochs=4, verbose=0,
                 callbacks=[BackupAndRestore(tmp_path), seen])
    assert seen.epochs == [2, 3]  # epochs 0 and 1 were done before
    for got, want in zip(seen.starts[0], trained):
        np.testing.assert_array_equal(got, want)
    assert not (tmp_path / BACKUP_NAME).exists()  # finished normally: the backup is deleted


def test_a_batch_frequency_backs_up_inside_the_epoch(tmp_path):
    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                raise KeyboardInterrupt  # the run dies after the second batch

    with pytest.raises(KeyboardInterrupt):
        _model().fit(*_data(), batch_size=4, epochs=1, verbose=0,
                     callbacks=[BackupAndRestore(tmp_path, save_freq=2), Stop()])
    with zipfile.ZipFile(tmp_path / BACKUP_NAME) as z:
        # mid-epoch 0: resuming repeats epoch 0, so the completed epoch recorded is -1
        assert json.loads(z.read("state.json"))["epoch"] == -1


def test_a_zip_that_is_not_a_backup_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / BACKUP_NAME, "w") as z:
        z.writestr("state.json", "{}")
    with pytest.raises(ValueError, match="lacks state.json or model.weights.npz: not a "
                                         "BackupAndRestore file"):
        _model().fit(*_data(), epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path)])


@pytest.mark.parametrize("kwargs,match", [
    ({"backup_dir": ""}, "needs a backup_dir; received an empty path"),
    ({"backup_dir": "b", "save_freq": 0}, "save_freq must be 'epoch' or a positive int"),
    ({"backup_dir": "b", "save_freq": "batch"}, "received 'batch'"),
    ({"backup_dir": "b", "save_freq": True}, "received True"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BackupAndRestore(**kwargs)
