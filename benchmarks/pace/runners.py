"""One (workload, framework) measurement, run inside a fresh process by ``__main__``.

``run(kind, framework)`` trains ``1 + TIMED`` epochs from the shared initial weights and returns
the median timed epoch, every epoch's time and the load other processes put on the machine during
it (busy cores from /proc/stat minus this process's own CPU time), and the last epoch's mean
training loss.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from . import workloads as wl
from .hand_numpy import make_step

TIMED = 3


def _busy_jiffies():
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    return sum(vals) - vals[3] - (vals[4] if len(vals) > 4 else 0)  # minus idle and iowait


class EpochClock:
    """Wall time of each epoch, and the other processes' load during it (in cores)."""

    def __init__(self):
        self.times, self.other_load = [], []
        self._hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def begin(self):
        self._t0, self._cpu0, self._busy0 = time.perf_counter(), _own_cpu(), _busy_jiffies()

    def end(self):
        wall = time.perf_counter() - self._t0
        self.times.append(wall)
        busy = _busy_jiffies()
        if busy is None or self._busy0 is None:
            self.other_load.append(None)
        else:
            others = (busy - self._busy0) / self._hz - (_own_cpu() - self._cpu0)
            self.other_load.append(max(others, 0.0) / wall)


def _own_cpu():
    t = os.times()
    return t.user + t.system


def _result(clock, loss):
    timed = clock.times[1:]
    return {"epoch_s": statistics.median(timed), "epochs_s": clock.times,
            "other_load_cores": clock.other_load, "final_loss": loss}


def run_numpy(kind):
    x, y = wl.data(kind)
    step = make_step(kind, wl.initial_weights(kind))
    clock, loss = EpochClock(), None
    for _ in range(1 + TIMED):
        clock.begin()
        total = 0.0
        for a, b in wl.batches(kind):
            total += step(x[a:b], y[a:b]) * (b - a)
        clock.end()
        loss = total / len(x)
    return _result(clock, loss)


def cuflow_model(kind):
    import cuflow as cf
    from cuflow.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from cuflow.models import Sequential

    if kind == "mlp":
        sizes = wl.MLP["sizes"]
        layers = [Input((sizes[0],))] + [Dense(s, activation="relu") for s in sizes[1:-1]]
        layers.append(Dense(sizes[-1]))
    else:
        f1, f2 = wl.CNN["filters"]
        layers = [Input(wl.CNN["image"]), Conv2D(f1, 3, activation="relu"), MaxPooling2D(2),
                  Conv2D(f2, 3, activation="relu"), MaxPooling2D(2), Flatten(),
                  Dense(wl.CNN["dense"], activation="relu"), Dense(wl.CNN["classes"])]
    model = Sequential(layers)
    model.compile(optimizer=cf.optimizers.Adam(wl.LEARNING_RATE, epsilon=wl.EPSILON),
                  loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.set_weights(wl.initial_weights(kind))
    return model


def run_cuflow(kind):
    import cuflow as cf

    model = cuflow_model(kind)
    x, y = wl.data(kind)
    clock = EpochClock()

    class Timer(cf.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            clock.begin()

        def on_epoch_end(self, epoch, logs=None):
            clock.end()

    hist = model.fit(x, y, batch_size=wl.WORKLOADS[kind]["batch"], epochs=1 + TIMED,
                     shuffle=False, verbose=0, callbacks=[Timer()])
    return _result(clock, float(hist.history["loss"][-1]))


def _torch_model(kind, torch):
    nn = torch.nn
    w = [torch.from_numpy(np.ascontiguousarray(a)) for a in wl.initial_weights(kind)]
    if kind == "mlp":
        sizes = wl.MLP["sizes"]
        mods = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            mods.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                mods.append(nn.ReLU())
        model = nn.Sequential(*mods)
        linears = [m for m in mods if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for lin, k, b in zip(linears, w[0::2], w[1::2]):
                lin.weight.copy_(k.T)
                lin.bias.copy_(b)
        return model
    f1, f2 = wl.CNN["filters"]
    side = wl.cnn_spatial_sizes()[-1]
    model = nn.Sequential(nn.Conv2d(3, f1, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(f1, f2, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(wl.cnn_flat_size(), wl.CNN["dense"]), nn.ReLU(),
                          nn.Linear(wl.CNN["dense"], wl.CNN["classes"]))
    with torch.no_grad():
        model[0].weight.copy_(w[0].permute(3, 2, 0, 1))
        model[0].bias.copy_(w[1])
        model[3].weight.copy_(w[2].permute(3, 2, 0, 1))
        model[3].bias.copy_(w[3])
        # Keras flattens (h, w, c), PyTorch (c, h, w): reorder the kernel's rows to match
        k3 = w[4].reshape(side, side, f2, -1).permute(2, 0, 1, 3).reshape(w[4].shape[0], -1)
        model[7].weight.copy_(k3.T)
        model[7].bias.copy_(w[5])
        model[9].weight.copy_(w[6].T)
        model[9].bias.copy_(w[7])
    return model


def run_torch(kind):
    try:
        import torch
    except ImportError:
        return None
    model = _torch_model(kind, torch)
    opt = torch.optim.Adam(model.parameters(), lr=wl.LEARNING_RATE, eps=wl.EPSILON)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = wl.data(kind)
    xt = torch.from_numpy(x if kind == "mlp" else np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y)
    clock, loss = EpochClock(), None
    for _ in range(1 + TIMED):
        clock.begin()
        total = torch.zeros(())
        for a, b in wl.batches(kind):
            opt.zero_grad(set_to_none=True)
            batch_loss = loss_fn(model(xt[a:b]), yt[a:b])
            batch_loss.backward()
            opt.step()
            total += batch_loss.detach() * (b - a)
        loss = float(total) / len(x)
        clock.end()
    return _result(clock, loss)


RUNNERS = {"cuflow": run_cuflow, "numpy": run_numpy, "torch": run_torch}
