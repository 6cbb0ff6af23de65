"""Fork server for test_kill_during_save: imports cuflow once, then forks one writer per trial.

stdin commands, one per line:
  go MODE START   fork a writer that saves versions START, START+1, ... of a tiny model to
                  MODE's path forever (every weight filled with the version number); prints
                  the writer's pid. MODE: save (model.save), checkpoint (ModelCheckpoint),
                  backup (BackupAndRestore).
  reap PID        wait for the (killed) writer; prints its wait status.
argv: the folder holding the three target paths. Prints READY after writing version 0 of each.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np


def build():
    from cuflow import layers, models

    model = models.Sequential([layers.Input((4,)), layers.Dense(8), layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), verbose=0)  # opt state
    return model


def writer(model, mode, folder):
    from cuflow import callbacks

    if mode == "save":
        path = os.path.join(folder, "model.cuflow")
        return lambda v: model.save(path)
    if mode == "checkpoint":
        cb = callbacks.ModelCheckpoint(os.path.join(folder, "ckpt.cuflow"))
        cb.set_model(model)
        return lambda v: cb.on_epoch_end(v, {"loss": 0.0})
    cb = callbacks.BackupAndRestore(os.path.join(folder, "backup"))
    cb.set_model(model)
    return lambda v: cb.on_epoch_end(v, {})


def set_version(model, v):
    model.set_weights([np.full(w.shape, v, w.dtype) for w in model.get_weights()])


def main():
    warnings.simplefilter("ignore")  # fork-with-threads notices are about BLAS pools, idle here
    import cuflow

    cuflow.set_device("cpu")
    folder = sys.argv[1]
    model = build()
    saves = {m: writer(model, m, folder) for m in ("save", "checkpoint", "backup")}
    set_version(model, 0)
    for save in saves.values():
        save(0)
    print("READY", flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if cmd[0] == "go":
            mode, v = cmd[1], int(cmd[2])
            pid = os.fork()
            if pid == 0:
                try:
                    while True:
                        set_version(model, v)
                        saves[mode](v)
                        v += 1
                finally:
                    os._exit(0)
            print(pid, flush=True)
        elif cmd[0] == "reap":
            _, status = os.waitpid(int(cmd[1]), 0)
            print(status, flush=True)


if __name__ == "__main__":
    main()
