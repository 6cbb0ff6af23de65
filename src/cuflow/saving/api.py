"""``save_model`` / ``load_model`` / ``save_weights`` / ``load_weights`` / ``clone_model``.

The file's suffix picks its reader and writer (``formats.FORMATS``). Loading reads and checks
every byte of the file first, then builds the model (``cls.from_config`` of the class its config
names), then assigns the weights and compiles.
"""

from __future__ import annotations

import os

from ..models.serialization import model_from_config
from . import formats, keras2_h5, registry
from .compile_config import compile_model
from .weights import restore_optimizer


def _check_model(model):
    from ..models import Model

    if not isinstance(model, Model):
        raise TypeError(f"expected a cuflow Model; received {type(model).__name__}")


# ---- whole models -------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               **kwargs):
    """Save architecture, weights, compile config and optimizer state to a ``.cuflow`` zip,
    or with a ``.h5`` / ``.hdf5`` path (or ``save_format="h5"``) to a tf.keras 2 HDF5 file."""
    if kwargs:
        raise TypeError(f"save_model() got unexpected keyword argument(s) {sorted(kwargs)}")
    _check_model(model)
    path = os.fspath(filepath)
    if save_format not in (None, "h5", "keras", "cuflow"):
        raise ValueError(f"save_format must be 'h5', 'keras' or 'cuflow'; received "
                         f"{save_format!r} (the TensorFlow SavedModel format is not written)")
    suffix = ".h5" if save_format == "h5" else formats.suffix_of(path, formats.MODEL_SUFFIXES)
    if suffix is None:
        raise ValueError(f"model files end in {' or '.join(formats.MODEL_SUFFIXES)}; "
                         f"received {path!r}")
    write = formats.FORMATS[suffix][1]
    write(model, path, overwrite=overwrite, include_optimizer=include_optimizer)


def _model_reader(path):
    if keras2_h5.is_hdf5(path):  # whatever its name, an HDF5 file is a tf.keras 2 model
        return formats.read_h5
    suffix = formats.suffix_of(path, formats.MODEL_SUFFIXES)
    return formats.FORMATS[suffix][0] if suffix else formats.model_file.read


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
    plan = _model_reader(path)(path, f"model file {path!r}", custom_objects)
    model = model_from_config(plan["entry"], custom_objects)
    plan["assign"](model)
    if compile and plan["compile_config"] and plan.get("compile"):
        plan["compile"](model)  # compiles and restores the optimizer state its own way
    elif compile and plan["compile_config"]:
        compile_model(model, plan["compile_config"], custom_objects)
        if plan["optimizer_store"] is not None:
            restore_optimizer(model, plan["optimizer_store"], plan["what"],
                              plan["strict_optimizer"])
    return model


# ---- weights only -------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True, **kwargs):
    """``.weights.npz`` (layers/<name>/<i>) or ``.weights.h5`` (Keras 3 layout)."""
    if kwargs:
        raise TypeError(f"save_weights() got unexpected keyword argument(s) {sorted(kwargs)}")
    _check_model(model)
    path = os.fspath(filepath)
    writable = [s for s in formats.WEIGHT_SUFFIXES if formats.FORMATS[s][1] is not None]
    suffix = formats.suffix_of(path, writable)
    if suffix is None:
        raise ValueError(f"weight files end in {' or '.join(writable)}; received {path!r}")
    formats.FORMATS[suffix][1](model, path, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Weights from ``.weights.npz`` (by layer order, or ``by_name``), ``.weights.h5`` (Keras 3
    layout by path, or the legacy Keras layout by order / ``by_name``) or a model file."""
    if kwargs:
        raise TypeError(f"load_weights() got unexpected keyword argument(s) {sorted(kwargs)}")
    _check_model(model)
    path = os.fspath(filepath)
    suffix = formats.suffix_of(path)
    if suffix is None:
        raise ValueError(f"cannot tell the format of {path!r}: weight files end in "
                         f".weights.npz, .weights.h5 or .h5 (legacy Keras)")
    read = formats.FORMATS[suffix][0]
    plan = read(path, f"weights file {path!r}", None, weights_only=True)
    plan["load_weights"](model, by_name=by_name, skip_mismatch=skip_mismatch)
