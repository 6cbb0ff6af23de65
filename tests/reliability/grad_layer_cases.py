"""Gradient-check table for every layer class exported by ``cuflow.layers``.

A case is a zero-argument factory returning ``(fn, arrays)`` for ``check_gradients``: the layer
is built in float64 and ``fn`` routes its inputs *and* trainable weights through probe Tensors,
so both gradients are checked. Random layers reseed before every call (a fixed mask). Most
layers have a standard, a batch-of-1 and a non-contiguous case.
"""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow import layers as L
from cuflow import ops
from cuflow.testing import flat_outputs, weight_slots

from .grad_cases import anyv, distinct, fort

F64 = {"dtype": "float64"}


def case(make, *inputs, training=None, noise=False, call=None, const=None, inert=()):
    """Factory of (fn, arrays). ``inputs``: float64 arrays (several: a list input, or the
    ``call`` hook decides); ``const``: a fixed non-differentiable input (Embedding's ids);
    ``inert``: names of weights that provably cannot change the output (the reach guard skips
    them; their gradient is still checked, and must be zero)."""
    def factory():
        kw = {} if training is None else {"training": training}

        def invoke(layer, xs):
            if call is not None:
                return call(layer, xs, kw)
            if const is not None:
                return layer(cuflow.Tensor(const), **kw)
            return layer(xs if len(xs) > 1 else xs[0], **kw)

        with cuflow.device("cpu"):
            layer = make()
            invoke(layer, [cuflow.Tensor(a) for a in inputs])  # build
        weights = layer.trainable_weights
        slots = weight_slots(layer)
        places = [slots[id(w)] for w in weights]
        n = len(inputs)
        rng = np.random.default_rng(3)

        def fn(*ts):
            for (owner, attr), w in zip(places, ts[n:]):
                object.__setattr__(owner, attr, w)
            if noise:
                cuflow.random.set_seed(5)
                if getattr(layer, "seed", None) is not None:
                    layer._rng = None  # augmentation layers: a generator made from their seed
            try:
                return flat_outputs(invoke(layer, list(ts[:n])))
            finally:
                for (owner, attr), var in zip(places, weights):
                    object.__setattr__(owner, attr, var)

        arrays = list(inputs) + [rng.normal(0, 0.5, w.shape) for w in weights]
        factory.inert_weights = {i for i, w in enumerate(weights) if w.name in inert}
        return fn, arrays, n
    return factory


def variants(make, shape, gen=anyv, **kw):
    """The CI case, a batch-of-1 case and a non-contiguous case of one single-input layer."""
    one = (1,) + tuple(shape[1:])
    return [case(make, gen(*shape), **kw), case(make, gen(*one), **kw),
            case(make, fort(gen(*shape)), **kw)]


def _cell_call(layer, xs, kw):
    out, states = layer(xs[0], list(xs[1:]))
    return [out] + list(states)


