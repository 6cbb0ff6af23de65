"""print_summary: the Keras-like table of layers, shapes and parameter counts."""

from __future__ import annotations

import numpy as np

from cuflow import layers
from cuflow.layers import Dense, Input
from cuflow.models import Model, Sequential

from ._builders import article_model


def test_summary_table_like_keras(capsys):
    model = article_model()
    model.summary()
    out = capsys.readouterr().out
    assert out.startswith(f'Model: "{model.name}"')
    for needle in ["Layer (type)", "Output Shape", "Param #", "(Dense)", "(None, 64)",
                   "6,464", "2,080", "330", "Total params: 8,874 (34.66 KB)",
                   "Trainable params: 8,874 (34.66 KB)", "Non-trainable params: 0 (0.00 B)"]:
        assert needle in out, needle


def test_readable_sizes_use_binary_units():
    from cuflow.models.summary import readable_size

    assert readable_size(0) == "0.00 B"
    assert readable_size(34.66 * 1024) == "34.66 KB"
    assert readable_size(3 * 1024 ** 2) == "3.00 MB"


def test_functional_summary_lists_connections_and_frozen_and_optimizer_params():
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    cat = layers.Concatenate(name="cat")([a, b])
    bn = layers.BatchNormalization(name="bn")(cat)
    model = Model([a, b], Dense(1, name="out")(bn))
    model.compile("adam", "mse")
    model.fit([np.ones((4, 2), "float32")] * 2, np.ones((4, 1), "float32"), verbose=0)
    lines = []
    model.summary(print_fn=lines.append, line_length=120)
    text = "\n".join(lines)
    assert "Connected to" in text and "a[0][0], b[0][0]" in text and "cat[0][0]" in text
    # BatchNormalization: 8 trainable (gamma, beta) + 8 moving statistics; Dense 4 * 1 + 1
    assert " Trainable params: 13 (52.00 B)" in lines
    assert " Non-trainable params: 8 (32.00 B)" in lines
    assert any(line.startswith(" Optimizer params: ") for line in lines)


def test_unbuilt_sequential_rows_say_so():
    lines = []
    Sequential([Dense(2, name="later")]).summary(print_fn=lines.append)
    assert any("later (Dense)" in line and "0 (unbuilt)" in line for line in lines)
