"""flow_from_directory on PNG / JPEG files written by the test, and the Pillow helpers."""

from __future__ import annotations

import sys

import numpy as np
import pytest

pytest.importorskip("PIL", reason="image files need Pillow (pip install 'cuflow[image]')")

from cuflow.preprocessing.image import (  # noqa: E402
    ImageDataGenerator,
    array_to_img,
    img_to_array,
    load_img,
    save_img,
)


def pixel_image(value, h=6, w=8):
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = value
    img[..., 1] = np.arange(w)[None, :] * 10
    img[..., 2] = np.arange(h)[:, None] * 20
    return img


@pytest.fixture
def image_dir(tmp_path):
    """cat/{0,1,2}.png and dog/{0,1,2}.png (+ one JPEG and a non-image file to skip)."""
    from PIL import Image

    for k, cls in enumerate(["cat", "dog"]):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(pixel_image(100 * k + i)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    (tmp_path / "bird").mkdir()
    Image.fromarray(pixel_image(250)).save(tmp_path / "bird" / "a.jpg", quality=95)
    return tmp_path


def test_scan_finds_classes_files_and_labels(image_dir, capsys):
    it = ImageDataGenerator().flow_from_directory(str(image_dir), target_size=(6, 8),
                                                  shuffle=False, batch_size=4)
    assert "Found 7 images belonging to 3 classes." in capsys.readouterr().out
    assert it.class_indices == {"bird": 0, "cat": 1, "dog": 2}
    assert it.samples == 7 and len(it) == 2
    assert it.filenames[:2] == ["bird/a.jpg", "cat/0.png"]
    assert list(it.classes) == [0, 1, 1, 1, 2, 2, 2]
    bx, by = it[0]
    assert bx.shape == (4, 6, 8, 3) and bx.dtype == np.float32
    np.testing.assert_array_equal(bx[1], pixel_image(0).astype(np.float32))  # PNG is lossless
    np.testing.assert_array_equal(by, np.eye(3, dtype=np.float32)[[0, 1, 1, 1]])


def test_explicit_classes_and_class_modes(image_dir):
    gen = ImageDataGenerator(rescale=1 / 255)
    kwargs = {"target_size": (6, 8), "classes": ["dog", "cat"], "shuffle": False,
              "batch_size": 6}
    bx, by = gen.flow_from_directory(str(image_dir), class_mode="sparse", **kwargs)[0]
    np.testing.assert_array_equal(by, [0, 0, 0, 1, 1, 1])
    assert bx.max() <= 1.0
    _, by = gen.flow_from_directory(str(image_dir), class_mode="binary", **kwargs)[0]
    assert by.dtype == np.float32
    bx = gen.flow_from_directory(str(image_dir), class_mode=None, **kwargs)[0]
    assert isinstance(bx, np.ndarray)
    bx, by = gen.flow_from_directory(str(image_dir), class_mode="input", **kwargs)[0]
    np.testing.assert_array_equal(bx, by)


def test_resizing_grayscale_and_rgba(image_dir):
    gen = ImageDataGenerator()
    it = gen.flow_from_directory(str(image_dir), target_size=(3, 4), color_mode="grayscale",
                                 interpolation="bilinear", classes=["cat"])
    assert it[0][0].shape == (3, 3, 4, 1)
    it = gen.flow_from_directory(str(image_dir), target_size=(5, 5), color_mode="rgba",
                                 classes=["cat"])
    assert it[0][0].shape == (3, 5, 5, 4)


def test_subset_splits_each_class(image_dir):
    gen = ImageDataGenerator(validation_split=0.34)
    kwargs = {"target_size": (6, 8), "classes": ["cat", "dog"], "shuffle": False}
    val = gen.flow_from_directory(str(image_dir), subset="validation", **kwargs)
    train = gen.flow_from_directory(str(image_dir), subset="training", **kwargs)
    assert val.filenames == ["cat/0.png", "dog/0.png"]
    assert train.filenames == ["cat/1.png", "cat/2.png", "dog/1.png", "dog/2.png"]


def test_shuffled_directory_batches_are_seeded(image_dir):
    gen = ImageDataGenerator(horizontal_flip=True)
    a = gen.flow_from_directory(str(image_dir), target_size=(6, 8), batch_size=7, seed=4)[0]
    b = gen.flow_from_directory(str(image_dir), target_size=(6, 8), batch_size=7, seed=4)[0]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_missing_directory_and_bad_arguments(tmp_path):
    gen = ImageDataGenerator()
    with pytest.raises(FileNotFoundError):
        gen.flow_from_directory(str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(str(tmp_path), class_mode="onehot")


def test_helpers_round_trip(tmp_path):
    x = pixel_image(7).astype(np.float32)
    img = array_to_img(x, scale=False)
    assert img.size == (8, 6) and img.mode == "RGB"
    np.testing.assert_array_equal(img_to_array(img), x)
    assert img_to_array(img, data_format="channels_first").shape == (3, 6, 8)
    save_img(tmp_path / "x.png", x, scale=False)
    loaded = load_img(tmp_path / "x.png", target_size=(3, 4))
    assert loaded.size == (4, 3)
    gray = img_to_array(load_img(tmp_path / "x.png", color_mode="grayscale"))
    assert gray.shape == (6, 8, 1)
    scaled = img_to_array(array_to_img(np.linspace(0, 1, 12).reshape(2, 2, 3)))
    assert scaled.min() == 0 and scaled.max() == 255


def test_missing_pillow_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r'pip install "cuflow\[image\]"'):
        array_to_img(np.zeros((2, 2, 3)))