def layer_table():
    t = {}
    t["Dense"] = variants(lambda: L.Dense(3, activation="tanh", **F64), (2, 4))
    t["Activation"] = variants(lambda: L.Activation("softplus", **F64), (2, 3))
    t["ReLU"] = variants(lambda: L.ReLU(max_value=1.5, negative_slope=0.1, **F64), (2, 3),
                         gen=lambda *s: anyv(*s, kinks=(0.0, 1.5)))
    t["LeakyReLU"] = variants(lambda: L.LeakyReLU(0.2, **F64), (2, 3))
    t["PReLU"] = variants(lambda: L.PReLU(**F64), (2, 3))
    t["ELU"] = variants(lambda: L.ELU(0.7, **F64), (2, 3))
    t["Softmax"] = variants(lambda: L.Softmax(**F64), (2, 3))
    t["Dropout"] = variants(lambda: L.Dropout(0.4, **F64), (3, 4), training=True, noise=True)
    t["GaussianNoise"] = variants(lambda: L.GaussianNoise(0.3, **F64), (3, 2), training=True,
                                  noise=True)
    t["GaussianDropout"] = variants(lambda: L.GaussianDropout(0.3, **F64), (3, 2),
                                    training=True, noise=True)
    for n, shape in ((1, (2, 3, 2)), (2, (2, 2, 2, 2)), (3, (1, 2, 1, 2, 2))):
        t[f"SpatialDropout{n}D"] = variants(
            lambda n=n: getattr(L, f"SpatialDropout{n}D")(0.5, **F64), shape, training=True,
            noise=True)
    t["ActivityRegularization"] = variants(lambda: L.ActivityRegularization(0.1, 0.1, **F64),
                                           (2, 3))
    t["Embedding"] = [case(lambda: L.Embedding(4, 2, **F64), const=np.array([[0, 3], [3, 1]])),
                      case(lambda: L.Embedding(1, 1, **F64), const=np.array([[0]]))]
    t["Flatten"] = variants(lambda: L.Flatten(**F64), (2, 3, 2))
    t["Permute"] = variants(lambda: L.Permute((2, 1), **F64), (2, 3, 2))
    t["RepeatVector"] = variants(lambda: L.RepeatVector(2, **F64), (2, 3))
    t["Reshape"] = variants(lambda: L.Reshape((3, 2), **F64), (2, 6))
    t["Masking"] = variants(lambda: L.Masking(0.0, **F64), (2, 3, 2))
    for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        t[name] = [case(lambda name=name: getattr(L, name)(**F64), distinct(2, 3),
                        distinct(2, 3)[::-1].copy() + 0.0071),
                   case(lambda name=name: getattr(L, name)(**F64), distinct(1, 1),
                        distinct(1, 1) + 0.5),
                   case(lambda name=name: getattr(L, name)(**F64), fort(distinct(3, 2)),
                        distinct(3, 2) + 0.0071)]
    t["Concatenate"] = [case(lambda: L.Concatenate(**F64), anyv(2, 3), anyv(2, 1)),
                        case(lambda: L.Concatenate(axis=1, **F64), fort(anyv(2, 2, 3)),
                             anyv(2, 1, 3))]
    t["Dot"] = [case(lambda: L.Dot(axes=1, **F64), anyv(2, 3), anyv(2, 3)),
                case(lambda: L.Dot(axes=1, normalize=True, **F64), fort(anyv(2, 3)),
                     anyv(2, 3))]
    t["BatchNormalization"] = variants(lambda: L.BatchNormalization(**F64), (4, 3),
                                       training=True)[::2] + \
        [case(lambda: L.BatchNormalization(axis=1, **F64), anyv(3, 2, 2), training=False)]
    t["LayerNormalization"] = variants(lambda: L.LayerNormalization(**F64), (2, 4))
    t["GroupNormalization"] = variants(lambda: L.GroupNormalization(groups=2, **F64), (2, 4))
    t["UnitNormalization"] = variants(lambda: L.UnitNormalization(**F64), (2, 3))
    for name in ("Attention", "AdditiveAttention"):
        # two keys at least: over a single key the softmax is 1 and the scale has no effect
        t[name] = [case(lambda name=name: getattr(L, name)(**F64), anyv(2, 3, 2), anyv(2, 4, 2)),
                   case(lambda name=name: getattr(L, name)(**F64), fort(anyv(1, 1, 2)),
                        fort(anyv(1, 2, 2)))]
    # the key bias adds q . b_k to every logit of a query row alike: softmax cancels it
    t["MultiHeadAttention"] = [case(lambda: L.MultiHeadAttention(2, 2, **F64), anyv(1, 2, 3),
                                    anyv(1, 3, 3), call=lambda layer, xs, kw: layer(*xs),
                                    inert=("key/bias",))]
    t["GroupQueryAttention"] = [case(lambda: L.GroupQueryAttention(2, 4, 2, **F64),
                                     anyv(1, 2, 3), anyv(1, 3, 3),
                                     call=lambda layer, xs, kw: layer(*xs),
                                     inert=("key/bias",))]
    t["MelSpectrogram"] = [case(lambda: L.MelSpectrogram(8, 4, num_mel_bins=3, sampling_rate=100,
                                                         min_freq=0.0, **F64), anyv(2, 12)),
                           case(lambda: L.MelSpectrogram(8, 3, 6, num_mel_bins=2,
                                                         sampling_rate=100, power_to_db=False,
                                                         mag_exp=1.0, window="hamming", **F64),
                                anyv(1, 10))]
    t["STFTSpectrogram"] = [case(lambda m=m, p=p: L.STFTSpectrogram(m, 4, 2, 8, padding=p, **F64),
                                 anyv(1, 9, 2)) for m, p in (("log", "valid"), ("psd", "same"),
                                                             ("angle", "valid"))]
    t.update(_preprocessing_layers())
    t.update(_added_layers())
    t.update(_conv_layers())
    t.update(_pool_layers())
    t.update(_reshape_layers())
    t.update(_recurrent_layers())
    return t


