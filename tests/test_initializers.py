"""cuflow.initializers: exact constants, sample statistics, fans, orthogonality, seeding, device
placement, dtypes and lookup."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import initializers as I
from cuflow.backend import parse_device
from cuflow.testing import on_every_device

BIG = (400, 500)  # 200k samples: the sample std of a mean is ~0.2% of the stddev


def draw(init, shape=BIG, dtype=None):
    return init(shape, dtype=dtype).numpy().astype(np.float64)


@on_every_device
def test_zeros_ones_constant_exact(device):
    with cf.device(device):
        z, o = I.Zeros()((3, 4)), I.Ones()((3, 4))
        c = I.Constant(2.5)((2, 3))
        ci = I.Constant(7)((2,), dtype="int32")
        row = I.Constant(np.array([1.0, 2.0, 3.0]))((2, 3))
    assert z.device == parse_device(device) and z.dtype == np.float32
    np.testing.assert_array_equal(z.numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(o.numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(c.numpy(), np.full((2, 3), 2.5))
    assert ci.dtype == np.int32 and ci.tolist() == [7, 7]
    np.testing.assert_array_equal(row.numpy(), [[1, 2, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"does not broadcast to the requested shape \(2, 4\)"):
        I.Constant(np.ones(3))((2, 4))


def test_random_normal_uniform_truncated_stats():
    x = draw(I.RandomNormal(mean=1.0, stddev=0.5, seed=1))
    assert abs(x.mean() - 1.0) < 0.01 and abs(x.std() - 0.5) < 0.01
    u = draw(I.RandomUniform(minval=-1.0, maxval=3.0, seed=2))
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 0.02 and abs(u.std() - 4 / math.sqrt(12)) < 0.01
    t = draw(I.TruncatedNormal(mean=0.5, stddev=2.0, seed=3))
    assert np.all(np.abs(t - 0.5) <= 4.0)  # resampled beyond 2 stddev
    # the stddev of a standard normal truncated to [-2, 2] is 0.8796
    assert abs(t.mean() - 0.5) < 0.02 and abs(t.std() - 2.0 * 0.87962566) < 0.02


def test_defaults_match_keras():
    assert I.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert I.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert I.VarianceScaling().get_config() == {"scale": 1.0, "mode": "fan_in",
                                                "distribution": "truncated_normal", "seed": None,
                                                "input_axes": None, "output_axes": None}
    assert I.GlorotUniform().get_config() == {"seed": None, "input_axes": None,
                                              "output_axes": None}


@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((30, 40), (30, 40)), ((3, 3, 16, 32), (144, 288)),
    ((5, 8, 4), (40, 20)), ((2, 3, 3, 4, 6), (72, 108)),
])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


@pytest.mark.parametrize("cls, scale, mode, dist", [
    (I.GlorotUniform, 1.0, "fan_avg", "uniform"),
    (I.GlorotNormal, 1.0, "fan_avg", "normal"),
    (I.HeNormal, 2.0, "fan_in", "normal"),
    (I.HeUniform, 2.0, "fan_in", "uniform"),
    (I.LecunNormal, 1.0, "fan_in", "normal"),
    (I.LecunUniform, 1.0, "fan_in", "uniform"),
])
@pytest.mark.parametrize("shape", [(300, 200), (3, 3, 64, 128)])
def test_variance_scaling_family(cls, scale, mode, dist, shape):
    fan_in, fan_out = I.compute_fans(shape)
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = math.sqrt(scale / n)
    x = draw(cls(seed=0), shape)
    assert x.shape == shape
    assert abs(x.mean()) < 5 * std / math.sqrt(x.size)  # 5 standard errors of the mean
    assert abs(x.std() / std - 1) < 0.02
    if dist == "uniform":
        assert np.abs(x).max() <= math.sqrt(3) * std
    else:  # truncated at 2 of the pre-correction stddev
        assert np.abs(x).max() <= 2 * std / 0.87962566103423978 + 1e-6


@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_modes(mode, distribution):
    shape = (200, 800)
    n = {"fan_in": 200, "fan_out": 800, "fan_avg": 500}[mode]
    x = draw(I.VarianceScaling(scale=3.0, mode=mode, distribution=distribution, seed=4), shape)
    assert abs(x.std() / math.sqrt(3.0 / n) - 1) < 0.02


def test_variance_scaling_validation():
    with pytest.raises(ValueError, match="Argument `scale` must be positive float. Received: "
                                         "scale=0.0"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: fan_sum"):
        I.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: cauchy"):
        I.VarianceScaling(distribution="cauchy")
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="`seed` argument should be an instance of"):
        I.RandomNormal(seed=-1)
    with pytest.raises(ValueError, match="expected a floating dtype, received int32"):
        I.GlorotUniform()((3, 3), dtype="int32")


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (16, 16), (3, 3, 4, 8)])
def test_orthogonal(shape):
    q = draw(I.Orthogonal(gain=2.0, seed=5), shape)
    assert q.shape == shape
    m = q.reshape(-1, shape[-1]) / 2.0
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)
    with pytest.raises(ValueError, match="rank >= 2"):
        I.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(I.Identity(gain=3.0)((3, 4)).numpy(), 3.0 * np.eye(3, 4))
    with pytest.raises(ValueError, match=r"Identity needs a 2-D shape; received \(2, 2, 2\)"):
        I.Identity()((2, 2, 2))


SEEDED = [I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.GlorotUniform, I.GlorotNormal,
          I.HeNormal, I.HeUniform, I.LecunNormal, I.LecunUniform, I.Orthogonal,
          I.VarianceScaling]


@pytest.mark.parametrize("cls", SEEDED, ids=lambda c: c.__name__)
def test_seeding(cls):
    a, b = draw(cls(seed=42), (8, 6)), draw(cls(seed=42), (8, 6))
    np.testing.assert_array_equal(a, b)
    init = cls(seed=42)
    np.testing.assert_array_equal(draw(init, (8, 6)), draw(init, (8, 6)))  # Keras 3: stateless
    assert not np.array_equal(a, draw(cls(seed=43), (8, 6)))
    # unseeded: fresh values every call, reproducible from cuflow.random.set_seed
    cf.random.set_seed(7)
    u1, u2 = draw(cls(), (8, 6)), draw(cls(), (8, 6))
    cf.random.set_seed(7)
    np.testing.assert_array_equal(u1, draw(cls(), (8, 6)))
    assert not np.array_equal(u1, u2)


@on_every_device
def test_same_seed_same_values_on_every_device(device):
    ref = I.GlorotUniform(seed=9)((5, 7)).numpy()
    with cf.device(device):
        t = I.GlorotUniform(seed=9)((5, 7))
        cf.random.set_seed(3)
        u = I.HeNormal()((4, 4))
    cf.random.set_seed(3)
    u_cpu = I.HeNormal()((4, 4))
    assert t.device == parse_device(device) and u.device == parse_device(device)
    np.testing.assert_array_equal(t.numpy(), ref)
    np.testing.assert_array_equal(u.numpy(), u_cpu.numpy())


def test_dtypes():
    assert I.GlorotUniform()((3, 3)).dtype == np.float32
    assert I.GlorotUniform()((3, 3), dtype="float64").dtype == np.float64
    assert I.RandomNormal()((3,), dtype=np.float16).dtype == np.float16
    assert I.Zeros()(4, dtype="int64").dtype == np.int64


def test_aliases_and_get():
    assert I.glorot_uniform is I.GlorotUniform and I.he_normal is I.HeNormal
    assert I.zeros is I.Zeros and I.ones is I.Ones and I.constant is I.Constant
    assert I.random_normal is I.RandomNormal and I.truncated_normal is I.TruncatedNormal
    assert I.orthogonal is I.Orthogonal
    for name, cls in [("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
                      ("he_normal", I.HeNormal), ("zeros", I.Zeros), ("ones", I.Ones),
                      ("random_uniform", I.RandomUniform), ("truncated_normal",
                                                            I.TruncatedNormal),
                      ("lecun_uniform", I.LecunUniform), ("orthogonal", I.Orthogonal),
                      ("variance_scaling", I.VarianceScaling), ("identity", I.Identity),
                      ("uniform", I.RandomUniform), ("normal", I.RandomNormal)]:
        assert type(I.get(name)) is cls
    inst = I.Constant(3)
    assert I.get(inst) is inst
    assert type(I.get(I.HeUniform)) is I.HeUniform
    assert I.get(None) is None
    got = I.get({"class_name": "RandomNormal", "config": {"mean": 1.0, "stddev": 2.0,
                                                          "seed": 3}})
    assert got.get_config() == {"mean": 1.0, "stddev": 2.0, "seed": 3}
    with pytest.raises(ValueError, match=r"Unknown initializer 'glorot'; valid names: .*"
                                         r"glorot_uniform"):
        I.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier 1.5"):
        I.get(1.5)


@pytest.mark.parametrize("init", [
    I.Zeros(), I.Ones(), I.Constant(0.3), I.RandomNormal(0.1, 0.2, seed=1),
    I.RandomUniform(-1, 1, seed=2), I.TruncatedNormal(seed=3),
    I.VarianceScaling(2.0, "fan_out", "uniform", seed=4), I.GlorotUniform(seed=5),
    I.GlorotNormal(), I.HeNormal(seed=6), I.HeUniform(), I.LecunNormal(), I.LecunUniform(seed=7),
    I.Orthogonal(gain=0.5, seed=8), I.Identity(gain=2.0),
], ids=lambda x: type(x).__name__)
def test_config_roundtrip(init):
    back = I.deserialize(I.serialize(init))
    assert type(back) is type(init) and back.get_config() == init.get_config()
    if init.get_config().get("seed") is not None:
        np.testing.assert_array_equal(back((4, 3)).numpy(), init((4, 3)).numpy())


def test_variance_scaling_with_axes_takes_the_fans_from_them():
    assert I.compute_fans((512, 8, 64), input_axes=[0], output_axes=[1, 2]) == (512, 512)
    assert I.compute_fans((512, 8, 64), input_axes=[0, 1], output_axes=[2]) == (4096, 64)
    init = I.VarianceScaling(scale=2.0, seed=1, input_axes=[0], output_axes=[1, 2])
    x = draw(init, (64, 40, 50))
    assert abs(x.std() / math.sqrt(2.0 / 64) - 1) < 0.02
    x = draw(I.VarianceScaling(scale=2.0, seed=1), (64, 40, 50))  # conv rule: fan_in 64 * 40
    assert abs(x.std() / math.sqrt(2.0 / 2560) - 1) < 0.02
    glorot = I.GlorotUniform(input_axes=[0], output_axes=[1, 2])
    assert glorot.get_config() == {"seed": None, "input_axes": [0], "output_axes": [1, 2]}
    assert I.GlorotUniform.from_config(glorot.get_config()).input_axes == [0]


def test_seed_generator_seeds_advance_and_round_trip():
    init = I.RandomNormal(seed=cf.random.SeedGenerator(5))
    a, b = init((4, 3)).numpy(), init((4, 3)).numpy()
    assert not np.array_equal(a, b)  # the generator advances on each call
    config = init.get_config()
    assert config["seed"]["class_name"] == "SeedGenerator" and \
        config["seed"]["config"] == {"seed": 5}
    again = I.RandomNormal.from_config(config)
    assert again.get_config() == config
    np.testing.assert_array_equal(again((4, 3)).numpy(), a)
    auto = I.Orthogonal(seed=cf.random.SeedGenerator())  # a drawn seed, kept in the config
    assert I.Orthogonal.from_config(auto.get_config()).get_config() == auto.get_config()


def test_get_with_a_tensor_or_array_returns_its_values():
    values = np.random.default_rng(0).uniform(size=(5, 5)).astype("float32")
    for ident in (values, cf.Tensor(values)):
        init = I.get(ident)
        np.testing.assert_array_equal(init(shape=(5, 5)).numpy(), values)
        assert init((5, 5), dtype="float64").dtype == np.float64
        with pytest.raises(ValueError, match=r"Expected `shape` to be \(5, 5\)"):
            init(shape=(10, 10))


def test_identity_initializer_deserializes_as_the_initializer_not_the_layer():
    init = I.Identity(gain=2.0)
    back = cf.utils.deserialize_keras_object(cf.utils.serialize_keras_object(init))
    assert type(back) is I.Identity and back.gain == 2.0
    keras_entry = {"module": "keras.initializers", "class_name": "Identity",
                   "config": {"gain": 1.0}, "registered_name": None}
    assert type(cf.utils.deserialize_keras_object(keras_entry)) is I.Identity
    layer_entry = {**keras_entry, "module": "keras.layers", "config": {}}
    assert isinstance(cf.utils.deserialize_keras_object(layer_entry), cf.layers.Identity)
    assert type(I.get("IdentityInitializer")) is I.Identity


def _dft_args(frames=256, bins=513):
    return -2 * np.pi * np.arange(frames).reshape(-1, 1, 1) * \
        (np.arange(bins) / ((bins - 1) * 2.0)).reshape(1, 1, -1)


@pytest.mark.parametrize("window", ["hann", "hamming", "blackman", "blackmanharris", "nuttall",
                                    "flattop", "boxcar", "bartlett", "triang", "cosine", "tukey"])
@pytest.mark.parametrize("periodic", [False, True])
def test_windows_match_scipy(window, periodic):
    signal = pytest.importorskip("scipy.signal")
    for n in (1, 7, 8, 64):
        np.testing.assert_allclose(I.get_window(window, n, periodic),
                                   signal.get_window(window, n, fftbins=periodic), atol=1e-12)


def test_stft_kernels_windows_and_scaling():
    args = _dft_args()
    plain = I.STFT("real", None)((256, 1, 513)).numpy()
    np.testing.assert_allclose(plain, np.cos(args), atol=1e-4)
    win = I.get_window("hamming", 256, True).reshape(-1, 1, 1)
    out = I.STFT("real", "hamming", None, True)((256, 1, 513), "float64").numpy()
    np.testing.assert_allclose(out, np.cos(args) * win, atol=1e-12)
    win = I.get_window("tukey", 256).reshape(-1, 1, 1)
    out = I.STFT("imag", "tukey", "density", False)((256, 1, 513), "float64").numpy()
    np.testing.assert_allclose(out, np.sin(args) * win / np.sqrt((win ** 2).sum()), atol=1e-12)
    arr = np.arange(1, 257.0)
    out = I.STFT("imag", list(arr), "spectrum")((256, 1, 513), "float64").numpy()
    np.testing.assert_allclose(out, np.sin(args) * arr.reshape(-1, 1, 1) / arr.sum(),
                               atol=1e-12)
    init = I.STFT("imag", "tukey", "density", False)
    assert I.deserialize(I.serialize(init)).get_config() == init.get_config()
    assert type(I.get("STFTInitializer")) is I.STFT and I.stft is I.STFT
    for bad in ({"side": "imaginary"}, {"scaling": "l2"}, {"window": "unknown"}):
        with pytest.raises(ValueError):
            I.STFT(**bad)
    with pytest.raises(ValueError, match="must be equal to \\[frame_length\\]"):
        I.STFT("real", [1.0, 2.0])((4, 1, 3))
