"""EinsumDense, AlphaDropout, StackedRNNCells, SpectralNormalization, InputSpec and the image
layers RandomCrop / RandomBrightness / RandomHeight / RandomWidth: values against NumPy
references, Keras weight shapes and parameter counts, configs, save/load, errors.
(Float64 gradient checks of every one live in tests/reliability/grad_layer_cases.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

R = np.random.default_rng(7)


def f32(*shape):
    return R.normal(size=shape).astype("float32")


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


# ---- EinsumDense ------------------------------------------------------------------------------
# (equation, output_shape, bias_axes, input shape, Keras kernel shape, bias shape, output shape)
EINSUM_CASES = [
    ("ab,bc->ac", 64, "c", (2, 32), (32, 64), (64,), (2, 64)),
    ("abc,cd->abd", (None, 64), "d", (2, 32, 128), (128, 64), (64,), (2, 32, 64)),
    ("abc,cde->abde", (3, 5, 6), "de", (2, 3, 4), (4, 5, 6), (5, 6), (2, 3, 5, 6)),
    ("abc,cde->abde", (3, 5, 6), "b", (2, 3, 4), (4, 5, 6), (3, 1, 1), (2, 3, 5, 6)),
    ("...b,bc->...c", 5, "c", (2, 3, 4), (4, 5), (5,), (2, 3, 5)),
    ("ab...,bc->ac...", 5, "c", (2, 4, 7), (4, 5), (5, 1), (2, 5, 7)),
    ("abc,cd->abd", (None, 3), None, (2, 4, 6), (6, 3), None, (2, 4, 3)),
]


@pytest.mark.parametrize("eq,out,bias_axes,in_shape,kshape,bshape,oshape", EINSUM_CASES)
def test_einsum_dense_shapes_and_values(eq, out, bias_axes, in_shape, kshape, bshape, oshape):
    layer = L.EinsumDense(eq, out, bias_axes=bias_axes, activation="relu",
                          bias_initializer="random_normal")
    x = f32(*in_shape)
    y = layer(x).numpy()
    assert layer.kernel.shape == kshape
    assert (layer.bias is None and bshape is None) or layer.bias.shape == bshape
    assert [w.name.split("/")[-1] for w in layer.weights] == ["kernel", "bias"][:1 + (bshape
                                                                                   is not None)]
    assert layer.count_params() == int(np.prod(kshape)) + (int(np.prod(bshape)) if bshape else 0)
    want = np.einsum(eq, x, layer.kernel.numpy())
    if bshape is not None:
        want = want + layer.bias.numpy()
    np.testing.assert_allclose(y, np.maximum(want, 0), rtol=1e-5, atol=1e-5)
    assert y.shape == oshape
    assert layer.compute_output_shape((None,) + in_shape[1:])[1:] == oshape[1:]


def test_einsum_dense_symbolic_config_and_save(tmp_path):
    inp = L.Input((3, 4))
    layer = L.EinsumDense("abc,cde->abde", (None, 5, 2), bias_axes="e", name="ed")
    out = layer(inp)
    assert out.shape == (None, 3, 5, 2)
    clone = round_trip(layer)
    assert clone.get_config()["output_shape"] == [None, 5, 2]
    assert clone.get_config()["equation"] == "abc,cde->abde"
    model = cf.models.Model(inp, L.Flatten()(out))
    save_load(model, f32(2, 3, 4), tmp_path)


@pytest.mark.parametrize("kwargs,shape,match", [
    ({"equation": "ab,bc", "output_shape": 3}, (2, 4), "equation must be a string"),
    ({"equation": "a.b,bc->ac", "output_shape": 3}, (2, 4), "Invalid einsum equation 'a.b,bc->ac'"),
    ({"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "x"}, (2, 4),
     "Bias dimension 'x' was requested"),
    ({"equation": "abc,cd->abd", "output_shape": (5, 3)}, (2, 4, 6),
     "do not match at shared dimension 'b'. Input shape is 4, and output shape is 5"),
    ({"equation": "ab,bc->acd", "output_shape": (3, 2)}, (2, 4),
     "Dimension 'd' was specified in the output 'acd'"),
    ({"equation": "ab,bcd->ac", "output_shape": 3}, (2, 4),
     "Weight dimension 'd' did not have a match"),
    ({"equation": "ab,bc->ac", "output_shape": "3"}, (2, 4), "received '3'"),
])
def test_einsum_dense_errors(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        L.EinsumDense(**kwargs)(f32(*shape))


def test_einsum_dense_rank_mismatch_after_build():
    layer = L.EinsumDense("ab,bc->ac", 3)
    layer(f32(2, 4))
    with pytest.raises(ValueError, match=r"expected ndim=2, received input with shape \(2, 3, 4\)"):
        layer(f32(2, 3, 4))


# ---- AlphaDropout -----------------------------------------------------------------------------
ALPHA = 1.6732632423543772848170429916717
SCALE = 1.0507009873554804934193349852946


def test_alpha_dropout_exact_formula_on_fixed_mask():
    rate = 0.3
    layer = L.AlphaDropout(rate)
    x = f32(4, 5)
    mask = (R.uniform(size=(4, 5)) >= rate).astype("float32")
    layer._keep_mask = lambda inputs: cf.Tensor(mask)
    got = layer(x, training=True).numpy()
    alpha_p = -ALPHA * SCALE
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    np.testing.assert_allclose(got, a * (x * mask + alpha_p * (1 - mask)) + b, rtol=1e-6)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: identity
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)


def test_alpha_dropout_preserves_mean_and_variance():
    cf.random.set_seed(11)
    x = np.random.default_rng(3).normal(size=(400, 500)).astype("float32")  # SELU fixed point
    for rate in (0.1, 0.5):
        y = L.AlphaDropout(rate)(x, training=True).numpy()
        assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.02, (rate, y.mean(), y.var())
        alpha_p = -ALPHA * SCALE
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        dropped = np.isclose(y, a * alpha_p * (1 - rate), rtol=0, atol=1e-6)  # a alpha_p + b
        assert abs(dropped.mean() - rate) < 0.01


def test_alpha_dropout_noise_shape_and_config():
    cf.random.set_seed(2)
    layer = L.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=3)
    y = layer(f32(3, 6, 4) + 10.0, training=True).numpy()
    low = y < 0  # dropped units (kept ones are a * (x + 10) + b > 0)
    assert (low == low[:, :1, :]).all() and 0 < low.mean() < 1
    clone = round_trip(layer)
    assert clone.noise_shape == (None, 1, 4) and clone.seed == 3


def test_alpha_dropout_errors():
    with pytest.raises(ValueError, match=r"Received: rate=1.5"):
        L.AlphaDropout(1.5)
    with pytest.raises(ValueError, match="rate=1.0"):
        L.AlphaDropout(1.0)(f32(2, 3), training=True)
    with pytest.raises(ValueError, match=r"noise_shape \(1,\) does not match"):
        L.AlphaDropout(0.2, noise_shape=(1,))(f32(2, 3), training=True)


# ---- StackedRNNCells --------------------------------------------------------------------------
def test_stacked_cells_match_manual_chaining():
    cells = [L.LSTMCell(3), L.GRUCell(2), L.SimpleRNNCell(4)]
    rnn = L.RNN(cells, return_sequences=True, return_state=True)
    assert isinstance(rnn.cell, L.StackedRNNCells)
    assert rnn.cell.state_size == [[3, 3], 2, 4] and rnn.cell.output_size == 4
    x = f32(2, 5, 6)
    seq, *states = rnn(x)
    assert seq.shape == (2, 5, 4) and [s.shape for s in states] == [(2, 3), (2, 3), (2, 2),
                                                                   (2, 4)]
    st = [[np.zeros((2, 3), "float32")] * 2, [np.zeros((2, 2), "float32")],
          [np.zeros((2, 4), "float32")]]
    outs = []
    for t in range(5):
        h = x[:, t]
        for k, cell in enumerate(cells):
            h, new = cell(cf.Tensor(np.ascontiguousarray(h)), [cf.Tensor(s) for s in st[k]])
            st[k] = [s.numpy() for s in (new if isinstance(new, list) else [new])]
            h = h.numpy()
        outs.append(h)
    np.testing.assert_allclose(seq.numpy(), np.stack(outs, 1), rtol=1e-5, atol=1e-6)
    for got, want in zip(states, [s for group in st for s in group]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    # Keras counts: LSTM 4u(in+u+1), GRU (reset_after) 3u(in+u+2), SimpleRNN u(in+u+1)
    assert rnn.count_params() == 4 * 3 * (6 + 3 + 1) + 3 * 2 * (3 + 2 + 2) + 4 * (2 + 4 + 1)


def test_stacked_cells_accept_flat_or_grouped_states():
    stacked = L.StackedRNNCells([L.LSTMCell(2), L.SimpleRNNCell(3)])
    x, h, c, h2 = f32(2, 4), f32(2, 2), f32(2, 2), f32(2, 3)
    out_a, st_a = stacked(x, [h, c, h2])
    out_b, st_b = stacked(x, [[h, c], [h2]])
    np.testing.assert_allclose(out_a.numpy(), out_b.numpy())
    assert [len(g) for g in st_a] == [2, 1]
    with pytest.raises(ValueError, match=r"expects 3 state tensors \(\[2, 1\] per cell\); "
                                         r"received 2"):
        stacked(x, [h, c])


def test_stacked_cells_config_and_save(tmp_path):
    stacked = L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)], name="stack")
    clone = round_trip(stacked)
    assert [type(c).__name__ for c in clone.cells] == ["LSTMCell", "GRUCell"]
    model = cf.models.Sequential([L.Input((4, 3)), L.RNN([L.LSTMCell(3), L.GRUCell(2)]),
                                  L.Dense(1)])
    save_load(model, f32(2, 4, 3), tmp_path)


def test_stacked_cells_errors():
    with pytest.raises(ValueError, match="non-empty list of RNN cells; received 3"):
        L.StackedRNNCells(3)
    with pytest.raises(ValueError, match="All cells must have a `call` method"):
        L.StackedRNNCells([L.LSTMCell(2), object()])


# ---- SpectralNormalization --------------------------------------------------------------------
def _np_normalize(v):
    return v / max(np.sqrt((v * v).sum()), 1e-6)


def test_spectral_normalization_one_step_matches_numpy():
    sn = L.SpectralNormalization(L.Dense(4), power_iterations=2)
    x = f32(3, 5)
    sn(x)  # build; inference leaves the kernel alone
    w0, u0 = sn.layer.kernel.numpy().copy(), sn.vector_u.numpy().copy()
    np.testing.assert_array_equal(sn(x).numpy(), x @ w0 + sn.layer.bias.numpy())
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), w0)
    y = sn(x, training=True).numpy()
    u = u0
    for _ in range(2):
        v = _np_normalize(u @ w0.T)
        u = _np_normalize(v @ w0)
    sigma = (v @ w0 @ u.T).item()
    np.testing.assert_allclose(sn.vector_u.numpy(), u, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sn.layer.kernel.numpy(), w0 / sigma, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y, x @ (w0 / sigma) + sn.layer.bias.numpy(), rtol=1e-5,
                               atol=1e-5)


def test_spectral_normalization_top_singular_value_converges_to_one():
    conv = L.Conv2D(3, 2, kernel_initializer="random_normal")
    sn = L.SpectralNormalization(conv, power_iterations=1)
    x = f32(1, 4, 4, 2)
    for _ in range(30):
        sn(x, training=True)
    w = sn.layer.kernel.numpy().reshape(-1, 3)
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1.0) < 1e-3
    assert sn.vector_u.shape == (1, 3) and not sn.vector_u.trainable
    assert [v.name.split("/")[-1] for v in sn.weights] == ["vector_u", "kernel", "bias"]
    assert sn.count_params() == 2 * 2 * 2 * 3 + 3 + 3  # Keras counts vector_u as well
    assert len(sn.trainable_weights) == 2


def test_spectral_normalization_zero_kernel_and_embeddings():
    sn = L.SpectralNormalization(L.Dense(2, kernel_initializer="zeros"))
    sn(f32(2, 3), training=True)
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), np.zeros((3, 2)))
    emb = L.SpectralNormalization(L.Embedding(5, 3))
    emb(np.array([[0, 4]]))
    assert emb.vector_u.shape == (1, 3)


def test_spectral_normalization_config_save_and_errors(tmp_path):
    sn = L.SpectralNormalization(L.Dense(3), power_iterations=3)
    clone = round_trip(sn)
    assert clone.power_iterations == 3 and isinstance(clone.layer, L.Dense)
    model = cf.models.Sequential([L.Input((4,)), sn, L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(f32(8, 4), f32(8, 1), epochs=1, verbose=0)
    loaded = save_load(model, f32(2, 4), tmp_path)
    np.testing.assert_array_equal(loaded.layers[0].vector_u.numpy(), sn.vector_u.numpy())
    with pytest.raises(ValueError, match=r"Received: `power_iterations=0`"):
        L.SpectralNormalization(L.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="Flatten object has no attribute 'kernel' nor"):
        L.SpectralNormalization(L.Flatten())(f32(2, 3))


# ---- InputSpec --------------------------------------------------------------------------------
class _Checked(L.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return inputs


@pytest.mark.parametrize("spec,x,match", [
    (L.InputSpec(ndim=2), f32(2, 3, 4),
     r'Input 0 of layer "c" is incompatible with the layer: expected ndim=2, found ndim=3. '
     r"Full shape received: \(2, 3, 4\)"),
    (L.InputSpec(min_ndim=3), f32(2, 3), "expected min_ndim=3, found ndim=2"),
    (L.InputSpec(max_ndim=2), f32(2, 3, 4), "expected max_ndim=2, found ndim=3"),
    (L.InputSpec(axes={-1: 5}), f32(2, 3),
     r"expected axis -1 of input shape to have value 5, but received input with shape \(2, 3\)"),
    (L.InputSpec(shape=(None, 4)), f32(2, 3), r"expected shape=\(None, 4\), found shape=\(2, 3\)"),
    (L.InputSpec(dtype="int32"), f32(2, 3), "expected dtype=int32, found dtype=float32"),
])
def test_input_spec_violations(spec, x, match):
    with pytest.raises(ValueError, match=match):
        _Checked(spec, name="c")(x)


def test_input_spec_accepts_and_checks_symbolic_inputs():
    layer = _Checked(L.InputSpec(ndim=3, axes={-1: 4}))
    np.testing.assert_array_equal(layer(f32(2, 3, 4)[:1]).shape, (1, 3, 4))
    assert layer(L.Input((3, 4))).shape == (None, 3, 4)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(L.Input((3, 5)))
    two = _Checked([L.InputSpec(ndim=2), L.InputSpec(ndim=3)], name="two")
    two([f32(2, 3), f32(2, 3, 1)])
    with pytest.raises(ValueError, match=r'Layer "two" expects 2 input\(s\), but it received 1'):
        two(f32(2, 3))


def test_input_spec_repr_config_and_errors():
    spec = L.InputSpec(dtype="float32", shape=(None, 3), axes={1: 3})
    assert repr(spec) == "InputSpec(dtype=float32, shape=(None, 3), ndim=2, axes={1: 3})"
    again = L.InputSpec.from_config(spec.get_config())
    assert again.get_config() == spec.get_config() and again.ndim == 2
    with pytest.raises(TypeError, match="Argument `axes` must be a dict with integer keys"):
        L.InputSpec(axes={"x": 1})
    with pytest.raises(ValueError, match="Axis 3 is greater than the maximum allowed value: 1"):
        L.InputSpec(ndim=2, axes={3: 1})
    with pytest.raises(TypeError, match="input_spec must be an instance of InputSpec"):
        _Checked("ndim=2")


# ---- image layers -----------------------------------------------------------------------------
def img(*shape):
    return R.uniform(0, 255, size=shape).astype("float32")


def test_random_crop_training_window_and_inference_smart_resize():
    x = img(3, 6, 8, 2)
    layer = L.RandomCrop(3, 4, seed=5)
    y = layer(x, training=True).numpy()
    hits = [(t, s) for t in range(4) for s in range(5)
            if np.array_equal(x[:, t:t + 3, s:s + 4], y)]
    assert len(hits) == 1  # one window, the same for the whole batch
    # inference: the largest centred window with the target aspect ratio, resized
    np.testing.assert_allclose(layer(x).numpy(),
                               L.Resizing(3, 4, crop_to_aspect_ratio=True)(x).numpy(), rtol=1e-6)
    wide = img(2, 4, 10, 1)
    np.testing.assert_allclose(layer(wide).numpy(),
                               L.Resizing(3, 4, crop_to_aspect_ratio=True)(wide).numpy(),
                               rtol=1e-6)
    small = img(2, 2, 3, 1)  # smaller than the target while training: smart resize too
    assert layer(small, training=True).shape == (2, 3, 4, 1)
    same = img(2, 3, 4, 1)
    np.testing.assert_array_equal(layer(same).numpy(), same)
    assert layer(img(6, 8, 2), training=True).shape == (3, 4, 2)  # unbatched
    assert layer.compute_output_shape((None, 6, 8, 2)) == (None, 3, 4, 2)
    chw = L.RandomCrop(3, 4, data_format="channels_first", seed=1)
    assert chw(img(2, 1, 6, 8), training=True).shape == (2, 1, 3, 4)
    assert round_trip(layer).height == 3
    with pytest.raises(ValueError, match="height must be a positive int; received 0"):
        L.RandomCrop(0, 3)


def test_random_brightness_shift_clip_and_errors():
    x = img(4, 3, 3, 1) * 0.5 + 60  # in [60, 188): no clipping for |delta| <= 0.2 * 255
    layer = L.RandomBrightness((-0.2, 0.1), seed=2)
    y = layer(x, training=True).numpy()
    delta = (y - x).reshape(4, -1)
    np.testing.assert_allclose(delta, delta[:, :1].repeat(9, axis=1), atol=1e-4)
    assert ((delta >= -0.2 * 255 - 1e-3) & (delta <= 0.1 * 255 + 1e-3)).all()
    assert np.unique(delta[:, 0].round(3)).size == 4  # one draw per image
    np.testing.assert_array_equal(layer(x).numpy(), x)
    bright = L.RandomBrightness((0.9, 1.0), value_range=(0, 1), seed=0)
    np.testing.assert_array_equal(bright(img(2, 2, 2, 1) / 510 + 0.5, training=True).numpy(), 1.0)
    config = round_trip(L.RandomBrightness(0.3, value_range=[0, 1], seed=4)).get_config()
    assert config["factor"] == 0.3 and config["value_range"] == [0.0, 1.0]
    with pytest.raises(ValueError, match=r"range \[-1.0, 1.0\]. Received: input_number=1.5"):
        L.RandomBrightness(1.5)
    with pytest.raises(ValueError, match=r"Received: factor=\(0.1, 0.2, 0.3\)"):
        L.RandomBrightness((0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match=r"Received: value_range=\(0, 1, 2\)"):
        L.RandomBrightness(0.1, value_range=(0, 1, 2))


@pytest.mark.parametrize("cls,axis", [(L.RandomHeight, 1), (L.RandomWidth, 2)])
def test_random_height_width(cls, axis):
    x = img(2, 6, 8, 3)
    layer = cls((0.2, 0.5), seed=1)
    y = layer(x, training=True).numpy()
    size = y.shape[axis]
    assert int(1.2 * x.shape[axis]) <= size <= int(1.5 * x.shape[axis])
    other = x.shape[3 - axis]
    target = (size, other) if axis == 1 else (other, size)
    np.testing.assert_allclose(y, L.Resizing(*target)(x).numpy(), rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    shape = layer.compute_output_shape((None, 6, 8, 3))
    assert shape[axis] is None and shape[3 - axis] == x.shape[3 - axis]
    assert round_trip(cls(0.3, interpolation="nearest")).interpolation == "nearest"
    with pytest.raises(ValueError, match=r"upper bound lesser than the lower bound. Received: "
                                         r"factor=\(0.5, 0.2\)"):
        cls((0.5, 0.2))
    with pytest.raises(ValueError, match=r"larger than -1. Received: factor=\(-1.5, 0.2\)"):
        cls((-1.5, 0.2))
    with pytest.raises(ValueError, match="interpolation must be one of"):
        cls(0.2, interpolation="lanczos3")


def test_image_layers_in_a_saved_model(tmp_path):
    model = cf.models.Sequential([
        L.Input((8, 8, 3)), L.RandomCrop(6, 6, seed=1), L.RandomBrightness(0.2, seed=2),
        L.RandomHeight(0.1, seed=3), L.RandomWidth(0.1, seed=4), L.Resizing(6, 6),
        L.AlphaDropout(0.2), L.Flatten(), L.EinsumDense("ab,bc->ac", 2, bias_axes="c")])
    save_load(model, img(2, 8, 8, 3), tmp_path)


# ---- ConvLSTM ---------------------------------------------------------------------------------
def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _np_conv_lstm(x, kernel, rkernel, bias, strides, padding):
    """Keras's four per-gate convolutions, gate order i, f, c, o; channels_last."""
    from .reference import conv

    n = kernel.ndim - 2
    ones = (1,) * n
    f = kernel.shape[-1] // 4
    h = c = None
    outs = []
    for t in range(x.shape[1]):
        xs = [conv(x[:, t], kernel[..., k * f:(k + 1) * f], strides, padding, ones)
              + bias[k * f:(k + 1) * f] for k in range(4)]
        if h is None:
            h = c = np.zeros_like(xs[0])
        hs = [conv(h, rkernel[..., k * f:(k + 1) * f], ones, "same", ones) for k in range(4)]
        i, fg = _sigmoid(xs[0] + hs[0]), _sigmoid(xs[1] + hs[1])
        c = fg * c + i * np.tanh(xs[2] + hs[2])
        h = _sigmoid(xs[3] + hs[3]) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1), h, c