def _preprocessing_layers():
    t = {}
    t["Identity"] = variants(lambda: L.Identity(**F64), (2, 3))
    t["Lambda"] = variants(lambda: L.Lambda(lambda x: ops.tanh(x) * x, **F64), (2, 3))
    t["Rescaling"] = variants(lambda: L.Rescaling(0.5, offset=0.2, **F64), (2, 3))
    t["Normalization"] = variants(lambda: L.Normalization(mean=[0.1, 0.2, 0.3],
                                                          variance=[1.0, 2.0, 0.5], **F64),
                                  (2, 3))
    t["CenterCrop"] = variants(lambda: L.CenterCrop(2, 2, **F64), (1, 4, 3, 2))
    t["Resizing"] = variants(lambda: L.Resizing(3, 5, **F64), (1, 2, 3, 1))
    img = (1, 4, 4, 1)
    aug = {"seed": 3, **F64}
    t["RandomFlip"] = variants(lambda: L.RandomFlip(**aug), img, training=True, noise=True)
    t["RandomContrast"] = variants(lambda: L.RandomContrast(0.3, **aug), img, training=True,
                                   noise=True)
    for name, make in (("RandomRotation", lambda: L.RandomRotation(0.1, **aug)),
                       ("RandomTranslation", lambda: L.RandomTranslation(0.2, 0.2, **aug)),
                       ("RandomZoom", lambda: L.RandomZoom(0.2, **aug))):
        t[name] = variants(make, img, training=True, noise=True)
    return t


def _stacked_cell_call(layer, xs, kw):
    out, states = layer(xs[0], list(xs[1:]))
    return [out] + [s for group in states for s in group]


