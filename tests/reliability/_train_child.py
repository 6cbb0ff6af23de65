"""Child process of test_backup_and_restore: a seeded CPU fit with BackupAndRestore.

argv: backup_dir out_npz pause_epoch pause_batch batch_sleep_s
Prints READY when it reaches (pause_epoch, pause_batch) and then waits to be killed (-1: never
pauses); sleeps batch_sleep_s after each batch so a parent can kill it at a random moment.
On completion writes the final weights to out_npz.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main():
    backup_dir, out, pause_epoch, pause_batch, sleep_s = sys.argv[1:6]
    pause = (int(pause_epoch), int(pause_batch))

    import cuflow
    from cuflow import callbacks, layers, models, utils

    class Pauser(callbacks.Callback):
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if float(sleep_s):
                time.sleep(float(sleep_s))
            if (self.epoch, batch) == pause:
                print("READY", flush=True)
                time.sleep(600)  # the parent kills us here, mid-epoch

    cuflow.set_device("cpu")
    utils.set_random_seed(11)
    model = models.Sequential([layers.Input((5,)), layers.Dense(16, activation="relu"),
                               layers.Dropout(0.25), layers.Dense(2)])
    model.compile("adam", "mse")
    data = np.random.default_rng(5)
    x = data.normal(size=(48, 5)).astype("float32")
    y = data.normal(size=(48, 2)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=True,
              callbacks=[callbacks.BackupAndRestore(backup_dir), Pauser()])
    np.savez(out, *model.get_weights())
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
