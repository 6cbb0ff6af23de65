"""``save_model`` / ``load_model`` / ``save_weights`` / ``load_weights`` / ``clone_model``.

A ``.cuflow`` (or ``.keras``) file is a zip of ``config.json`` + ``model.weights.npz`` (+
``optimizer.npz``). Loading reads and checks every byte of the file first (zip directory, JSON,
class names, array headers, hashes), then builds the model, then assigns the weights.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile

import numpy as np

from ..errors import UnsafeModelError
from . import archive, h5, keras2_h5, keras_compat, registry, serialization, validate, weights

FORMAT = "cuflow"
FORMAT_VERSION = 1
MODEL_SUFFIXES = (".cuflow", ".keras")
H5_SUFFIXES = (".h5", ".hdf5")  # tf.keras 2 whole-model files (keras2_h5)
_CUFLOW_MEMBERS = ("config.json", "model.weights.npz", "optimizer.npz")
_KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
_TOP_KEYS = frozenset({"format", "format_version", "cuflow_version", "class_name",
                       "registered_name", "config", "compile_config", "weights_sha256",
                       "optimizer_sha256", "build_input_shape"})


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot save {type(obj).__name__} {obj!r} in a model config: configs hold "
                    f"JSON values only (a get_config() returned it)")


def _check_model(model):
    from ..models import Model

    if not isinstance(model, Model):
        raise TypeError(f"expected a cuflow Model; received {type(model).__name__}")


def _what(path):
    return f"model file {os.fspath(path)!r}"


# ---- whole models -------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               **kwargs):
    """Save architecture, weights, compile config and optimizer state to a ``.cuflow`` zip,
    or with a ``.h5`` / ``.hdf5`` path (or ``save_format="h5"``) to a tf.keras 2 HDF5 file."""
    from .. import __version__

    if kwargs:
        raise TypeError(f"save_model() got unexpected keyword argument(s) {sorted(kwargs)}")
    _check_model(model)
    path = os.fspath(filepath)
    if save_format not in (None, "h5", "keras", "cuflow"):
        raise ValueError(f"save_format must be 'h5', 'keras' or 'cuflow'; received "
                         f"{save_format!r} (the TensorFlow SavedModel format is not written)")
    if save_format == "h5" or (save_format is None and path.endswith(H5_SUFFIXES)):
        h5.require_h5py()
        keras2_h5.save(model, path, overwrite=overwrite, include_optimizer=include_optimizer)
        return
    if not path.endswith(MODEL_SUFFIXES):
        raise ValueError(f"model files end in {' or '.join(MODEL_SUFFIXES + H5_SUFFIXES)}; "
                         f"received {path!r}")
    entry = serialization.model_to_config(model)
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
    text = json.dumps(config, default=_json_default).encode("utf-8")
    validate.check_tree(json.loads(text), "the model's config")  # what a loader will demand
    members.insert(0, ("config.json", text, zipfile.ZIP_DEFLATED))
    archive.atomic_write(path, lambda f: archive.write_zip(f, members), overwrite=overwrite)


def _read_model_archive(path, custom_objects):
    """Read and check everything; returns a plan, builds nothing."""
    what = _what(path)
    if path.endswith(H5_SUFFIXES) or keras2_h5.is_hdf5(path):
        return keras2_h5.plan(path, what, custom_objects)
    members = archive.read_zip(path, what, lambda n: n in _CUFLOW_MEMBERS + _KERAS_MEMBERS)
    if "config.json" not in members:
        raise ValueError(f"{what} has no config.json: not a cuflow or Keras model file")
    config = validate.parse_json(members["config.json"], f"{what} config.json")
    if not isinstance(config, dict):
        raise ValueError(f"{what}: config.json must hold an object")
    if keras_compat.is_keras_archive(config, members):
        return _plan_keras(what, members, config, custom_objects)
    return _plan_cuflow(what, members, config, custom_objects)


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
    if "metadata.json" in members:
        validate.check_tree(validate.parse_json(members["metadata.json"], f"{what} metadata"))
    entry, compile_config = keras_compat.keras_model_entry(config, custom_objects)
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
            weights.load_by_path(model, h5.keras3_groups(f, model, what), what)
        finally:
            f.close()

    return {"what": what, "entry": entry, "compile_config": compile_config, "assign": assign,
            "optimizer_store": opt_store, "strict_optimizer": False}


def _restore_optimizer(model, store, what, strict):
    opt = model.optimizer
    if len(store) != len(opt.variables) and not opt.built:
        opt.build(model.trainable_weights)  # the slots exist only once built
    if len(store) != len(opt.variables):
        if not strict:
            return  # a Keras optimizer with other state: start it fresh, as Keras warns
        raise ValueError(f"{what}: the optimizer state holds {len(store)} values but "
                         f"{type(opt).__name__} has {len(opt.variables)} for this model")
    opt.load_own_variables(store)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.cuflow`` file, a Keras 3 ``.keras`` archive or a tf.keras 2 ``.h5`` file.

    Classes are found by name only (built-ins, ``register_serializable``, ``custom_objects``);
    nothing in the file is imported, evaluated or unpickled. ``safe_mode=False`` is accepted for
    Keras compatibility and changes nothing: cuflow never loads code (Lambda layers) from files.
    """
    del safe_mode  # see the docstring: there is no unsafe mode
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects must be a dict; received {type(custom_objects).__name__}")
    # names from custom_object_scope / get_custom_objects() too (objects the program holds)
    custom_objects = registry.merged_custom_objects(custom_objects)
    path = os.fspath(filepath)
    plan = _read_model_archive(path, custom_objects)
    model = serialization.model_from_config(plan["entry"], custom_objects)
    plan["assign"](model)
    if compile and plan["compile_config"] and plan.get("compile"):
        plan["compile"](model)  # compiles and restores the optimizer state its own way
    elif compile and plan["compile_config"]:
        serialization.compile_model(model, plan["compile_config"], custom_objects)
        if plan["optimizer_store"] is not None:
            _restore_optimizer(model, plan["optimizer_store"], plan["what"],
                               plan["strict_optimizer"])
    return model


