"""What each rank runs in the MPI tests: ``mpirun -n N python _mpi_worker.py SCENARIO OUTDIR``.

Also imported (without MPI) by the tests, which train the single-process references with the
same builders. Each rank writes ``OUTDIR/<case>-rank<R>.npz`` (weights + history).
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np

import cuflow
from cuflow import callbacks, layers, optimizers
from cuflow.models import Sequential
from cuflow.preprocessing.image import ImageDataGenerator
from cuflow.random import set_seed

SEED = 7
GLOBAL_BATCH = 64


def dataset(n=200, seed=0, image=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4, 4, 1) if image else (n, 8)).astype(np.float32)
    w = rng.normal(size=(16, 3))
    y = (x.reshape(n, -1)[:, :16] @ w[: x.reshape(n, -1).shape[1]]).argmax(axis=1)
    return x, y.astype(np.int64)


def build_model(image=False, dropout=False):
    set_seed(SEED)
    stack = [layers.Input((4, 4, 1) if image else (8,))]
    if image:
        stack.append(layers.Flatten())
    stack += [layers.Dense(16, activation="relu")]
    if dropout:
        stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(3))
    model = Sequential(stack)
    model.compile(optimizer=optimizers.Adam(0.01),
                  loss=cuflow.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def fit_case(case, scope, extra_callbacks=(), epochs=3, n=200, verbose=0):
    """Train one case inside ``scope`` (a strategy scope, or a null context for the reference);
    returns (model, history dict)."""
    image = case == "flow"
    x, y = dataset(n=n, image=image)
    xv, yv = dataset(n=50, seed=1, image=image)
    with scope:
        model = build_model(image=image)
    kwargs = dict(epochs=epochs, verbose=verbose, validation_data=(xv, yv),
                  callbacks=list(extra_callbacks))
    if case == "flow":  # a Sequence: ImageDataGenerator.flow, seeded shuffle
        source = ImageDataGenerator().flow(x, y, batch_size=GLOBAL_BATCH, shuffle=True, seed=3)
        history = model.fit(source, **kwargs)
    else:
        history = model.fit(x, y, batch_size=GLOBAL_BATCH, shuffle=case != "plain", **kwargs)
    return model, dict(history.history)


def save(outdir, name, rank, model, history, **more):
    arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    arrays.update({f"h_{k}": np.asarray(v) for k, v in history.items()})
    arrays.update({k: np.asarray(v) for k, v in more.items()})
    np.savez(os.path.join(outdir, f"{name}-rank{rank}.npz"), **arrays)


class Recorder(callbacks.Callback):
    """Records the epochs this rank ran; optionally fails (raise / SIGKILL) at one step."""

    def __init__(self, rank, fail_rank=None, fail_at=None, how="raise"):
        super().__init__()
        self.rank, self.fail_rank, self.fail_at, self.how = rank, fail_rank, fail_at, how
        self.epochs, self._epoch = [], None

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.rank == self.fail_rank and (self._epoch, batch) == self.fail_at:
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"injected failure at epoch {self._epoch} batch {batch}")


def main(scenario, outdir):
    from cuflow.distribute import DataParallel

    strategy = DataParallel(device="cpu")
    rank = strategy.rank
    rows = []  # rows this rank contributed to each step's gradient (proves the sharding)
    reduce = strategy.reduce_gradients
    strategy.reduce_gradients = lambda grads, n: (rows.append(int(n)), reduce(grads, n))[1]
    if scenario == "equiv":
        for case in ("plain", "shuffled", "flow"):
            rows.clear()
            ckpt = os.path.join(outdir, case + "-ckpt-{epoch}.weights.npz")
            saver = callbacks.ModelCheckpoint(ckpt, save_weights_only=True)
            model, history = fit_case(case, strategy.scope(), [saver])
            evaluated = model.evaluate(*dataset(n=50, seed=1, image=case == "flow"),
                                       batch_size=GLOBAL_BATCH, verbose=0, return_dict=True)
            save(outdir, case, rank, model, history, rows=np.asarray(rows),
                 eval_loss=evaluated["loss"], eval_accuracy=evaluated["accuracy"])
    elif scenario == "uneven":  # 130 rows: batches of 64, 64, 2 (one rank gets none)
        model, history = fit_case("shuffled", strategy.scope(), n=130, verbose=2)
        save(outdir, "uneven", rank, model, history, rows=np.asarray(rows))
    elif scenario == "dropout":
        with strategy.scope():
            model = build_model(dropout=True)
        x, y = dataset()
        model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, verbose=0)
        mask = model.layers[1](cuflow.Tensor(np.ones((4, 16), np.float32)), training=True)
        save(outdir, "dropout", rank, model, {}, mask=mask.numpy())
    elif scenario in ("fail", "resume", "kill"):
        backup = callbacks.BackupAndRestore(os.path.join(outdir, "backup"))
        fail = {"fail": (1, (2, 1), "raise"), "kill": (1, (1, 1), "kill")}.get(scenario)
        rec = Recorder(rank, *fail) if fail else Recorder(rank)
        model, history = fit_case("shuffled", strategy.scope(), [backup, rec], epochs=4)
        save(outdir, scenario, rank, model, history, epochs=np.asarray(rec.epochs))
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
