"""What the layer tests share: float64 layers, calls, central-difference gradient checks through
a layer's weights, config round trips and save / load."""

from __future__ import annotations

import numpy as np

import cuflow as cf
from cuflow import layers
from cuflow.testing import check_gradients

R = np.random.default_rng(7)


def f32(*shape):
    return R.normal(size=shape).astype("float32")


def f64(layer):
    """Layers build float32 weights; gradient checks need float64 throughout."""
    layer.dtype = layer.compute_dtype = "float64"
    return layer


def run(layer, *inputs, training=None):
    args = inputs[0] if len(inputs) == 1 else list(inputs)
    return layer(args, training=training) if training is not None else layer(args)


def run_on(layer, x, device, **kw):
    with cf.device(device):
        return layer(cf.Tensor(x), **kw)


def owners(layer):
    out = [layer]
    for sub in layer._layers:
        out += owners(sub)
    return out


def layer_gradients(layer, call, inputs, device):
    """check_gradients over the inputs and every trainable weight of ``layer``."""
    with cf.device(device):
        call(layer, *[cf.Tensor(a) for a in inputs])  # build
    weights = layer.trainable_weights
    n = len(inputs)

    def fn(*ts):
        swapped = []
        for owner in owners(layer):  # Variables are leaves: route differentiable copies in
            for attr, val in list(vars(owner).items()):
                for w, tw in zip(weights, ts[n:]):
                    if val is w:
                        swapped.append((owner, attr, val))
                        object.__setattr__(owner, attr, tw)
        try:
            return call(layer, *ts[:n])
        finally:
            for owner, attr, val in swapped:
                object.__setattr__(owner, attr, val)

    check_gradients(fn, list(inputs) + [w.numpy() for w in weights], device=device)


def check_layer_gradients(make, shapes, device):
    """check_gradients over the inputs and every trainable weight of ``make()`` called on
    random inputs of ``shapes`` (BatchNormalization in training mode)."""
    with cf.device(device):
        layer = f64(make())
        inputs = [R.normal(size=s) for s in shapes]
        training = True if isinstance(layer, layers.BatchNormalization) else None
        run(layer, *[cf.Tensor(a) for a in inputs], training=training)
        weights = layer.trainable_weights

        def fn(*ts):
            xs, ws = ts[:len(inputs)], ts[len(inputs):]
            saved = [w.data for w in weights]
            for w, t in zip(weights, ws):
                w.data = t.data
            try:
                # route the weight tensors into the graph by substituting their arrays
                return call_with_weights(layer, xs, weights, ws)
            finally:
                for w, d in zip(weights, saved):
                    w.data = d

        check_gradients(fn, inputs + [w.numpy() for w in weights], device=device)


def call_with_weights(layer, xs, weights, ws):
    # Variables are leaves: swap each weight for a differentiable tensor for this call
    originals = {}
    for owner in owners(layer):
        for attr, val in list(vars(owner).items()):
            for w, t in zip(weights, ws):
                if val is w:
                    originals[(id(owner), attr)] = (owner, attr, val)
                    object.__setattr__(owner, attr, t)
    try:
        training = True if isinstance(layer, layers.BatchNormalization) else None
        out = run(layer, *xs, training=training) if training else run(layer, *xs)
        return out
    finally:
        for owner, attr, val in originals.values():
            object.__setattr__(owner, attr, val)


def round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def save_load(model, x, tmp_path, name="m.keras"):
    want = model.predict(x, verbose=0)
    path = str(tmp_path / name)
    model.save(path)
    loaded = cf.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-6, atol=1e-6)
    return loaded
