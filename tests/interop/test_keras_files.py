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