# ---- weights only -------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True, **kwargs):
    """``.weights.npz`` (layers/<name>/<i>) or ``.weights.h5`` (Keras 3 layout)."""
    if kwargs:
        raise TypeError(f"save_weights() got unexpected keyword argument(s) {sorted(kwargs)}")
    _check_model(model)
    path = os.fspath(filepath)
    if path.endswith(".weights.npz"):
        data = archive.npz_bytes(weights.collect(model))
        archive.atomic_write(path, lambda f: f.write(data), overwrite=overwrite)
    elif path.endswith(".weights.h5"):
        h5.require_h5py()
        opt = model.optimizer if getattr(model, "compiled", False) and \
            getattr(model.optimizer, "built", False) else None
        archive.atomic_write(path, lambda tmp: h5.write_weights(tmp, model, opt),
                             overwrite=overwrite, by_path=True)
    else:
        raise ValueError(f"weight files end in .weights.npz or .weights.h5; received {path!r}")


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Weights from ``.weights.npz`` (by layer order, or ``by_name``), ``.weights.h5`` (Keras 3
    layout by path, or the legacy Keras layout by order / ``by_name``) or a model file."""
    if kwargs:
        raise TypeError(f"load_weights() got unexpected keyword argument(s) {sorted(kwargs)}")
    _check_model(model)
    path = os.fspath(filepath)
    what = f"weights file {path!r}"
    if path.endswith(".npz"):
        groups = weights.group_arrays(archive.read_npz(path, what), what)
        load = weights.load_by_name if by_name else weights.load_by_order
        load(model, groups, what, skip_mismatch)
    elif path.endswith((".h5", ".hdf5")):
        _load_h5_weights(model, path, what, skip_mismatch, by_name)
    elif path.endswith(MODEL_SUFFIXES):
        plan = _read_model_archive(path, None)
        plan["assign"](model)
    else:
        raise ValueError(f"cannot tell the format of {path!r}: weight files end in "
                         f".weights.npz, .weights.h5 or .h5 (legacy Keras)")


def _load_h5_weights(model, path, what, skip_mismatch, by_name):
    f = h5.open_file(path, what)
    with f:
        h5.check_file(f, what)
        legacy, root = h5.is_legacy(f)
        if legacy:
            groups = h5.legacy_groups(root, what)
            load = weights.load_by_name if by_name else weights.load_by_order
            load(model, groups, what, skip_mismatch)
            return
        groups = h5.keras3_groups(f, model, what, by_name=by_name or skip_mismatch)
        load = weights.load_by_name if by_name else weights.load_by_path
        load(model, groups, what, skip_mismatch)
        store = h5.optimizer_store(f, what)
        if store is not None and getattr(model, "compiled", False):
            _restore_optimizer(model, store, what, strict=False)


# ---- cloning ------------------------------------------------------------------------------------
def clone_model(model, input_tensors=None, clone_function=None):
    """Same architecture, fresh weights. ``clone_function(layer) -> new layer`` (default: from
    the layer's config); ``input_tensors`` replaces the model's inputs."""
    from ..layers import InputLayer, KerasTensor
    from ..models import Functional, Model, Sequential

    _check_model(model)
    def default_clone(layer):
        if type(layer) in (Sequential, Functional):
            return clone_model(layer)  # a nested model: Sequential has no from_config
        return type(layer).from_config(layer.get_config())

    fn = clone_function or default_clone
    cls = type(model)
    if cls is Sequential:
        layers = [fn(layer) for layer in model.layers]
        if input_tensors is not None:
            t = input_tensors[0] if isinstance(input_tensors, (list, tuple)) else input_tensors
            if not isinstance(t, KerasTensor):
                raise TypeError("clone_model: input_tensors must come from cuflow.layers.Input")
            layers.insert(0, t)
        elif model._input_layer is not None:
            src = model._input_layer
            layers.insert(0, InputLayer(batch_shape=src.batch_shape, dtype=src.dtype,
                                        name=src.name))
        return Sequential(layers, name=model.name, trainable=model.trainable)
    if cls is Functional:
        originals = {layer.name: layer for layer in model.layers}

        def layer_fn(entry):
            orig = originals[entry["name"]]
            if isinstance(orig, InputLayer):
                return InputLayer(batch_shape=orig.batch_shape, dtype=orig.dtype, name=orig.name)
            return fn(orig)

        replace = None
        if input_tensors is not None:
            given = input_tensors if isinstance(input_tensors, (list, tuple, dict)) \
                else [input_tensors]
            if isinstance(given, dict):
                replace = dict(given)
            else:
                if len(given) != len(model.input_names):
                    raise ValueError(f"clone_model: the model has {len(model.input_names)} "
                                     f"input(s) {model.input_names}; received {len(given)} "
                                     f"input tensor(s)")
                replace = dict(zip(model.input_names, given))
        config = serialization.functional_config(
            model, layer_entry=lambda layer: {"class_name": type(layer).__name__, "config": {}})
        return serialization.functional_from_config(config, layer_fn=layer_fn,
                                                    input_tensors=replace)
    overrides = any("get_config" in c.__dict__ for c in cls.__mro__[:cls.__mro__.index(Model)])
    if not overrides:
        raise ValueError(f"clone_model cannot rebuild the subclassed model {cls.__name__!r}: "
                         f"give it get_config() (and from_config if needed)")
    return cls.from_config(model.get_config())
