"""The origin article's first program (section 4.1), with only the imports changed.

The article leaves X_train / y_train undefined; here they are a synthetic 10-class problem with
100 features so the program runs anywhere, offline.
"""

import os

import numpy as np

import cuflow as tf  # was: import tensorflow as tf
from cuflow.layers import Dense  # was: from tensorflow.keras.layers import Dense
from cuflow.models import Sequential  # was: from tensorflow.keras.models import Sequential

EPOCHS = int(os.environ.get("CUFLOW_EXAMPLE_EPOCHS", 10))

rng = np.random.default_rng(0)
X_train = rng.normal(size=(2000, 100)).astype("float32")
y_train = tf.utils.to_categorical(X_train[:, :10].argmax(axis=1), 10)

# ---- the article's code, verbatim -------------------------------------------------------------
# 创建一个简单的神经网络
model = Sequential()
model.add(Dense(64, input_dim=100, activation='relu'))
model.add(Dense(32, activation='relu'))
model.add(Dense(10, activation='softmax'))

# 编译模型
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])

# 训练模型
model.fit(X_train, y_train, epochs=EPOCHS, batch_size=32)
# ------------------------------------------------------------------------------------------------

loss, accuracy = model.evaluate(X_train, y_train, verbose=0)
print(f"train accuracy: {accuracy:.3f}")
