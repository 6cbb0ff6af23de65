"""cuflow.applications.vgg16: Keras's counts and names, heads, the feature map, and the origin
article's transfer-learning program."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import applications as apps
from cuflow.applications import VGG16
from cuflow.layers import Dense, Flatten
from cuflow.models import Model
from cuflow.optimizers import Adam
from cuflow.preprocessing.image import ImageDataGenerator  # noqa: F401 (the article imports it)

from ._checks import (
    check_full_size,
    check_tiny_forward,
)

slow = pytest.mark.slow

# Keras's count_params(), layer names at known places, model name, default size, len(weights)
FULL_SIZE = [
    pytest.param(apps.VGG16, {}, 138_357_544, ['block1_conv1', 'block1_conv2', 'block1_pool',
                                               'block5_conv3', 'block5_pool', 'flatten', 'fc1',
                                               'fc2', 'predictions'],
                 'vgg16', 224, None, id='VGG16'),
    pytest.param(apps.VGG16, {'include_top': False}, 14_714_688,
                 ['block1_conv1', 'block5_conv3', 'block5_pool'],
                 'vgg16', 224, None, id='VGG16_notop'),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_pooling_heads_forward(pooling):
    check_tiny_forward(apps.VGG16, {}, 512, size=32, pooling=pooling)


def test_vgg16_feature_map_without_pooling():
    model = apps.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    y = model.predict(np.zeros((2, 32, 32, 3), np.float32), verbose=0)
    assert y.shape == (2, 1, 1, 512)


def test_article_transfer_learning_program():
    rng = np.random.default_rng(0)
    X_train = rng.random((8, 32, 32, 3), dtype=np.float32)
    y_train = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 8)]

    # 加载预训练模型 (load the base model)
    base_model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))

    # 添加自定义层 (add custom layers)
    x = base_model.output
    x = Flatten()(x)
    x = Dense(1024, activation='relu')(x)
    x = Dense(512, activation='relu')(x)
    output = Dense(10, activation='softmax')(x)

    # 创建新的模型 (create the new model)
    model = Model(inputs=base_model.input, outputs=output)

    # 编译模型 (compile): the article's Adam(lr=...) is Keras 2 spelling, accepted with a warning
    with pytest.warns(UserWarning, match="lr"):
        optimizer = Adam(lr=0.0001)
    model.compile(loss='categorical_crossentropy', optimizer=optimizer, metrics=['accuracy'])

    # 训练模型 (train)
    history = model.fit(X_train, y_train, epochs=1, batch_size=4, verbose=0)

    assert len(model.layers) == len(base_model.layers) + 4
    assert model.output.shape == (None, 10)
    assert np.isfinite(history.history["loss"]).all()
    assert 0.0 <= history.history["accuracy"][0] <= 1.0
