"""Model files both ways with real Keras 3 (on JAX, CPU): each architecture saved by Keras
loads in cuflow with the same predictions, and saved by cuflow loads in Keras likewise.

Keras is a test-only dependency (``pip install ".[dev,keras-interop]"``, see the README); where
it is not importable these tests skip with that reason.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    keras = pytest.importorskip("keras", reason="real Keras is not installed: pip install "
                                                "'.[keras-interop]' to run the interop tests")
    h5py = pytest.importorskip("h5py")

import cuflow  # noqa: E402

from ._architectures import ARCHITECTURES, make_custom_layer, randomize  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning")]
ATOL = 1e-5


def _outputs(pred):
    return [np.asarray(p) for p in (pred if isinstance(pred, (list, tuple)) else [pred])]


def _assert_same(a, b):
    a, b = _outputs(a), _outputs(b)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, atol=ATOL, rtol=ATOL)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_keras_file_loads_in_cuflow(name, tmp_path):
    kmodel, x = ARCHITECTURES[name](keras)
    randomize(kmodel)
    path = str(tmp_path / f"{name}.keras")
    kmodel.save(path)
    expected = kmodel.predict(x, verbose=0)
    if name == "custom_registered":
        make_custom_layer(cuflow)  # the program defines its layer for cuflow too
    model = cuflow.saving.load_model(path)
    _assert_same(model.predict(x, verbose=0), expected)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_cuflow_file_loads_in_keras(name, tmp_path):
    model, x = ARCHITECTURES[name](cuflow)
    randomize(model)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    expected = model.predict(x, verbose=0)
    if name == "custom_registered":
        make_custom_layer(keras)
    kmodel = keras.saving.load_model(path)
    _assert_same(kmodel.predict(x, verbose=0), expected)


def _data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(32, 8)).astype("float32"), rng.normal(size=(32, 4)).astype("float32")


def _compiled(K):
    model, _ = ARCHITECTURES["mlp"](K)
    model.compile(optimizer=K.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    return model, x, y


def test_compiled_keras_model_keeps_training_state_in_cuflow(tmp_path):
    kmodel, x, y = _compiled(keras)
    kmodel.save(tmp_path / "c.keras")
    model = cuflow.saving.load_model(tmp_path / "c.keras")
    _assert_same(model.predict(x, verbose=0), kmodel.predict(x, verbose=0))
    assert type(model.optimizer).__name__ == "Adam"
    assert int(model.optimizer.iterations.numpy()) == 4
    np.testing.assert_allclose(float(model.optimizer.learning_rate.numpy()), 0.01, rtol=1e-6)
    # the optimizer's moments came along: one more step gives Keras's weights
    kmodel.train_on_batch(x[:8], y[:8])
    model.train_on_batch(x[:8], y[:8])
    _assert_same(model.predict(x, verbose=0), kmodel.predict(x, verbose=0))


def test_compiled_cuflow_model_keeps_training_state_in_keras(tmp_path):
    model, x, y = _compiled(cuflow)
    model.save(tmp_path / "c.keras")
    kmodel = keras.saving.load_model(tmp_path / "c.keras")
    _assert_same(kmodel.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(kmodel.optimizer).__name__ == "Adam"
    assert int(kmodel.optimizer.iterations.numpy()) == 4
    kmodel.train_on_batch(x[:8], y[:8])
    model.train_on_batch(x[:8], y[:8])
    _assert_same(kmodel.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("name", ["mlp", "bidirectional", "functional_branches", "mobilenet_v2"])
def test_weights_files_both_ways(name, tmp_path):
    kmodel, x = ARCHITECTURES[name](keras)
    randomize(kmodel)
    kmodel.save_weights(tmp_path / "k.weights.h5")
    model, _ = ARCHITECTURES[name](cuflow)  # a fresh cuflow model, other layer names
    model.load_weights(tmp_path / "k.weights.h5")
    _assert_same(model.predict(x, verbose=0), kmodel.predict(x, verbose=0))
    randomize(model)
    model.save_weights(tmp_path / "c.weights.h5")
    kmodel.load_weights(tmp_path / "c.weights.h5")
    _assert_same(kmodel.predict(x, verbose=0), model.predict(x, verbose=0))


def test_sequential_built_without_input_layer(tmp_path):
    kmodel = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])
    kmodel.build((None, 3))
    randomize(kmodel)
    kmodel.save(tmp_path / "s.keras")
    x = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    model = cuflow.saving.load_model(tmp_path / "s.keras")
    _assert_same(model.predict(x, verbose=0), kmodel.predict(x, verbose=0))


def test_legacy_h5_written_by_keras_loads(tmp_path):
    kmodel, x = ARCHITECTURES["batchnorm"](keras)
    randomize(kmodel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that HDF5 is a legacy format
        kmodel.save(tmp_path / "m.h5")
    model = cuflow.saving.load_model(tmp_path / "m.h5")
    _assert_same(model.predict(x, verbose=0), kmodel.predict(x, verbose=0))
