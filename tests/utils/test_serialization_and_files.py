"""register_keras_serializable / custom_object_scope / serialize_keras_object, get_file
(offline, hash checks, safe extraction) and the image file helpers."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import numpy as np
import pytest

import cuflow as tf
from cuflow import utils
from cuflow.saving import registry


@utils.register_keras_serializable(package="UtilsTest")
class Scale(tf.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Shift(tf.layers.Layer):  # not registered: found through scopes / custom objects only
    def __init__(self, by=1.0, **kwargs):
        super().__init__(**kwargs)
        self.by = by

    def call(self, x):
        return x + self.by

    def get_config(self):
        return {**super().get_config(), "by": self.by}


def _model(layer):
    model = tf.Sequential([tf.layers.Input((3,)), tf.layers.Dense(2), layer])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_registered_custom_layer_saves_and_loads(tmp_path):
    assert utils.get_custom_objects()["UtilsTest>Scale"] is Scale
    assert utils.get_registered_name(Scale) == "UtilsTest>Scale"
    model = _model(Scale(3.0))
    x = np.ones((2, 3), "float32")
    path = tmp_path / "m.cuflow"
    model.save(path)
    loaded = tf.saving.load_model(path)
    assert isinstance(loaded.layers[-1], Scale) and loaded.layers[-1].factor == 3.0
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_object_scope_and_get_custom_objects(tmp_path):
    model = _model(Shift(0.5))
    path = tmp_path / "s.cuflow"
    with utils.custom_object_scope({"Shift": Shift}):
        model.save(path)  # savable while the scope names the class
        loaded = tf.saving.load_model(path)
    assert isinstance(loaded.layers[-1], Shift)
    with pytest.raises(ValueError, match="Shift"):
        tf.saving.load_model(path)  # scope gone: unknown
    utils.get_custom_objects()["Shift"] = Shift
    try:
        assert isinstance(tf.saving.load_model(path).layers[-1], Shift)
    finally:
        del utils.get_custom_objects()["Shift"]
    with utils.CustomObjectScope({"Shift": Shift}) as scope:
        assert registry.scope_objects() == {"Shift": Shift} and scope.custom_objects
    assert registry.scope_objects() == {}
    with pytest.raises(ValueError, match="reserved"):
        utils.custom_object_scope({"Lambda": Shift})


def test_serialize_deserialize_keras_object():
    cfg = utils.serialize_keras_object(Scale(1.5, name="s"))
    assert cfg["class_name"] == "Scale" and cfg["registered_name"] == "UtilsTest>Scale"
    assert cfg["config"]["factor"] == 1.5
    obj = utils.deserialize_keras_object(cfg)
    assert isinstance(obj, Scale) and obj.factor == 1.5 and obj.name == "s"
    dense = utils.deserialize_keras_object(utils.serialize_keras_object(
        tf.layers.Dense(4, activation="relu")))
    assert isinstance(dense, tf.layers.Dense) and dense.units == 4
    init = utils.deserialize_keras_object(utils.serialize_keras_object(
        tf.initializers.Constant(0.25)))
    assert isinstance(init, tf.initializers.Constant)
    relu = utils.serialize_keras_object(tf.activations.relu)
    assert relu["class_name"] == "function" and relu["config"] == "relu"
    assert utils.deserialize_keras_object(relu) is tf.activations.relu
    arr = utils.deserialize_keras_object(utils.serialize_keras_object(np.arange(3.0)))
    np.testing.assert_array_equal(arr, [0, 1, 2])
    assert utils.deserialize_keras_object({"a": [1, "x", None]}) == {"a": [1, "x", None]}
    assert tf.saving.serialize_keras_object is utils.serialize_keras_object
    with pytest.raises(ValueError, match="cannot serialize a lambda"):
        utils.serialize_keras_object(lambda v: v)
    with pytest.raises(ValueError, match="never loads"):
        utils.deserialize_keras_object({"class_name": "__lambda__", "config": {"value": "x"}})
    with pytest.raises(ValueError, match="never loads"):
        utils.deserialize_keras_object({"class_name": "Lambda", "config": {}})
    with pytest.raises(ValueError, match="Could not locate class 'Nope'"):
        utils.deserialize_keras_object({"module": "os", "class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="not registered"):
        utils.serialize_keras_object(Shift())
    with utils.custom_object_scope({"Shift": Shift}):
        shift = utils.deserialize_keras_object({"class_name": "Shift", "config": {"by": 2.0}})
    assert isinstance(shift, Shift) and shift.by == 2.0


# ---- get_file ----------------------------------------------------------------------------------
URL = "https://example.invalid/files/data.bin"


def test_get_file_cached_with_hash(tmp_path, monkeypatch):
    from cuflow.datasets import _cache

    def no_network(*a, **k):
        raise AssertionError("get_file touched the network")

    monkeypatch.setattr(_cache, "_urlopen", no_network)
    monkeypatch.delenv("CUFLOW_ALLOW_DOWNLOAD", raising=False)
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    payload = b"hello cuflow"
    (cache / "datasets" / "data.bin").write_bytes(payload)
    sha, md5 = hashlib.sha256(payload).hexdigest(), hashlib.md5(payload).hexdigest()
    got = utils.get_file(origin=URL, cache_dir=cache, file_hash=sha)
    assert got == str(cache / "datasets" / "data.bin")
    assert utils.get_file("data.bin", URL, cache_dir=cache, md5_hash=md5) == got
    assert utils.get_file(origin=URL, cache_dir=cache, file_hash=md5, hash_algorithm="md5") == got
    with pytest.raises(ValueError, match="does not match the expected sha256 hash"):
        utils.get_file(origin=URL, cache_dir=cache, file_hash="0" * 64)
    with pytest.raises(FileNotFoundError, match=r"example.invalid/files/other.bin.*"
                                                r"place it at .*cache/datasets/other.bin"):
        utils.get_file(origin="https://example.invalid/files/other.bin", cache_dir=cache)
    monkeypatch.setenv("CUFLOW_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="CUFLOW_OFFLINE is set"):
        utils.get_file(origin="https://example.invalid/x.bin", cache_dir=cache,
                       allow_download=True)
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        utils.get_file("a/b.bin", URL, cache_dir=cache)


def test_get_file_download_when_allowed(tmp_path, monkeypatch):
    from cuflow.datasets import _cache

    payload = b"served bytes"
    monkeypatch.delenv("CUFLOW_OFFLINE", raising=False)
    monkeypatch.setattr(_cache, "_urlopen", lambda url, timeout: io.BytesIO(payload))
    got = utils.get_file(origin=URL, cache_dir=tmp_path, allow_download=True,
                         file_hash=hashlib.sha256(payload).hexdigest())
    with open(got, "rb") as f:
        assert f.read() == payload
    with pytest.raises(ValueError, match="Incomplete or corrupted file"):
        utils.get_file("bad.bin", URL, cache_dir=tmp_path, allow_download=True,
                       file_hash="1" * 64)
    assert not (tmp_path / "datasets" / "bad.bin").exists()
    assert [p.name for p in (tmp_path / "datasets").iterdir()] == ["data.bin"]


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_get_file_extracts_archives_safely(tmp_path):
    datadir = tmp_path / "datasets"
    datadir.mkdir()
    _tar(datadir / "good.tar.gz", {"good/a.txt": b"A", "good/sub/b.txt": b"B"})
    out = utils.get_file("good.tar.gz", "https://example.invalid/good.tar.gz",
                         cache_dir=tmp_path, extract=True)
    assert out == str(datadir / "good_extracted")
    assert (datadir / "good_extracted" / "good" / "sub" / "b.txt").read_bytes() == b"B"
    _tar(datadir / "evil.tar.gz", {"ok.txt": b"x", "../escaped.txt": b"pwned"})
    with pytest.raises(ValueError, match=r"'../escaped.txt' would be written outside"):
        utils.get_file("evil.tar.gz", "https://example.invalid/evil.tar.gz",
                       cache_dir=tmp_path, extract=True)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (datadir / "evil_extracted" / "ok.txt").exists()  # nothing written
    with zipfile.ZipFile(datadir / "evil.zip", "w") as zf:
        zf.writestr("../../zip_escaped.txt", b"pwned")
    with pytest.raises(ValueError, match="would be written outside"):
        utils.get_file("evil.zip", "https://example.invalid/evil.zip", cache_dir=tmp_path,
                       extract=True)
    assert not (tmp_path.parent / "zip_escaped.txt").exists()
    with zipfile.ZipFile(datadir / "ok.zip", "w") as zf:
        zf.writestr("inner/c.txt", b"C")
    out = utils.get_file("ok.zip", "https://example.invalid/ok.zip", cache_dir=tmp_path,
                         extract=True)
    assert (datadir / "ok_extracted" / "inner" / "c.txt").read_bytes() == b"C"
    with tarfile.open(datadir / "link.tar", "w") as tar:
        info = tarfile.TarInfo("link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(ValueError, match="points outside"):
        utils.get_file("link.tar", "https://example.invalid/link.tar", cache_dir=tmp_path,
                       extract=True)


# ---- image helpers -----------------------------------------------------------------------------
def test_image_helpers_round_trip(tmp_path):
    pytest.importorskip("PIL")
    x = np.zeros((4, 5, 3), "float32")
    x[1, 2] = [255, 128, 0]
    path = tmp_path / "img.png"
    utils.save_img(path, x, scale=False)
    assert [p.name for p in tmp_path.iterdir()] == ["img.png"]  # no temp file left behind
    back = utils.img_to_array(utils.load_img(path))
    np.testing.assert_array_equal(back, x)
    img = utils.array_to_img(x, scale=False)
    assert img.size == (5, 4) and img.mode == "RGB"
    gray = utils.img_to_array(utils.load_img(path, color_mode="grayscale", target_size=(2, 2)))
    assert gray.shape == (2, 2, 1)
    utils.save_img(tmp_path / "a.jpg", np.ones((2, 2, 4)) * 100)
    buf = io.BytesIO()
    utils.save_img(buf, x, file_format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="cannot tell the image format"):
        utils.save_img(tmp_path / "noext", x)
    assert tf.keras.utils.Progbar is tf.callbacks.Progbar
    assert tf.keras.utils.load_img is tf.preprocessing.image.load_img