@pytest.mark.parametrize("cls,shape,kwargs", [
    (L.ConvLSTM2D, (2, 3, 5, 4, 2), {"padding": "same"}),
    (L.ConvLSTM2D, (1, 2, 6, 6, 1), {"strides": 2}),
    (L.ConvLSTM1D, (2, 3, 5, 2), {}),
    (L.ConvLSTM3D, (1, 2, 3, 3, 3, 1), {"padding": "same"}),
])
def test_conv_lstm_matches_numpy_reference(cls, shape, kwargs):
    layer = cls(3, 2, return_sequences=True, return_state=True,
                bias_initializer="random_normal", **kwargs)
    x = f32(*shape)
    seq, h, c = layer(x)
    k = layer.cell.kernel.numpy().astype("float64")
    rk = layer.cell.recurrent_kernel.numpy().astype("float64")
    b = layer.cell.bias.numpy().astype("float64")
    n = len(shape) - 3
    # Keras shapes: (*k, in, 4 filters), (*k, filters, 4 filters), (4 filters,)
    assert k.shape == (2,) * n + (shape[-1], 12) and rk.shape == (2,) * n + (3, 12)
    assert b.shape == (12,)
    assert layer.count_params() == 2 ** n * shape[-1] * 12 + 2 ** n * 3 * 12 + 12
    want_seq, want_h, want_c = _np_conv_lstm(x.astype("float64"), k, rk, b,
                                             layer.cell.strides, layer.cell.padding)
    np.testing.assert_allclose(seq.numpy(), want_seq, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None,) + shape[1:]) == [
        (None,) + seq.shape[1:], (None,) + h.shape[1:], (None,) + c.shape[1:]]


