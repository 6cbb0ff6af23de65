"""The origin article's second program (section 4.2), with only the imports changed and
``weights=None`` (there is no network to fetch ImageNet weights; pass a local weights file path
instead to fine-tune real weights).

A 224×224 VGG16 is heavy for a CPU, so by default this runs on 32×32 inputs; set
CUFLOW_EXAMPLE_FULL=1 for the article's exact 224×224 shape.
"""

import os

import numpy as np

from cuflow.applications import VGG16
from cuflow.layers import Dense, Flatten
from cuflow.models import Model
from cuflow.optimizers import Adam
from cuflow.preprocessing.image import ImageDataGenerator  # noqa: F401 (imported by the article)

EPOCHS = int(os.environ.get("CUFLOW_EXAMPLE_EPOCHS", 10))
SIDE = 224 if os.environ.get("CUFLOW_EXAMPLE_FULL") else 32

rng = np.random.default_rng(0)
X_train = rng.random((16, SIDE, SIDE, 3), dtype=np.float32)
y_train = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 16)]

# ---- the article's code (weights=None, input size as above) -----------------------------------
# 加载预训练模型
base_model = VGG16(weights=None, include_top=False, input_shape=(SIDE, SIDE, 3))

# 添加自定义层
x = base_model.output
x = Flatten()(x)
x = Dense(1024, activation='relu')(x)
x = Dense(512, activation='relu')(x)
output = Dense(10, activation='softmax')(x)

# 创建新的模型
model = Model(inputs=base_model.input, outputs=output)

# 编译模型
model.compile(loss='categorical_crossentropy', optimizer=Adam(lr=0.0001), metrics=['accuracy'])

# 训练模型
model.fit(X_train, y_train, epochs=EPOCHS, batch_size=32)
# ------------------------------------------------------------------------------------------------
print(f"parameters: {model.count_params():,}")