def _added_layers():
    """EinsumDense, AlphaDropout, StackedRNNCells, SpectralNormalization and the image layers
    RandomCrop / RandomBrightness / RandomHeight / RandomWidth."""
    t = {}
    t["EinsumDense"] = variants(lambda: L.EinsumDense("abc,cde->abde", (3, 2, 2), bias_axes="de",
                                                      activation="tanh", **F64), (2, 3, 2)) + \
        [case(lambda: L.EinsumDense("...b,bc->...c", 2, bias_axes="c", **F64), anyv(2, 3, 2)),
         case(lambda: L.EinsumDense("ab...,bc->ac...", 2, bias_axes="c", **F64), anyv(2, 3, 2))]
    t["AlphaDropout"] = variants(lambda: L.AlphaDropout(0.4, **F64), (3, 4), training=True,
                                 noise=True)
    t["StackedRNNCells"] = [
        case(lambda: L.StackedRNNCells([L.SimpleRNNCell(2, **F64), L.LSTMCell(2, **F64)],
                                       **F64),
             anyv(2, 3), anyv(2, 2), anyv(2, 2), anyv(2, 2), call=_stacked_cell_call),
        case(lambda: L.RNN([L.GRUCell(2, **F64), L.SimpleRNNCell(2, **F64)],
                           return_sequences=True, **F64), anyv(2, 3, 2))]
    # inference: the wrapped layer with its kernel as it stands (training assigns kernel / sigma
    # to the variable, an update outside the graph as in Keras 3, so there is nothing to check)
    t["SpectralNormalization"] = variants(
        lambda: L.SpectralNormalization(L.Dense(2, **F64), **F64), (2, 3))
    img = (1, 4, 4, 1)
    aug = {"seed": 3, **F64}
    t["RandomCrop"] = variants(lambda: L.RandomCrop(2, 3, **aug), img, training=True,
                               noise=True) + \
        [case(lambda: L.RandomCrop(2, 3, **aug), anyv(*img))]  # inference: crop + resize
    # value_range wide enough that no pixel sits on the clip
    t["RandomBrightness"] = variants(
        lambda: L.RandomBrightness(0.1, value_range=(-50, 50), **aug), img, training=True,
        noise=True)
    t["RandomHeight"] = variants(lambda: L.RandomHeight(0.4, **aug), img, training=True,
                                 noise=True)
    t["RandomWidth"] = variants(lambda: L.RandomWidth((0.2, 0.6), **aug), img, training=True,
                                noise=True)
    t["ConvLSTM1D"] = variants(lambda: L.ConvLSTM1D(2, 2, padding="same", return_state=True,
                                                    **F64), (2, 3, 3, 2))
    t["ConvLSTM2D"] = variants(lambda: L.ConvLSTM2D(2, 2, return_sequences=True, **F64),
                               (1, 2, 3, 3, 1)) + \
        [case(lambda: L.ConvLSTM2D(1, 2, strides=2, data_format="channels_first",
                                   go_backwards=True, **F64), anyv(1, 2, 1, 4, 4))]
    t["ConvLSTM3D"] = [case(lambda: L.ConvLSTM3D(1, 2, padding="same", **F64),
                            anyv(1, 2, 2, 2, 2, 1))]
    return t


def _conv_layers():
    t = {}
    t["Conv1D"] = variants(lambda: L.Conv1D(2, 3, padding="causal", **F64), (2, 4, 2))
    t["Conv2D"] = variants(lambda: L.Conv2D(2, 2, strides=2, padding="same", **F64),
                           (1, 3, 4, 2))
    t["Conv3D"] = variants(lambda: L.Conv3D(2, 2, **F64), (1, 2, 3, 2, 1))
    t["Conv1DTranspose"] = variants(lambda: L.Conv1DTranspose(2, 2, strides=2, **F64),
                                    (2, 3, 1))
    t["Conv2DTranspose"] = variants(lambda: L.Conv2DTranspose(1, 3, strides=2, padding="same",
                                                              **F64), (1, 2, 2, 2))
    t["Conv3DTranspose"] = variants(lambda: L.Conv3DTranspose(1, 2, **F64), (1, 2, 1, 2, 1))
    t["DepthwiseConv1D"] = variants(lambda: L.DepthwiseConv1D(2, depth_multiplier=2, **F64),
                                    (2, 4, 2))
    t["DepthwiseConv2D"] = variants(lambda: L.DepthwiseConv2D(2, padding="same", **F64),
                                    (1, 3, 3, 2))
    t["SeparableConv1D"] = variants(lambda: L.SeparableConv1D(2, 2, **F64), (2, 4, 2))
    t["SeparableConv2D"] = variants(lambda: L.SeparableConv2D(2, 2, **F64), (1, 3, 3, 2))
    return t


def _pool_layers():
    t = {}
    for n, shape in ((1, (2, 4, 2)), (2, (1, 4, 3, 2)), (3, (1, 2, 2, 4, 1))):
        t[f"MaxPooling{n}D"] = variants(lambda n=n: getattr(L, f"MaxPooling{n}D")(**F64), shape,
                                        gen=distinct)
        t[f"AveragePooling{n}D"] = variants(
            lambda n=n: getattr(L, f"AveragePooling{n}D")(padding="same", **F64), shape)
        t[f"GlobalMaxPooling{n}D"] = variants(
            lambda n=n: getattr(L, f"GlobalMaxPooling{n}D")(**F64), shape, gen=distinct)
        t[f"GlobalAveragePooling{n}D"] = variants(
            lambda n=n: getattr(L, f"GlobalAveragePooling{n}D")(keepdims=True, **F64), shape)
        t[f"AdaptiveMaxPooling{n}D"] = variants(
            lambda n=n: getattr(L, f"AdaptiveMaxPooling{n}D")(3, **F64), shape, gen=distinct)
        t[f"AdaptiveAveragePooling{n}D"] = variants(
            lambda n=n: getattr(L, f"AdaptiveAveragePooling{n}D")(3, **F64), shape)
    return t


