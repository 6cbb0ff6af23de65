"""The origin article's transfer-learning program, ported: only the imports change, plus
weights=None (no download) and a 32x32 input and one small epoch to stay fast."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.applications import VGG16
from cuflow.layers import Dense, Flatten
from cuflow.models import Model
from cuflow.optimizers import Adam
from cuflow.preprocessing.image import ImageDataGenerator  # noqa: F401 (the article imports it)


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
