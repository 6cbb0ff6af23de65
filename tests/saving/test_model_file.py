"""The model file's reader against a corpus of crafted hostile files: each must be refused with
UnsafeModelError / ValueError, nothing in it may run (a canary file proves it), and loading
writes nothing; a sound file gives a plan that builds nothing."""

from __future__ import annotations

import io
import json
import os
import pickle
import stat
import zipfile

import numpy as np
import pytest

import cuflow
from cuflow import layers, models
from cuflow.errors import UnsafeModelError

from ._helpers import listing, read_members, write_members


class Canary:
    """Unpickling this runs os.system, which would create the canary file."""

    path = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def npy(array, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def npz(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def base(tmp_path):
    cuflow.utils.set_random_seed(0)
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, name="d")])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 3), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "base.cuflow")
    return read_members(tmp_path / "base.cuflow")


def with_config(members, mutate):
    config = json.loads(members["config.json"])
    mutate(config)
    return {**members, "config.json": json.dumps(config).encode()}


def dense_cfg(config):
    return config["config"]["layers"][1]["config"]


def set_layer(key, value):
    return lambda c: dense_cfg(c).__setitem__(key, value)


def keras_config(layer_entry):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "s", "layers": [
                {"module": "keras.layers", "class_name": "InputLayer",
                 "config": {"batch_shape": [None, 4], "name": "i"}}, layer_entry]}}


def keras_members(config):
    return {"metadata.json": b"{}", "config.json": json.dumps(config).encode(),
            "model.weights.h5": b"\x89HDF\r\n\x1a\n"}


