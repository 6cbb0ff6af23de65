"""A file's compile config applied to a loaded model: objects resolved by name (custom objects
included), keys compile() does not take dropped."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow import layers, models
from cuflow.saving.compile_config import compile_model


def _model():
    return models.Sequential([layers.Input((2,)), layers.Dense(1)])


def my_loss(y_true, y_pred):
    return cuflow.ops.mean(cuflow.ops.abs(y_true - y_pred), axis=-1)


def test_compile_from_a_file_config_with_custom_objects_and_keras_only_keys():
    model = _model()
    compile_model(model, {"optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.5}},
                          "loss": "my_loss", "metrics": ["mae"], "loss_weights": None,
                          "steps_per_execution": 4, "keras_only_option": True},
                  custom_objects={"my_loss": my_loss})
    assert model.compiled and isinstance(model.optimizer, cuflow.optimizers.SGD)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.5)
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    w, b = model.get_weights()
    loss = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    np.testing.assert_allclose(loss, np.mean(np.abs(x @ w + b)), rtol=1e-6)


def test_unknown_names_fail_before_compiling():
    model = _model()
    with pytest.raises(ValueError, match="nope"):
        compile_model(model, {"optimizer": "sgd", "loss": "nope"})
    assert not model.compiled
