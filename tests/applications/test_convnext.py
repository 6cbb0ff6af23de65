"""ConvNeXt: Keras's parameter counts and layer names, a small forward pass, LayerScale and
StochasticDepth, argument checks, and the model-file round trip.

ConvNeXtTiny's count (28,589,128) is Keras's; the other counts are derived from the
architecture (the Keras table rounds them: 50.2M / 88.5M / 197.7M / 350.1M). The stem
``Normalization`` is given its mean / variance, so (as in Keras) it holds no weights.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

from cuflow import applications as apps
from cuflow.applications import convnext
from cuflow.models import load_model

from ._checks import check_argument_errors

slow = pytest.mark.slow


@pytest.mark.parametrize("build, count, name", [
    (apps.ConvNeXtTiny, 28_589_128, "convnext_tiny"),
    pytest.param(apps.ConvNeXtSmall, 50_223_688, "convnext_small", marks=slow),
    pytest.param(apps.ConvNeXtBase, 88_591_464, "convnext_base", marks=slow),
    pytest.param(apps.ConvNeXtLarge, 197_767_336, "convnext_large", marks=slow),
    pytest.param(apps.ConvNeXtXLarge, 350_196_968, "convnext_xlarge", marks=slow),
], ids=lambda v: getattr(v, "__name__", None))
def test_parameter_count_and_names(build, count, name):
    model = build(weights=None)
    try:
        assert model.count_params() == count
        assert model.name == name
        assert model.input.shape == (None, 224, 224, 3)
        assert model.output.shape == (None, 1000)
        names = {layer.name for layer in model.layers}
        assert len(names) == len(model.layers)
        for suffix in ["prestem_normalization", "stem", "stage_0_block_0_depthwise_conv",
                       "stage_0_block_0_layernorm", "stage_0_block_0_pointwise_conv_1",
                       "stage_0_block_0_gelu", "stage_0_block_0_pointwise_conv_2",
                       "stage_0_block_0_layer_scale", "stage_0_block_0_identity",
                       "downsampling_block_0", "downsampling_block_2", "stage_3_block_2_add",
                       "head_gap", "head_layernorm", "head_dense"]:
            assert f"{name}_{suffix}" in names
        stem = model.get_layer(f"{name}_stem")
        assert [sub.name for sub in stem.layers] == [f"{name}_stem_conv",
                                                    f"{name}_stem_layernorm"]
    finally:
        del model
        gc.collect()


def test_tiny_weights_layout():
    model = apps.ConvNeXtTiny(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert len(model.weights) == 180  # 182 with the top, less head LN + Dense, + bare LN
    assert model.get_layer("convnext_tiny_prestem_normalization").weights == []
    dw = model.get_layer("convnext_tiny_stage_0_block_0_depthwise_conv")
    assert dw.kernel.shape == (7, 7, 1, 96) and dw.get_config()["groups"] == 96
    scale = model.get_layer("convnext_tiny_stage_3_block_2_layer_scale")
    np.testing.assert_array_equal(scale.gamma.numpy(), np.full(768, 1e-6, np.float32))
    ln = model.get_layer("convnext_tiny_stage_1_block_0_layernorm")
    assert ln.get_config()["epsilon"] == pytest.approx(1e-6)
    assert model.output.shape == (None, 1, 1, 768)


def test_tiny_forward_pass_with_avg_pooling():
    model = apps.ConvNeXtTiny(weights=None, include_top=False, input_shape=(32, 32, 3),
                              pooling="avg")
    assert model.output.shape == (None, 768)
    x = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32) * 255
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 768) and np.isfinite(y).all()
    # the head LayerNorm (unnamed, as in Keras) normalizes each pooled vector
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-4)


def _small(**kwargs):
    return convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], name="convnext_small_test",
                             weights=None, input_shape=(32, 32, 3), **kwargs)


def test_stochastic_depth_and_layer_scale():
    model = _small(drop_path_rate=0.5, classes=3)
    assert model.get_layer("convnext_small_test_stage_0_block_0_identity").name  # rate 0 first
    depth = model.get_layer("convnext_small_test_stage_3_block_0_stochastic_depth")
    assert depth.drop_path_rate == pytest.approx(0.5)
    x = np.ones((64, 1, 1, 4), np.float32)
    np.testing.assert_array_equal(depth(x).numpy(), x)  # identity at inference
    out = depth(x, training=True).numpy()
    per_sample = out.reshape(64, -1)
    assert set(np.unique(per_sample)) <= {0.0, 2.0}
    assert (per_sample == per_sample[:, :1]).all()  # whole samples are dropped or kept
    assert 0 < (per_sample[:, 0] == 0).sum() < 64
    y = model.predict(np.random.default_rng(2).random((2, 32, 32, 3), dtype=np.float32),
                      verbose=0)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    free = convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], weights=None, include_top=False,
                             layer_scale_init_value=None, include_preprocessing=False)
    assert free.input.shape == (None, None, None, 3)
    assert not any(isinstance(la, convnext.LayerScale) for la in free.layers)
    assert not any("prestem" in la.name for la in free.layers)


def test_file_round_trip(tmp_path):
    model = _small(drop_path_rate=0.2, classes=5)
    for layer in model.layers:
        if isinstance(layer, convnext.LayerScale):
            layer.gamma.assign(np.linspace(0.5, 1.5, layer.projection_dim).astype(np.float32))
    path = tmp_path / "cnx.keras"
    model.save(path)
    loaded = load_model(path)
    assert [la.name for la in loaded.layers] == [la.name for la in model.layers]
    assert isinstance(loaded.get_layer("convnext_small_test_stage_2_block_0_layer_scale"),
                      convnext.LayerScale)
    x = np.random.default_rng(3).random((2, 32, 32, 3), dtype=np.float32) * 255
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_convnext_specific_argument_errors(tmp_path, monkeypatch):
    # the arguments every application shares are checked in test_more_architectures.py
    with pytest.raises(ValueError, match="drop_path_rate"):
        _small(drop_path_rate=1.0)
    with pytest.raises(ValueError, match="4 items"):
        convnext.ConvNeXt([1, 1, 1], [8, 16, 24], weights=None)
    with pytest.raises(ValueError, match="no ImageNet weights"):
        convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], weights="imagenet")
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        apps.ConvNeXtBase(weights="imagenet", include_top=False)
    assert ("https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
            "convnext_base_notop.h5") in str(info.value)
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    assert convnext.preprocess_input(x) is x


def test_weights_from_local_file(tmp_path):
    model = _small(classes=4)
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    again = convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], name="convnext_small_test",
                              weights=str(path), input_shape=(32, 32, 3), classes=4)
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_shared_argument_errors():
    check_argument_errors(apps.ConvNeXtTiny)
