"""TensorFlow-style import paths: ``tf.keras.X`` and ``from cuflow.keras.X import Y``.
Also ``import cuflow as keras``: keras.utils, keras.losses ... resolve to cuflow's objects."""

from __future__ import annotations

import numpy as np

import cuflow as tf
from cuflow import utils


def test_tf_keras_attribute_paths():
    model = tf.keras.models.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer=tf.keras.optimizers.Adam(), loss=tf.keras.losses.MeanSquaredError())
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert tf.keras.layers is tf.layers and tf.keras.Model is tf.models.Model


def test_from_cuflow_keras_imports():
    from cuflow.keras.applications import VGG16
    from cuflow.keras.layers import Dense
    from cuflow.keras.preprocessing.image import ImageDataGenerator

    assert Dense is tf.layers.Dense and VGG16 is tf.applications.VGG16
    assert ImageDataGenerator is tf.preprocessing.image.ImageDataGenerator


def test_nested_keras_paths_are_the_same_modules():
    import sys

    from cuflow.keras.preprocessing.layers import Rescaling

    assert Rescaling is tf.preprocessing.layers.Rescaling
    assert sys.modules["cuflow.keras.preprocessing.layers"] is tf.preprocessing.layers


def test_keras_style_access():
    import cuflow as keras

    assert keras.utils.to_categorical is utils.to_categorical
    assert keras.losses.get("mse") is keras.losses.mean_squared_error
    assert keras.activations.get("relu") is keras.activations.relu
    assert isinstance(keras.initializers.get("he_normal"), keras.initializers.HeNormal)
    assert isinstance(keras.regularizers.get("l2"), keras.regularizers.L2)
    assert isinstance(keras.constraints.get("max_norm"), keras.constraints.MaxNorm)


def test_version_is_callable_as_keras_version():
    import re

    import cuflow as keras

    assert keras.version() == keras.__version__ == tf.keras.version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", keras.version())
