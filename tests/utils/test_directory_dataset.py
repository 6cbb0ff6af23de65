"""cuflow.utils.directory_dataset: image and text datasets from class folders (labels, modes,
splits, resizing, crops) written by the test with Pillow."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import cuflow as tf
from cuflow import utils

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture
def image_dir(tmp_path):
    root = tmp_path / "images"
    for cls, value, count in (("cats", 40, 6), ("dogs", 200, 4)):
        (root / cls).mkdir(parents=True)
        for i in range(count):
            arr = np.full((6, 8, 3), value + i, dtype=np.uint8)
            PIL.fromarray(arr).save(root / cls / f"img{i}.png")
    (root / "dogs" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root


def _all(ds):
    xs, ys = zip(*list(ds))
    return np.concatenate(xs), np.concatenate(ys)


def test_image_dataset_inferred_labels(image_dir):
    ds = utils.image_dataset_from_directory(image_dir, image_size=(3, 4), batch_size=4,
                                            shuffle=False, verbose=False)
    assert ds.class_names == ["cats", "dogs"] and len(ds) == 3
    x, y = _all(ds)
    assert x.shape == (10, 3, 4, 3) and x.dtype == np.float32 and y.dtype == np.int32
    np.testing.assert_array_equal(y, [0] * 6 + [1] * 4)
    # constant images stay constant through the bilinear resize; value identifies the file
    np.testing.assert_allclose(x[:, 0, 0, 0], [40, 41, 42, 43, 44, 45, 200, 201, 202, 203])
    assert ds.file_paths[0].endswith("img0.png")
    assert tf.keras.utils.image_dataset_from_directory is utils.image_dataset_from_directory


@pytest.mark.parametrize("mode,shape,dtype", [("categorical", (10, 2), np.float32),
                                              ("binary", (10, 1), np.float32)])
def test_image_dataset_label_modes(image_dir, mode, shape, dtype):
    ds = utils.image_dataset_from_directory(image_dir, label_mode=mode, image_size=(2, 2),
                                            shuffle=False, verbose=False, color_mode="grayscale")
    x, y = ds[0]
    assert x.shape == (10, 2, 2, 1) and y.shape == shape and y.dtype == dtype
    if mode == "categorical":
        np.testing.assert_array_equal(y.argmax(1), [0] * 6 + [1] * 4)


def test_image_dataset_no_labels_class_names_and_errors(image_dir):
    ds = utils.image_dataset_from_directory(image_dir, labels=None, image_size=(2, 2),
                                            shuffle=False, verbose=False)
    assert ds.class_names is None and ds[0].shape == (10, 2, 2, 3)
    only = utils.image_dataset_from_directory(image_dir, class_names=["dogs"],
                                              image_size=(2, 2), verbose=False, shuffle=False)
    assert only.class_names == ["dogs"] and len(only.file_paths) == 4
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        utils.image_dataset_from_directory(image_dir, class_names=["birds"], verbose=False)
    with pytest.raises(ValueError, match="`label_mode` argument must be one of"):
        utils.image_dataset_from_directory(image_dir, label_mode="sparse", verbose=False)
    with pytest.raises(ValueError, match="`color_mode` must be one of"):
        utils.image_dataset_from_directory(image_dir, color_mode="cmyk", verbose=False)
    with pytest.raises(ValueError, match="you must provide a `seed`"):
        utils.image_dataset_from_directory(image_dir, validation_split=0.2, subset="training",
                                           verbose=False)
    with pytest.raises(ValueError, match="If `subset` is set, `validation_split` must be set"):
        utils.image_dataset_from_directory(image_dir, subset="training", verbose=False)
    with pytest.raises(ValueError, match="No images found"):
        utils.image_dataset_from_directory(image_dir / ".hidden", verbose=False)


def test_image_dataset_validation_split_both(image_dir):
    kw = dict(image_size=(2, 2), batch_size=3, validation_split=0.3, seed=123, verbose=False)
    train, val = utils.image_dataset_from_directory(image_dir, subset="both", **kw)
    assert len(train.file_paths) == 7 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    assert train.class_names == val.class_names == ["cats", "dogs"]
    # reproducible: the separate subsets with the same seed are the same files
    t2 = utils.image_dataset_from_directory(image_dir, subset="training", **kw)
    v2 = utils.image_dataset_from_directory(image_dir, subset="validation", **kw)
    assert t2.file_paths == train.file_paths and v2.file_paths == val.file_paths
    # and equal to Keras's order: sorted files shuffled by np.random.RandomState(seed)
    files = sorted(str(p) for p in image_dir.glob("*/*.png"))
    np.random.RandomState(123).shuffle(files)
    assert train.file_paths + val.file_paths == files
    _, y = _all(val)
    expected = [0 if "/cats/" in p else 1 for p in val.file_paths]
    np.testing.assert_array_equal(y, expected)


def test_image_dataset_resize_crop_and_fit(image_dir, tmp_path):
    grad = np.tile(np.arange(4, dtype=np.uint8)[None, :, None] * 10, (2, 1, 3))  # 2x4 ramp
    folder = tmp_path / "ramp" / "a"
    folder.mkdir(parents=True)
    PIL.fromarray(grad).save(folder / "r.png")
    ds = utils.image_dataset_from_directory(tmp_path / "ramp", image_size=(2, 8),
                                            verbose=False)
    row = ds[0][0][0, 0, :, 0]
    # TF half-pixel bilinear: 4 -> 8 columns
    np.testing.assert_allclose(row, [0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 30])
    near = utils.image_dataset_from_directory(tmp_path / "ramp", image_size=(2, 2),
                                              interpolation="nearest", verbose=False)
    np.testing.assert_allclose(near[0][0][0, 0, :, 0], [10, 30])
    crop = utils.image_dataset_from_directory(tmp_path / "ramp", image_size=(2, 2),
                                              crop_to_aspect_ratio=True,
                                              interpolation="nearest", verbose=False)
    np.testing.assert_allclose(crop[0][0][0, 0, :, 0], [10, 20])  # centre 2x2 crop
    ds = utils.image_dataset_from_directory(image_dir, image_size=(4, 4), batch_size=4, seed=1,
                                            verbose=False)
    model = tf.Sequential([tf.layers.Input((4, 4, 3)), tf.layers.Rescaling(1 / 255),
                           tf.layers.Flatten(), tf.layers.Dense(2)])
    model.compile(optimizer="adam", loss=tf.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    model.fit(ds.map(lambda x, y: (x, y)).prefetch(2), epochs=2, verbose=0)
    assert model.predict(ds.take(1), verbose=0).shape == (4, 2)


def test_image_dataset_needs_pillow(image_dir, monkeypatch):
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r"cuflow\[image\]"):
        utils.image_dataset_from_directory(image_dir, verbose=False)


def test_text_dataset(tmp_path):
    root = tmp_path / "texts"
    docs = {"neg": ["bad movie", "awful"], "pos": ["great film", "loved it", "wonderful é"]}
    for cls, texts in docs.items():
        (root / cls).mkdir(parents=True)
        for i, t in enumerate(texts):
            (root / cls / f"{i}.txt").write_text(t, encoding="utf-8")
    ds = utils.text_dataset_from_directory(root, batch_size=2, shuffle=False, verbose=False)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    x, y = ds[0]
    assert x.dtype.kind == "U" and x.tolist() == ["bad movie", "awful"]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in ds]), [0, 0, 1, 1, 1])
    short = utils.text_dataset_from_directory(root, max_length=4, shuffle=False, batch_size=None,
                                              label_mode="categorical", verbose=False)
    text, label = short[4]
    assert text == "wond" and label.tolist() == [0.0, 1.0]
    train, val = utils.text_dataset_from_directory(root, validation_split=0.4, subset="both",
                                                   seed=3, verbose=False)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    with pytest.raises(ValueError, match='there must be exactly 2 class_names'):
        utils.text_dataset_from_directory(root, class_names=["pos"], label_mode="binary",
                                          verbose=False)
