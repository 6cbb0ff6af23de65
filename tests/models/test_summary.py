"""print_summary: the Keras-like table of layers, shapes and parameter counts."""

from __future__ import annotations

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
