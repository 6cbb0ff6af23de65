"""The two workloads of the pace benchmark, defined once: data, initial weights, sizes.

Every framework starts from the arrays made here (Glorot-uniform kernels from one seeded
generator, zero biases) and sees the same batches in the same order (no shuffling). Labels come
from a fixed random linear teacher, so the loss falls and "same final loss" means something.
"""

from __future__ import annotations

import numpy as np

MLP = {"sizes": (784, 256, 128, 10), "batch": 128, "samples": 128 * 200}
# conv 3x3 (3 -> 32) relu, pool 2, conv 3x3 (32 -> 64) relu, pool 2, flatten, 128 relu, 10
CNN = {"image": (32, 32, 3), "filters": (32, 64), "dense": 128, "classes": 10, "batch": 64,
       "samples": 64 * 40}
WORKLOADS = {"mlp": MLP, "cnn": CNN}
LEARNING_RATE, EPSILON = 1e-3, 1e-7  # Keras's Adam defaults, given to every framework


def data(kind, seed=0):
    """``(x float32, y int64)`` for ``kind`` ("mlp" or "cnn"); images are channels_last."""
    spec = WORKLOADS[kind]
    rng = np.random.default_rng(seed)
    shape = (spec["samples"],) + ((spec["sizes"][0],) if kind == "mlp" else spec["image"])
    x = rng.standard_normal(shape).astype(np.float32)
    teacher = rng.standard_normal((int(np.prod(shape[1:])), 10)).astype(np.float32)
    y = np.argmax(x.reshape(len(x), -1) @ teacher, axis=1).astype(np.int64)
    return x, y


def _glorot(rng, shape, fan_in, fan_out):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, shape).astype(np.float32)


def initial_weights(kind, seed=1):
    """Keras-layout weights, in the order ``model.get_weights()`` lists them: Dense kernels
    (in, out), Conv2D kernels (kh, kw, in, out), each followed by its bias."""
    rng = np.random.default_rng(seed)
    out = []
    if kind == "mlp":
        sizes = MLP["sizes"]
        for a, b in zip(sizes[:-1], sizes[1:]):
            out += [_glorot(rng, (a, b), a, b), np.zeros(b, np.float32)]
        return out
    cin = CNN["image"][2]
    for f in CNN["filters"]:
        out += [_glorot(rng, (3, 3, cin, f), 9 * cin, 9 * f), np.zeros(f, np.float32)]
        cin = f
    flat = cnn_flat_size()
    for a, b in ((flat, CNN["dense"]), (CNN["dense"], CNN["classes"])):
        out += [_glorot(rng, (a, b), a, b), np.zeros(b, np.float32)]
    return out


def cnn_spatial_sizes():
    """Spatial side after each conv (valid) and each pool (2, floor)."""
    side, sizes = CNN["image"][0], []
    for _ in CNN["filters"]:
        side -= 2
        sizes.append(side)
        side //= 2
        sizes.append(side)
    return sizes


def cnn_flat_size():
    return cnn_spatial_sizes()[-1] ** 2 * CNN["filters"][-1]


def batches(kind):
    spec = WORKLOADS[kind]
    return [(i, min(i + spec["batch"], spec["samples"]))
            for i in range(0, spec["samples"], spec["batch"])]
