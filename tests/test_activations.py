"""cuflow.activations: values against float64 NumPy formulas (Keras 3), gradients against central
differences, and get / serialize / deserialize."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import activations as A
from cuflow import layers as L
from cuflow.testing import check_gradients, on_every_device

R = np.random.default_rng(5)

SELU_ALPHA = 1.6732632423543772848170429916717

SELU_SCALE = 1.0507009873554804934193349852946

_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def away_from(x, kinks, gap=0.05):
    """Nudge values within ``gap`` of a kink away, so central differences see a smooth function."""
    x = x.copy()
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + np.where(x[near] >= k, gap, -gap)
    return x


X = R.uniform(-5, 5, size=(4, 6))

# (id, fn, reference, kinks to avoid in gradient checks)
CASES = [
    ("relu", A.relu, lambda x: np.maximum(x, 0), [0]),
    ("relu_slope", lambda x: A.relu(x, negative_slope=0.1), lambda x: np.where(x >= 0, x, 0.1 * x),
     [0]),
    ("relu_max", lambda x: A.relu(x, max_value=2.0), lambda x: np.clip(x, 0, 2), [0, 2]),
    ("relu_max6", lambda x: A.relu(x, max_value=6.0), lambda x: np.clip(x, 0, 6), [0, 6]),
    ("relu_threshold", lambda x: A.relu(x, threshold=0.5), lambda x: np.where(x > 0.5, x, 0),
     [0.5]),
    ("relu_all", lambda x: A.relu(x, negative_slope=0.1, max_value=2.0, threshold=0.5),
     lambda x: np.where(x > 0.5, np.minimum(x, 2.0), 0.1 * (x - 0.5)), [0.5, 2]),
    ("relu_slope_max", lambda x: A.relu(x, negative_slope=0.1, max_value=2.0),
     lambda x: np.where(x >= 0, np.minimum(x, 2.0), 0.1 * x), [0, 2]),
    ("relu6", A.relu6, lambda x: np.clip(x, 0, 6), [0, 6]),
    ("leaky_relu", A.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x), [0]),
    ("leaky_relu_03", lambda x: A.leaky_relu(x, negative_slope=0.3),
     lambda x: np.where(x >= 0, x, 0.3 * x), [0]),
    ("elu", A.elu, lambda x: np.where(x > 0, x, np.expm1(x)), [0]),
    ("elu_alpha", lambda x: A.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
     [0]),
    ("selu", A.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)), [0]),
    ("gelu", A.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), []),
    ("gelu_tanh", lambda x: A.gelu(x, approximate=True),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))), []),
    ("sigmoid", A.sigmoid, _sigmoid, []),
    ("hard_sigmoid", A.hard_sigmoid, lambda x: np.clip((x + 3) / 6, 0, 1), [-3, 3]),
    ("hard_silu", A.hard_silu, lambda x: x * np.clip((x + 3) / 6, 0, 1), [-3, 3]),
    ("hard_swish", A.hard_swish, lambda x: x * np.clip((x + 3) / 6, 0, 1), [-3, 3]),
    ("tanh", A.tanh, np.tanh, []),
    ("softplus", A.softplus, _softplus, []),
    ("softsign", A.softsign, lambda x: x / (1 + np.abs(x)), [0]),
    ("silu", A.silu, lambda x: x * _sigmoid(x), []),
    ("swish", A.swish, lambda x: x * _sigmoid(x), []),
    ("mish", A.mish, lambda x: x * np.tanh(_softplus(x)), []),
    ("exponential", A.exponential, np.exp, []),
    ("linear", A.linear, lambda x: x, []),
    ("softmax", A.softmax, _softmax, []),
    ("softmax_axis0", lambda x: A.softmax(x, axis=0), lambda x: _softmax(x, 0), []),
    ("log_softmax", A.log_softmax, lambda x: np.log(_softmax(x)), []),
    ("log_softmax_axis0", lambda x: A.log_softmax(x, axis=0), lambda x: np.log(_softmax(x, 0)),
     []),
    ("log_sigmoid", A.log_sigmoid, lambda x: -_softplus(-x), []),
    ("hard_tanh", A.hard_tanh, lambda x: np.clip(x, -1, 1), [-1, 1]),
    ("hard_shrink", A.hard_shrink, lambda x: np.where(np.abs(x) > 0.5, x, 0), [-0.5, 0.5]),
    ("soft_shrink", lambda x: A.soft_shrink(x, threshold=1.0),
     lambda x: np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0)), [-1, 1]),
    ("tanh_shrink", A.tanh_shrink, lambda x: x - np.tanh(x), []),
    ("sparse_plus", A.sparse_plus,
     lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)), [-1, 1]),
    ("sparse_sigmoid", A.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1), [-1, 1]),
    ("squareplus", lambda x: A.squareplus(x, b=2), lambda x: (x + np.sqrt(x * x + 2)) / 2, []),
    ("threshold", lambda x: A.threshold(x, 0.5, -2.0), lambda x: np.where(x > 0.5, x, -2.0),
     [0.5]),
    ("glu", A.glu, lambda x: x[:, :3] * _sigmoid(x[:, 3:]), []),
    ("glu_axis0", lambda x: A.glu(x, axis=0), lambda x: x[:2] * _sigmoid(x[2:]), []),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@on_every_device
def test_activation_values(device, case):
    _, fn, ref, _ = case
    for dtype, rtol in ((np.float64, 1e-9), (np.float32, 2e-6)):
        out = fn(cf.Tensor(X.astype(dtype), device=device))
        assert isinstance(out, cf.Tensor) and out.dtype == dtype and out.shape == ref(X).shape
        np.testing.assert_allclose(out.numpy(), ref(X), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@on_every_device
def test_activation_gradients(device, case):
    _, fn, _, kinks = case
    check_gradients(fn, [away_from(X, kinks)], device=device)


def test_relu_threshold_zeroes_the_threshold_itself_as_keras():
    x = np.array([-10, -5, 0.0, 5, 10])
    np.testing.assert_allclose(A.relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    np.testing.assert_allclose(A.relu(x, threshold=5.0, max_value=5.0).numpy(), [0, 0, 0, 0, 5])
    np.testing.assert_allclose(
        A.relu(x, negative_slope=0.5, max_value=5.0, threshold=5.0).numpy(),
        [-7.5, -5.0, -2.5, 0.0, 5.0])


@pytest.mark.parametrize("fn,ref", [(A.softmax, lambda v: _softmax(v.ravel()).reshape(v.shape)),
                                    (A.log_softmax,
                                     lambda v: np.log(_softmax(v.ravel())).reshape(v.shape))])
def test_softmax_over_a_tuple_of_axes_or_all_of_them(fn, ref):
    x = R.normal(size=(2, 3, 4, 5))
    out = fn(x, axis=(1, 3)).numpy()
    for i in range(2):
        for k in range(4):
            np.testing.assert_allclose(out[i, :, k, :], ref(x[i, :, k, :]), rtol=1e-9)
    np.testing.assert_allclose(fn(x, axis=None).numpy(), ref(x), rtol=1e-9)
    np.testing.assert_allclose(fn(x, axis=(-1,)).numpy(), fn(x, axis=-1).numpy())
    check_gradients(lambda t: fn(t, axis=(0, 2)), [x])


def test_sparsemax_projects_onto_the_simplex():
    x = np.linspace(1, 12, num=12).reshape(-1, 2)
    expected = np.zeros_like(x)
    expected[:, -1] = 1.0
    np.testing.assert_allclose(A.sparsemax(x).numpy(), expected)
    expected = np.zeros_like(x)
    expected[-1, :] = 1.0
    np.testing.assert_allclose(A.sparsemax(x, axis=-2).numpy(), expected)
    out = A.sparsemax(np.array([[0.1, 0.2, 0.15]])).numpy()
    np.testing.assert_allclose(out.sum(), 1.0) and np.testing.assert_array_less(-1e-12, out)
    assert A.get("sparsemax") is A.sparsemax and A.serialize(A.glu) == "glu"


def test_get_and_aliases():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu
    assert A.get("swish") is A.silu and A.swish is A.silu
    assert A.get("hard_swish") is A.hard_silu and A.hard_swish is A.hard_silu

    def mine(x):
        return x

    assert A.get(mine) is mine
    assert A.get({"class_name": "tanh", "config": None}) is A.tanh
    with pytest.raises(ValueError, match=r"Unknown activation 'rellu'; valid names: .*relu"):
        A.get("rellu")
    with pytest.raises(ValueError, match="Could not interpret activation identifier 3"):
        A.get(3)


def test_serialize_roundtrip():
    for name in ("relu", "gelu", "softmax", "linear", "hard_silu", "silu", "log_softmax"):
        fn = A.get(name)
        assert A.serialize(fn) == name
        assert A.deserialize(A.serialize(fn)) is fn
    assert A.serialize(A.swish) == "silu"

    def custom(x):
        return x

    assert A.serialize(custom) == "custom"
    assert A.deserialize("custom", custom_objects={"custom": custom}) is custom
    with pytest.raises(ValueError, match="Unknown activation"):
        A.deserialize("custom")


@on_every_device
def test_activation_accepts_arrays_and_keeps_device(device):
    t = cf.Tensor(X, device=device)
    assert A.relu(t).device == t.device
    out = A.sigmoid(X.astype(np.float32))  # a host array becomes a Tensor on the current device
    assert isinstance(out, cf.Tensor)
    np.testing.assert_allclose(out.numpy(), _sigmoid(X), rtol=1e-6)
    ints = cf.Tensor(np.arange(3), device=device)
    assert A.linear(ints) is ints  # the identity for any dtype, as Keras


def _cube(x):
    return x * x * x


def test_scoped_activation_rebuilds_a_layer_and_is_unknown_outside_the_scope():
    config = L.Dense(2, activation=_cube).get_config()
    assert config["activation"] == "_cube"
    with cf.utils.custom_object_scope({"_cube": _cube}):
        assert L.Dense.from_config(config).activation is _cube
    with pytest.raises(ValueError, match="Unknown activation '_cube'"):
        L.Dense.from_config(config)


def test_registered_activation_saves_and_loads_by_its_registered_name(tmp_path):
    @cf.utils.register_keras_serializable("cuflow_test")
    def softsquare(x):
        return cf.ops.log(1.0 + x * x)

    assert cf.activations.serialize(softsquare) == "cuflow_test>softsquare"
    model = cf.models.Sequential([L.Input(shape=(3,)), L.Dense(2, activation=softsquare)])
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    path = tmp_path / "m.cuflow"
    model.save(path)
    loaded = cf.models.load_model(path)
    assert loaded.layers[0].activation is softsquare
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_file_naming_an_unregistered_function_is_refused(tmp_path):
    def unknown(x):
        return x

    model = cf.models.Sequential([L.Input(shape=(3,)), L.Dense(2, activation=unknown)])
    path = tmp_path / "m.cuflow"
    model.save(path)
    with pytest.raises(Exception, match="unknown"):
        cf.models.load_model(path)


def test_builtin_names_still_resolve_and_custom_objects_win():
    assert cf.activations.get("relu") is cf.activations.relu
    assert cf.activations.deserialize("relu", custom_objects={"relu": _cube}) is _cube
