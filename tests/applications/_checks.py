"""Checks every application test file runs on its own architectures: Keras's parameter counts
and layer names at full size, and a tiny forward pass."""

from __future__ import annotations

import gc

import numpy as np


def check_full_size(build, kwargs, count, names, model_name, size=224, n_weights=None):
    """Build at the default size (no forward pass: VGG16 alone holds ~550 MB of float32
    weights) and compare with Keras: count_params(), len(weights) where known, layer names at
    known places (and no duplicates), the model name, input and output shapes."""
    model = build(weights=None, **kwargs)
    try:
        assert model.count_params() == count
        if n_weights is not None:
            assert len(model.weights) == n_weights
        present = {layer.name for layer in model.layers}
        missing = [n for n in names if n not in present]
        assert not missing, f"lacks layers {missing}"
        assert len(present) == len(model.layers), "duplicate layer names"
        assert model.name == model_name
        if kwargs.get("include_top", True):
            assert model.input.shape == (None, size, size, 3)
            assert model.output.shape == (None, 1000)
            assert model.get_layer("predictions").get_config()["activation"] == "softmax"
        else:
            assert model.input.shape == (None, None, None, 3)
    finally:
        del model
        gc.collect()  # release the weights before the next model is built


def check_tiny_forward(build, kwargs, features, size=32, pooling="avg"):
    """Headless at the smallest input it takes: pooled features of the right width, finite."""
    model = build(weights=None, include_top=False, input_shape=(size, size, 3), pooling=pooling,
                  **kwargs)
    assert model.output.shape == (None, features)
    x = np.random.default_rng(0).random((2, size, size, 3), dtype=np.float32) * 255
    y = model.predict(x, verbose=0)
    assert y.shape == (2, features)
    assert np.isfinite(y).all()
    return y


def check_argument_errors(build):
    """The argument checks every application shares, with Keras's messages."""
    import pytest

    with pytest.raises(ValueError, match="pooling must be None, 'avg' or 'max'"):
        build(weights=None, include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="classes must be 1000"):
        build(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="`weights` argument"):
        build(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="32x32"):
        build(weights=None, include_top=False, input_shape=(31, 31, 3))
    with pytest.raises(ValueError, match="classifier_activation"):
        build(weights="imagenet", classifier_activation="relu")
    with pytest.raises(TypeError, match="input_tensor"):
        build(weights=None, include_top=False, input_tensor=np.zeros((1, 32, 32, 3)))


def check_missing_weights(tmp_path, monkeypatch, build, kwargs, url):
    """Without the ImageNet file: FileNotFoundError naming Keras's URL and the cache folder."""
    import pytest

    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        build(weights="imagenet", **kwargs)
    message = str(info.value)
    assert "https://storage.googleapis.com/" + url in message
    assert str(tmp_path / "models") in message