# name -> (builder(members, canary_path) -> members or raw bytes, expected error type, match)
CORPUS = {
    "pickle_in_npz": (lambda m, c: {**m, "model.weights.npz": npz(
        {"layers/d/0.npy": pickle.dumps(Canary()), "layers/d/1.npy": npy(np.zeros(3, "f4"))})},
        UnsafeModelError, "pickled"),
    "pickle_as_whole_npz": (lambda m, c: {**m, "model.weights.npz": pickle.dumps(Canary())},
                            ValueError, "not a readable archive"),
    "object_array_in_npz": (lambda m, c: {**m, "model.weights.npz": npz(
        {"layers/d/0.npy": npy(np.array([Canary()], dtype=object), allow_pickle=True)})},
        UnsafeModelError, "object array"),
    "pickled_optimizer_state": (lambda m, c: {**m, "optimizer.npz": npz(
        {"0.npy": pickle.dumps(Canary())})}, UnsafeModelError, "pickled"),
    "class_os_system": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"][1].update(
        class_name="os.system")), UnsafeModelError, "Python code"),
    "activation_eval": (lambda m, c: with_config(m, set_layer("activation", "eval")),
                        UnsafeModelError, "eval"),
    "module_importlib": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"][1].update(
        module="importlib", class_name="import_module")), UnsafeModelError, "import"),
    "dunder_import": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"][1].update(
        class_name="__import__")), UnsafeModelError, "Python code"),
    "builtins_path_string": (lambda m, c: with_config(m, set_layer("kernel_initializer",
                                                                   "builtins.exec")),
                             UnsafeModelError, "Python code"),
    "cuflow_function_not_layer": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"][
        1].update(module="cuflow.saving", class_name="save_model")), ValueError, "save_model"),
    "cuflow_dotted_function": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"][
        1].update(class_name="cuflow.saving.save_model")), UnsafeModelError, "class name"),
    "safe_mode_top_level": (lambda m, c: with_config(m, lambda cf: cf.update(safe_mode=False)),
                            UnsafeModelError, "safe_mode"),
    "safe_mode_nested": (lambda m, c: with_config(m, set_layer("safe_mode", False)),
                         UnsafeModelError, "safe_mode"),
    "file_path_in_config": (lambda m, c: with_config(m, set_layer("name", "/etc/passwd")),
                            UnsafeModelError, "path or URL"),
    "url_in_config": (lambda m, c: with_config(m, set_layer("kernel_initializer",
                                                            "https://evil.example/init")),
                      UnsafeModelError, "path or URL"),
    "dotdot_path_in_config": (lambda m, c: with_config(m, set_layer("dtype", "../../x")),
                              UnsafeModelError, "path or URL"),
    "lambda_layer": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"].append(
        {"class_name": "Lambda", "config": {"name": "lam", "function": "identity"}})),
        UnsafeModelError, "Lambda layers"),
    "lambda_with_code": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"].append(
        {"class_name": "Lambda", "config": {"function": "lambda x: __import__('os')"}})),
        UnsafeModelError, "Python code"),
    "keras_lambda_function": (lambda m, c: keras_members(keras_config(
        {"module": "keras.layers", "class_name": "Lambda", "config": {"function": {
            "class_name": "__lambda__", "config": {"code": "YWJj"}}}})), UnsafeModelError,
        "Lambda|Python code"),
    "keras_module_os": (lambda m, c: keras_members(keras_config(
        {"module": "os", "class_name": "system", "config": {}})), UnsafeModelError, "system"),
    "unknown_class": (lambda m, c: with_config(m, lambda cf: cf["config"]["layers"][1].update(
        class_name="NotARealLayer")), ValueError, "NotARealLayer"),
    "weights_kwarg_in_config": (lambda m, c: with_config(m, set_layer("weights", [[1.0]])),
                                UnsafeModelError, "weight values"),
    "huge_units": (lambda m, c: with_config(m, set_layer("units", 10 ** 12)),
                   UnsafeModelError, "limit"),
    "dunder_key": (lambda m, c: with_config(m, set_layer("__reduce__", ["os.system", "id"])),
                   UnsafeModelError, "Python code"),
    "member_dotdot": (lambda m, c: {**m, "../evil.txt": b"x"}, UnsafeModelError, "unsafe path"),
    "member_absolute": (lambda m, c: {**m, "/tmp/evil.txt": b"x"}, UnsafeModelError,
                        "unsafe path"),
    "member_backslash": (lambda m, c: {**m, "..\\evil.txt": b"x"}, UnsafeModelError,
                         "unsafe path"),
    "unexpected_member": (lambda m, c: {**m, "payload.py": b"import os"}, UnsafeModelError,
                          "unexpected member"),
    "duplicate_member": (lambda m, c: list(m.items()) + [("config.json", b"{}")],
                         UnsafeModelError, "twice"),
    "zip_bomb": (lambda m, c: {**m, "optimizer.npz": bytes(64 << 20)}, UnsafeModelError,
                 "zip bomb"),
    "npz_bomb": (lambda m, c: {**m, "model.weights.npz": _deflated_npz(64 << 20)},
                 UnsafeModelError, "zip bomb"),
    "huge_declared_shape": (lambda m, c: {**m, "model.weights.npz": npz(
        {"layers/d/0.npy": _header_only((10 ** 7, 10 ** 7))})}, UnsafeModelError,
        "too large to allocate"),
    "shape_lies_about_bytes": (lambda m, c: {**m, "model.weights.npz": npz(
        {"layers/d/0.npy": _header_only((4, 3))})}, ValueError, "truncated"),
    "wrong_weight_shape": (lambda m, c: {**m, "model.weights.npz": npz(
        {"layers/d/0.npy": npy(np.zeros((4, 5), "f4")), "layers/d/1.npy": npy(np.zeros(
            3, "f4"))})}, ValueError, r"layer 'd' weight 0.*expected shape \(4, 3\), received "
        r"\(4, 5\)"),
    "string_array": (lambda m, c: {**m, "model.weights.npz": npz(
        {"layers/d/0.npy": npy(np.array(["rm -rf"]))})}, UnsafeModelError, "dtype"),
    "future_format": (lambda m, c: with_config(m, lambda cf: cf.update(format_version=99)),
                      ValueError, "upgrade"),
    "duplicate_json_key": (lambda m, c: {**m, "config.json": b'{"format": "cuflow", '
                                         b'"format": "other"}'}, UnsafeModelError, "repeats"),
    "not_json": (lambda m, c: {**m, "config.json": b"\x80\x04 not json"}, ValueError, "UTF-8"),
    "hash_mismatch": (lambda m, c: {**m, "model.weights.npz": npz(
        {"layers/d/0.npy": npy(np.ones((4, 3), "f4")), "layers/d/1.npy": npy(np.ones(3, "f4"))}
    )}, ValueError, "hash"),
}
RAW = {
    "truncated_file": lambda m: _zip_bytes(m)[: len(_zip_bytes(m)) // 2],
    "non_zip_garbage": lambda m: b"\x7fELF" + os.urandom(256),
    "empty_file": lambda m: b"",
    "symlink_member": lambda m: _symlink_zip(m),
    "pickle_file": lambda m: pickle.dumps(Canary()),
}
NO_HASH_FIX = {"hash_mismatch"}


def _header_only(shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + b"\x00" * 16


def _deflated_npz(size):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("layers/d/0.npy", bytes(size))
    return buf.getvalue()


def _zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _symlink_zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            if name == "model.weights.npz":
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, b"/etc/passwd")
            else:
                zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    Canary.path = str(folder / "CANARY")
    members = base(folder)
    paths = {}
    for name, (build, _, _) in CORPUS.items():
        paths[name] = write_members(folder / f"{name}.cuflow", build(members, Canary.path),
                                    fix_hash=name not in NO_HASH_FIX)
    for name, build in RAW.items():
        (folder / f"{name}.cuflow").write_bytes(build(members))
        paths[name] = folder / f"{name}.cuflow"
    return folder, paths


def test_corpus_is_large_enough():
    assert len(CORPUS) + len(RAW) >= 20


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_crafted_file_is_refused(corpus, name):
    folder, paths = corpus
    _, error, match = CORPUS[name]
    before = listing(folder)
    with pytest.raises(error, match=match):
        models.load_model(paths[name])
    assert listing(folder) == before
    assert not os.path.exists(Canary.path)


@pytest.mark.parametrize("name", sorted(RAW))
def test_broken_file_is_refused(corpus, name):
    folder, paths = corpus
    before = listing(folder)
    with pytest.raises(ValueError):
        models.load_model(paths[name])
    assert listing(folder) == before
    assert not os.path.exists(Canary.path)


def test_weights_file_corpus(corpus, tmp_path):
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, name="d")])
    bad = {"pickle.weights.npz": npz({"layers/d/0.npy": pickle.dumps(Canary())}),
           "object.weights.npz": npz({"layers/d/0.npy": npy(np.array([1], dtype=object),
                                                              allow_pickle=True)}),
           "escape.weights.npz": npz({"../layers/d/0.npy": npy(np.zeros((4, 3), "f4"))})}
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(UnsafeModelError):
            model.load_weights(tmp_path / name)
    assert not os.path.exists(Canary.path)


def test_canary_mechanism_works(tmp_path):
    """The canary really fires when unpickled, so its absence above means something."""
    Canary.path, saved = str(tmp_path / "fired"), Canary.path
    try:
        pickle.loads(pickle.dumps(Canary()))  # noqa: S301 - the point of this test
        assert os.path.exists(tmp_path / "fired")
    finally:
        Canary.path = saved


def test_read_checks_the_file_and_returns_a_plan_that_builds_nothing(tmp_path):
    from cuflow.saving import model_file

    members = base(tmp_path)
    config = json.loads(members["config.json"])
    assert config["format"] == "cuflow" and config["class_name"] == "Sequential"
    assert set(members) == {"config.json", "model.weights.npz", "optimizer.npz"}
    plan = model_file.read(str(tmp_path / "base.cuflow"), "m")
    assert plan["entry"]["class_name"] == "Sequential" and plan["strict_optimizer"]
    assert plan["compile_config"]["loss"] == "mse" and len(plan["optimizer_store"]) > 0
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, name="d")])
    plan["load_weights"](model)
    loaded = models.load_model(tmp_path / "base.cuflow")
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