def _reshape_layers():
    t = {}
    t["Cropping1D"] = variants(lambda: L.Cropping1D((1, 0), **F64), (2, 4, 2))
    t["Cropping2D"] = variants(lambda: L.Cropping2D(((1, 0), (0, 1)), **F64), (1, 3, 3, 2))
    t["Cropping3D"] = variants(lambda: L.Cropping3D(((1, 0), (0, 0), (0, 1)), **F64),
                               (1, 2, 2, 3, 1))
    t["UpSampling1D"] = variants(lambda: L.UpSampling1D(2, **F64), (2, 3, 1))
    t["UpSampling2D"] = variants(lambda: L.UpSampling2D(2, interpolation="bilinear", **F64),
                                 (1, 2, 3, 1))
    t["UpSampling3D"] = variants(lambda: L.UpSampling3D((1, 2, 1), **F64), (1, 2, 2, 1, 1))
    t["ZeroPadding1D"] = variants(lambda: L.ZeroPadding1D(1, **F64), (2, 3, 1))
    t["ZeroPadding2D"] = variants(lambda: L.ZeroPadding2D(1, **F64), (1, 2, 2, 1))
    t["ZeroPadding3D"] = variants(lambda: L.ZeroPadding3D(1, **F64), (1, 1, 2, 1, 1))
    return t


def _recurrent_layers():
    t = {}
    t["SimpleRNN"] = variants(lambda: L.SimpleRNN(2, return_sequences=True, **F64), (2, 3, 2))
    t["LSTM"] = variants(lambda: L.LSTM(2, return_state=True, **F64), (2, 3, 2))
    t["GRU"] = variants(lambda: L.GRU(2, go_backwards=True, **F64), (2, 3, 2))
    t["RNN"] = variants(lambda: L.RNN(L.SimpleRNNCell(2, **F64), **F64), (2, 3, 2))
    t["SimpleRNNCell"] = [case(lambda: L.SimpleRNNCell(2, **F64), anyv(2, 3), anyv(2, 2),
                               call=_cell_call)]
    t["GRUCell"] = [case(lambda: L.GRUCell(2, **F64), anyv(2, 3), anyv(2, 2), call=_cell_call)]
    t["LSTMCell"] = [case(lambda: L.LSTMCell(2, **F64), anyv(2, 3), anyv(2, 2), anyv(2, 2),
                          call=_cell_call)]
    t["Bidirectional"] = variants(lambda: L.Bidirectional(L.SimpleRNN(2, **F64), **F64),
                                  (2, 3, 2))
    t["TimeDistributed"] = variants(lambda: L.TimeDistributed(L.Dense(2, **F64), **F64),
                                    (2, 3, 2))
    return t


LAYER_EXCLUDED = {
    "Layer": "abstract base class: call() is the subclass's",
    "Wrapper": "abstract base of TimeDistributed / Bidirectional (both checked)",
    "InputLayer": "a graph placeholder: no computation, nothing to differentiate",
    # categorical / text preprocessing: no weights, and integer (or piecewise-constant) outputs
    # computed on the host from host data, so there is no gradient to check
    "StringLookup": "maps strings to int64 indices on the host: no weights, no gradient",
    "IntegerLookup": "maps integers to int64 indices on the host: no weights, no gradient",
    "Hashing": "hashes strings / integers to int64 buckets: no weights, no gradient",
    "CategoryEncoding": "integer categories to one/multi-hot counts: no weights, no gradient",
    "Discretization": "piecewise-constant bucketing (zero gradient almost everywhere), no "
                      "weights",
    "TextVectorization": "strings to int64 indices / token counts on the host: no weights, "
                         "no gradient",
}
