"""The ``.cuflow`` model file, written and read, and Keras 3 ``.keras`` archives, read.

A ``.cuflow`` (or ``.keras``) file is a zip of ``config.json`` (format, versions, the model's
entry, its compile config, SHA-256 of the other members) + ``model.weights.npz`` (+
``optimizer.npz``). Reading checks every byte of the file first (zip directory, JSON, class
names, array headers, hashes) and returns a plan; building the model is the loader's job.
"""

from __future__ import annotations

import hashlib
import json
import zipfile

import numpy as np

from ..errors import UnsafeModelError
from ..models.serialization import model_to_config
from . import archive, h5, keras_compat, validate, weights

FORMAT = "cuflow"
FORMAT_VERSION = 1
_CUFLOW_MEMBERS = ("config.json", "model.weights.npz", "optimizer.npz")
_KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
_TOP_KEYS = frozenset({"format", "format_version", "cuflow_version", "class_name",
                       "registered_name", "config", "compile_config", "weights_sha256",
                       "optimizer_sha256", "build_input_shape"})


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot save {type(obj).__name__} {obj!r} in a model config: configs hold "
                    f"JSON values only (a get_config() returned it)")


def write(model, path, overwrite=True, include_optimizer=True):
    """Architecture, weights, compile config and optimizer state as a ``.cuflow`` zip."""
    from .. import __version__

    entry = model_to_config(model)
    compiled = bool(getattr(model, "compiled", False))
    weights_npz = archive.npz_bytes(weights.collect(model))
    members = [("model.weights.npz", weights_npz, zipfile.ZIP_STORED)]
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, "cuflow_version": __version__,
              **entry, "compile_config": model.get_compile_config() if compiled else None,
              "weights_sha256": _sha256(weights_npz)}
    if include_optimizer and compiled and model.optimizer is not None:
        store = {}
        model.optimizer.save_own_variables(store)
        opt_npz = archive.npz_bytes(store)
        config["optimizer_sha256"] = _sha256(opt_npz)
        members.append(("optimizer.npz", opt_npz, zipfile.ZIP_STORED))
    text = json.dumps(config, default=json_default).encode("utf-8")
    validate.check_tree(json.loads(text), "the model's config")  # what a loader will demand
    members.insert(0, ("config.json", text, zipfile.ZIP_DEFLATED))
    archive.atomic_write(path, lambda f: archive.write_zip(f, members), overwrite=overwrite)


def read(path, what, custom_objects=None, weights_only=False):
    """Read and check everything; returns a plan, builds nothing (a cuflow or a Keras 3 zip,
    told apart by content)."""
    members = archive.read_zip(path, what, lambda n: n in _CUFLOW_MEMBERS + _KERAS_MEMBERS)
    if "config.json" not in members:
        raise ValueError(f"{what} has no config.json: not a cuflow or Keras model file")
    config = validate.parse_json(members["config.json"], f"{what} config.json")
    if not isinstance(config, dict):
        raise ValueError(f"{what}: config.json must hold an object")
    if keras_compat.is_keras_archive(config, members):
        plan = _plan_keras(what, members, config, custom_objects)
    else:
        plan = _plan_cuflow(what, members, config, custom_objects)
    # load_weights from a model file: every weight, by path (by_name / skip_mismatch unused)
    plan["load_weights"] = lambda model, by_name=False, skip_mismatch=False: plan["assign"](model)
    return plan


def _plan_cuflow(what, members, config, custom_objects):
    extra = [n for n in members if n not in _CUFLOW_MEMBERS]
    if extra:
        raise UnsafeModelError(f"{what} contains unexpected member(s) {extra}")
    if config.get("format") != FORMAT:
        raise ValueError(f"{what}: config.json is neither a cuflow nor a Keras 3 model config "
                         f"(format={config.get('format')!r})")
    unknown = sorted(set(config) - _TOP_KEYS)
    if unknown:
        raise UnsafeModelError(f"{what}: config.json has unexpected top-level key(s) {unknown}")
    version = config.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{what}: invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(f"{what} was written in format version {version} by cuflow "
                         f"{config.get('cuflow_version')}; this cuflow reads version "
                         f"{FORMAT_VERSION}: upgrade cuflow")
    validate.check_config(config, custom_objects, f"{what} config.json")
    if "model.weights.npz" not in members:
        raise ValueError(f"{what} has no model.weights.npz")
    stores = {}
    for member, key in (("model.weights.npz", "weights_sha256"),
                        ("optimizer.npz", "optimizer_sha256")):
        if member not in members:
            continue
        if config.get(key) != _sha256(members[member]):
            raise ValueError(f"{what}: {member} does not match the hash in config.json: the file "
                             f"is corrupt or was modified")
        stores[member] = archive.read_npz(members[member], f"{what} {member}")
    entry = {k: config[k] for k in ("class_name", "registered_name", "config",
                                    "build_input_shape") if k in config}
    groups = weights.group_arrays(stores["model.weights.npz"], f"{what} model.weights.npz")
    return {"what": what, "entry": entry, "compile_config": config.get("compile_config"),
            "assign": lambda model: weights.load_by_path(model, groups, what),
            "optimizer_store": stores.get("optimizer.npz"), "strict_optimizer": True}


def _plan_keras(what, members, config, custom_objects):
    extra = [n for n in members if n not in _KERAS_MEMBERS]
    if extra:
        raise UnsafeModelError(f"{what} (Keras archive) contains unexpected member(s) {extra}")
    validate.check_config(config, custom_objects, f"{what} config.json")
    metadata = {}
    if "metadata.json" in members:
        metadata = validate.parse_json(members["metadata.json"], f"{what} metadata")
        validate.check_tree(metadata)
    by_cuflow = isinstance(metadata, dict) and "cuflow_version" in metadata
    entry, compile_config = keras_compat.keras_model_entry(config, custom_objects, by_cuflow)
    validate.check_config({"model": entry, "compile": compile_config}, custom_objects,
                          f"{what} config.json (converted)")
    if "model.weights.h5" not in members:
        raise ValueError(f"{what} has no model.weights.h5")
    f = h5.open_file(members["model.weights.h5"], f"{what} model.weights.h5")
    try:
        h5.check_file(f, f"{what} model.weights.h5")
        opt_store = h5.optimizer_store(f, what)
    except BaseException:
        f.close()
        raise

    def assign(model):
        try:
            weights.assign_groups(h5.keras3_groups(f, model, what), what)
        finally:
            f.close()

    return {"what": what, "entry": entry, "compile_config": compile_config, "assign": assign,
            "optimizer_store": opt_store, "strict_optimizer": False}