def test_conv_lstm_channels_first_equals_channels_last():
    x = f32(2, 3, 4, 4, 2)
    last = L.ConvLSTM2D(2, 3, padding="same")
    first = L.ConvLSTM2D(2, 3, padding="same", data_format="channels_first")
    want = last(x).numpy()
    first(np.transpose(x, (0, 1, 4, 2, 3)))
    first.set_weights(last.get_weights())
    got = first(np.transpose(x, (0, 1, 4, 2, 3))).numpy()
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want, rtol=1e-5, atol=1e-6)


def test_conv_lstm_forget_bias_mask_config_save(tmp_path):
    layer = L.ConvLSTM2D(2, 3, padding="same", return_sequences=True)
    x = f32(2, 4, 5, 5, 1)
    layer(x)
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0, 0, 1, 1, 0, 0, 0, 0])
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    out = layer(x, mask=mask).numpy()
    np.testing.assert_array_equal(out[0, 2], out[0, 1])  # masked step repeats the output
    config = round_trip(layer).get_config()
    assert config["filters"] == 2 and config["kernel_size"] == [3, 3] and "rank" not in config
    assert layer.filters == 2 and layer.kernel_size == (3, 3)
    model = cf.models.Sequential([L.Input((3, 6, 6, 1)), L.ConvLSTM2D(2, 3, dropout=0.2),
                                  L.Flatten(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(f32(4, 3, 6, 6, 1), f32(4, 1), epochs=1, verbose=0)
    save_load(model, f32(2, 3, 6, 6, 1), tmp_path)


def test_conv_lstm_errors():
    with pytest.raises(ValueError, match=r"expected ndim=5 .*found ndim=4"):
        L.ConvLSTM2D(2, 3)(f32(2, 3, 5, 5))
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same'; received "
                                         "'causal'"):
        L.ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"kernel_size \(3, 3\) .* larger than the input's "
                                         r"spatial size \(2, 2\)"):
        L.ConvLSTM2D(2, 3)(f32(1, 2, 2, 2, 1))
    with pytest.raises(ValueError,
                       match="ConvLSTM2D: filters must be a positive integer; received 0"):
        L.ConvLSTM2D(0, 3)
