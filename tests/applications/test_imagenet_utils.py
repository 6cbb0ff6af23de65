"""preprocess_input modes against their formulas; decode_predictions with a local index."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cuflow import Tensor
from cuflow.applications import (
    imagenet_utils,
    inception_v3,
    mobilenet_v2,
    resnet50,
    vgg16,
    vgg19,
    xception,
)

MEAN_BGR = np.array([103.939, 116.779, 123.68], np.float32)


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (2, 4, 5, 3)).astype(np.float32)


def test_caffe_mode_flips_to_bgr_and_subtracts_mean(images):
    out = imagenet_utils.preprocess_input(images, mode="caffe")
    np.testing.assert_allclose(out, images[..., ::-1] - MEAN_BGR, rtol=1e-6)


def test_tf_mode_scales_to_minus_one_one(images):
    out = imagenet_utils.preprocess_input(images, mode="tf")
    np.testing.assert_allclose(out, images / 127.5 - 1.0, rtol=1e-6)
    assert out.min() >= -1 and out.max() <= 1


def test_torch_mode_normalises_rgb(images):
    out = imagenet_utils.preprocess_input(images, mode="torch")
    expected = (images / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224,
                                                                             0.225])
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_channels_first_single_image(images):
    chw = images[0].transpose(2, 0, 1)
    out = imagenet_utils.preprocess_input(chw, data_format="channels_first", mode="caffe")
    expected = (images[0][..., ::-1] - MEAN_BGR).transpose(2, 0, 1)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_integer_input_becomes_float_and_input_is_not_modified(images):
    as_uint8 = images.astype(np.uint8)
    out = imagenet_utils.preprocess_input(as_uint8, mode="tf")
    assert out.dtype == np.float32
    before = images.copy()
    imagenet_utils.preprocess_input(images, mode="caffe")
    np.testing.assert_array_equal(images, before)


def test_tensor_input_goes_through_ops(images):
    out = imagenet_utils.preprocess_input(Tensor(images), mode="caffe")
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), images[..., ::-1] - MEAN_BGR, rtol=1e-6)


@pytest.mark.parametrize("module, mode", [
    (vgg16, "caffe"), (vgg19, "caffe"), (resnet50, "caffe"), (mobilenet_v2, "tf"),
    (xception, "tf"), (inception_v3, "tf")])
def test_each_model_uses_its_keras_mode(images, module, mode):
    np.testing.assert_allclose(module.preprocess_input(images),
                               imagenet_utils.preprocess_input(images, mode=mode))


def test_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="keras")


@pytest.fixture
def class_index(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX", None)
    folder = tmp_path / "models"
    folder.mkdir()
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (folder / "imagenet_class_index.json").write_text(json.dumps(index))
    return index


def test_decode_predictions_top_k(class_index):
    preds = np.zeros((2, 1000), np.float32)
    preds[0, [5, 7, 9]] = [0.2, 0.5, 0.3]
    preds[1, 999] = 1.0
    out = vgg16.decode_predictions(preds, top=3)
    assert [r[:2] for r in out[0]] == [("n00000007", "class_7"), ("n00000009", "class_9"),
                                       ("n00000005", "class_5")]
    assert out[0][0][2] == pytest.approx(0.5)
    assert out[1][0][:2] == ("n00000999", "class_999")
    assert len(imagenet_utils.decode_predictions(preds)[0]) == 5


def test_decode_predictions_validates_shape(class_index):
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="shape"):
        imagenet_utils.decode_predictions(np.zeros(1000))


def test_decode_predictions_missing_index_names_file_and_url(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX", None)
    with pytest.raises(FileNotFoundError) as info:
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    message = str(info.value)
    assert "imagenet_class_index.json" in message
    assert str(tmp_path / "models") in message
    assert ("https://storage.googleapis.com/download.tensorflow.org/data/"
            "imagenet_class_index.json") in message


def test_decode_predictions_rejects_a_malformed_index(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX", None)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "imagenet_class_index.json").write_text('{"0": ["a", "b"]}')
    with pytest.raises(ValueError, match="class index"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
