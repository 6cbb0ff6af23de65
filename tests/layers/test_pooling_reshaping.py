"""Pooling, global pooling, UpSampling / ZeroPadding / Cropping and the regularization layers:
outputs, shapes (None dims), float64 gradients, configs, errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as G
from cuflow import layers as P
from cuflow import layers as S
from cuflow.testing import check_gradients

from . import reference as ref

R = np.random.default_rng(3)


def run(layer, x, device, **kw):
    with cf.device(device):
        return layer(cf.Tensor(x), **kw)


@pytest.mark.parametrize("cls,kind,rank", [(P.MaxPooling1D, "max", 1), (P.MaxPooling2D, "max", 2),
                                           (P.MaxPooling3D, "max", 3),
                                           (P.AveragePooling1D, "avg", 1),
                                           (P.AveragePooling2D, "avg", 2),
                                           (P.AveragePooling3D, "avg", 3)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_layers(device, cls, kind, rank, padding):
    x = R.normal(size=(2,) + (5, 4, 3)[:rank] + (2,))
    layer = cls(pool_size=2, strides=1 if rank == 3 else None, padding=padding)
    y = run(layer, x, device)
    s = (1,) * rank if rank == 3 else (2,) * rank
    np.testing.assert_allclose(y.numpy(), ref.pool(x, (2,) * rank, s, padding, kind), atol=1e-12)
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + y.shape[1:]
    assert cls.from_config(layer.get_config()).get_config() == layer.get_config()
    check_gradients(lambda t: cls(2, 1, padding, dtype="float64")(t),
                    [R.permutation(x.size).reshape(x.shape) / x.size], device=device)


@pytest.mark.parametrize("cls,rank,red", [(P.GlobalAveragePooling1D, 1, np.mean),
                                          (P.GlobalAveragePooling2D, 2, np.mean),
                                          (P.GlobalAveragePooling3D, 3, np.mean),
                                          (P.GlobalMaxPooling1D, 1, np.max),
                                          (P.GlobalMaxPooling2D, 2, np.max),
                                          (P.GlobalMaxPooling3D, 3, np.max)])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(device, cls, rank, red, fmt, keepdims):
    x = R.normal(size=(2,) + (4, 3, 2)[:rank] + (3,))
    axes = tuple(range(1, rank + 1)) if fmt == "channels_last" else tuple(range(2, rank + 2))
    if fmt == "channels_first":
        x = np.moveaxis(x, -1, 1)
    layer = cls(data_format=fmt, keepdims=keepdims)
    y = run(layer, x, device)
    np.testing.assert_allclose(y.numpy(), red(x, axis=axes, keepdims=keepdims), atol=1e-12)
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + y.shape[1:]
    check_gradients(lambda t: cls(fmt, keepdims, dtype="float64")(t),
                    [R.permutation(x.size).reshape(x.shape) / x.size], device=device)


def test_global_average_pooling1d_mask(device):
    x = R.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    with cf.device(device):
        y = P.GlobalAveragePooling1D()(cf.Tensor(x), mask=cf.Tensor(mask))
    np.testing.assert_allclose(y.numpy()[0], x[0, :2].mean(0))
    np.testing.assert_allclose(y.numpy()[1], x[1].mean(0))


def test_pooling_aliases_defaults_errors():
    assert P.MaxPool2D is P.MaxPooling2D and P.AvgPool2D is P.AveragePooling2D
    assert P.GlobalAvgPool2D is P.GlobalAveragePooling2D
    assert P.GlobalMaxPool1D is P.GlobalMaxPooling1D
    c = P.MaxPooling2D().get_config()
    assert (c["pool_size"], c["strides"], c["padding"]) == ((2, 2), (2, 2), "valid")
    with pytest.raises(ValueError, match=r'"mp".*expected ndim=4.*\(2, 3\)'):
        P.MaxPooling2D(name="mp")(cf.Tensor(np.zeros((2, 3), np.float32)))
    with pytest.raises(ValueError, match=r'"mp2".*pool_size \(3, 3\) is larger'):
        P.MaxPooling2D(3, name="mp2")(cf.Tensor(np.zeros((1, 2, 2, 1), np.float32)))
    with pytest.raises(ValueError, match=r"padding must be one of"):
        P.AveragePooling1D(padding="causal")
    with pytest.raises(ValueError, match=r"ndim=5"):
        P.GlobalMaxPooling3D()(cf.Tensor(np.zeros((1, 2, 2, 1), np.float32)))


# ---- reshaping ----------------------------------------------------------------------------
def test_upsampling(device):
    x = R.normal(size=(2, 3, 2, 2))
    y = run(S.UpSampling2D((2, 3)), x, device)
    np.testing.assert_array_equal(y.numpy(), x.repeat(2, 1).repeat(3, 2))
    y1 = run(S.UpSampling1D(3), x[:, :, 0], device)
    np.testing.assert_array_equal(y1.numpy(), x[:, :, 0].repeat(3, 1))
    y3 = run(S.UpSampling3D(2, data_format="channels_first"), x[..., None], device)
    assert y3.shape == (2, 3, 4, 4, 2)
    yb = run(S.UpSampling2D(2, interpolation="bilinear"), x, device)
    assert yb.shape == (2, 6, 4, 2)
    assert S.UpSampling2D(2).compute_output_shape((None, None, 4, 1)) == (None, None, 8, 1)
    for layer in [S.UpSampling2D(2, interpolation="bilinear"),
                  S.UpSampling2D((1, 2), data_format="channels_first"), S.UpSampling1D(2)]:
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match=r"interpolation"):
        S.UpSampling2D(2, interpolation="cubic")


def test_zero_padding_and_cropping(device):
    x = R.normal(size=(2, 5, 6, 3))
    y = run(S.ZeroPadding2D(((1, 2), (0, 3))), x, device)
    np.testing.assert_array_equal(y.numpy(), np.pad(x, [(0, 0), (1, 2), (0, 3), (0, 0)]))
    y = run(S.ZeroPadding2D(1, data_format="channels_first"), x, device)
    np.testing.assert_array_equal(y.numpy(), np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)]))
    y = run(S.ZeroPadding1D((2, 1)), x[:, :, 0], device)
    assert y.shape == (2, 8, 3)
    y = run(S.ZeroPadding3D(), x[..., None], device)
    assert y.shape == (2, 7, 8, 5, 1)
    c = run(S.Cropping2D(((1, 2), (0, 3))), x, device)
    np.testing.assert_array_equal(c.numpy(), x[:, 1:3, 0:3])
    c = run(S.Cropping1D((1, 1)), x[:, :, 0], device)
    np.testing.assert_array_equal(c.numpy(), x[:, 1:4, 0])
    c = run(S.Cropping3D(1), x[..., None], device)
    assert c.shape == (2, 3, 4, 1, 1)
    assert S.Cropping2D(1).compute_output_shape((None, None, 6, 3)) == (None, None, 4, 3)
    assert S.ZeroPadding2D(2).compute_output_shape((None, 5, None, 3)) == (None, 9, None, 3)
    with pytest.raises(ValueError, match=r'"crop".*cropping.*smaller.*\(2, 5, 6, 3\)'):
        run(S.Cropping2D(((3, 2), (0, 0)), name="crop"), x, device)
    with pytest.raises(ValueError, match=r"padding must be"):
        S.ZeroPadding2D((1, 2, 3))
    for layer in [S.ZeroPadding2D(((1, 2), (0, 3))), S.ZeroPadding1D(2), S.Cropping3D(1),
                  S.Cropping1D((1, 2))]:
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg


RESHAPE_GRADS = [
    (lambda: S.UpSampling2D((2, 1), dtype="float64"), (1, 2, 3, 2)),
    (lambda: S.UpSampling2D(2, interpolation="bilinear", dtype="float64"), (1, 3, 2, 2)),
    (lambda: S.UpSampling1D(2, dtype="float64"), (1, 3, 2)),
    (lambda: S.ZeroPadding2D(((1, 0), (2, 1)), dtype="float64"), (1, 2, 3, 2)),
    (lambda: S.Cropping2D(((1, 0), (0, 1)), dtype="float64"), (1, 3, 3, 2)),
    (lambda: S.Cropping1D(1, dtype="float64"), (1, 4, 2)),
]


@pytest.mark.parametrize("make,shape", RESHAPE_GRADS)
def test_reshaping_gradients(device, make, shape):
    layer = make()
    check_gradients(lambda t: layer(t), [R.normal(size=shape)], device=device)


# ---- regularization -----------------------------------------------------------------------
@pytest.mark.parametrize("cls,rank", [(G.SpatialDropout1D, 1), (G.SpatialDropout2D, 2),
                                      (G.SpatialDropout3D, 3)])
def test_spatial_dropout_drops_whole_channels(device, cls, rank):
    x = np.ones((4,) + (3,) * rank + (8,))
    layer = cls(0.5)
    np.testing.assert_array_equal(run(layer, x, device, training=False).numpy(), x)
    y = run(layer, x, device, training=True).numpy()
    per_channel = y.reshape(4, -1, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # constant per map
    assert set(np.unique(y)) <= {0.0, 2.0}
    cfg = layer.get_config()
    assert cls.from_config(cfg).get_config() == cfg
    if rank > 1:
        z = run(cls(0.5, data_format="channels_first"), np.ones((4, 8) + (3,) * rank), device,
                training=True).numpy().reshape(4, 8, -1)
        assert np.all(z.min(axis=2) == z.max(axis=2))
    with pytest.raises(ValueError, match=f"ndim={rank + 2}"):
        run(cls(0.5), np.ones((2, 3)), device, training=True)


def test_noise_layers(device):
    x = np.ones((200, 50))
    for layer in [G.GaussianNoise(0.5), G.GaussianDropout(0.2)]:
        np.testing.assert_array_equal(run(layer, x, device).numpy(), x)
        y = run(layer, x, device, training=True).numpy()
        assert abs(y.mean() - 1.0) < 0.02
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg
    assert abs(run(G.GaussianNoise(0.5), x, device, training=True).numpy().std() - 0.5) < 0.02
    sd = np.sqrt(0.2 / 0.8)
    assert abs(run(G.GaussianDropout(0.2), x, device, training=True).numpy().std() - sd) < 0.02
    # the gradient of x * noise is noise: x * noise is linear in x
    with cf.device(device):
        t = cf.Tensor(np.full((3, 4), 2.0), requires_grad=True)
        y = G.GaussianDropout(0.3)(t, training=True)
        y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy() * 2.0, y.numpy())
    with pytest.raises(ValueError, match=r"stddev"):
        G.GaussianNoise(-1)


def test_activity_regularization(device):
    layer = G.ActivityRegularization(l1=0.1, l2=0.01)
    x = R.normal(size=(2, 3))
    y = run(layer, x, device)
    np.testing.assert_array_equal(y.numpy(), x)
    (loss,) = layer.losses
    np.testing.assert_allclose(float(loss.numpy()), 0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum(),
                               rtol=1e-6)
    assert layer.get_config()["l1"] == 0.1
