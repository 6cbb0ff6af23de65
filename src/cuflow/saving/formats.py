"""Which code reads and writes which file: one table from a file's suffix to its reader and
writer; the longest suffix of a path picks its row.

``reader(path, what, custom_objects, weights_only)`` checks the whole file and returns a plan,
building nothing: ``load_weights(model, by_name, skip_mismatch)`` for every file, and for
whole-model files also ``entry`` (the model's config), ``assign(model)`` (its weights),
``compile_config`` and optionally ``compile(model)`` / ``optimizer_store``.
``writer(model, path, overwrite, include_optimizer)`` writes atomically (None: not written).
"""

from __future__ import annotations

import os

from . import archive, h5, keras2_h5, keras_archive, model_file, weights


def read_npz(path, what, custom_objects=None, weights_only=True):
    """``.weights.npz`` (``layers/<name>/<i>``): matched by layer order, or by name."""
    groups = weights.group_arrays(archive.read_npz(path, what), what)

    def load_weights(model, by_name=False, skip_mismatch=False):
        load = weights.load_by_name if by_name else weights.load_by_order
        load(model, groups, what, skip_mismatch)

    return {"what": what, "entry": None, "load_weights": load_weights}


def write_npz(model, path, overwrite=True, include_optimizer=False):
    data = archive.npz_bytes(weights.collect(model))
    archive.atomic_write(path, lambda f: f.write(data), overwrite=overwrite)


def read_h5(path, what, custom_objects=None, weights_only=False):
    """An HDF5 file: a tf.keras 2 whole-model file (``keras2_h5``), or weights in the Keras 3
    layout (by path) or the legacy Keras layout (by order / name), read when loaded."""
    if not weights_only:
        return keras2_h5.plan(path, what, custom_objects)

    def load_weights(model, by_name=False, skip_mismatch=False):
        _load_h5_weights(model, path, what, skip_mismatch, by_name)

    return {"what": what, "entry": None, "load_weights": load_weights}


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
        pairs = h5.keras3_groups(f, model, what, by_name=by_name or skip_mismatch)
        weights.assign_groups(pairs, what, skip_mismatch)
        store = h5.optimizer_store(f, what)
        if store is not None and getattr(model, "compiled", False):
            weights.restore_optimizer(model, store, what, strict=False)


def write_h5_weights(model, path, overwrite=True, include_optimizer=True):
    """The Keras 3 ``.weights.h5`` layout, with the optimizer state when it exists."""
    h5.require_h5py()
    opt = model.optimizer if getattr(model, "compiled", False) and \
        getattr(model.optimizer, "built", False) else None
    archive.atomic_write(path, lambda tmp: h5.write_weights(tmp, model, opt),
                         overwrite=overwrite, by_path=True)


def write_keras2_h5(model, path, overwrite=True, include_optimizer=True):
    h5.require_h5py()
    keras2_h5.save(model, path, overwrite=overwrite, include_optimizer=include_optimizer)


# suffix: (reader, writer)
FORMATS = {
    ".cuflow": (model_file.read, model_file.write),
    ".keras": (model_file.read, keras_archive.write),  # Keras 3 archives, both ways
    ".h5": (read_h5, write_keras2_h5),  # tf.keras 2 whole models; legacy Keras weights
    ".hdf5": (read_h5, write_keras2_h5),
    ".weights.npz": (read_npz, write_npz),
    ".weights.h5": (read_h5, write_h5_weights),
    ".npz": (read_npz, None),
}
WEIGHT_SUFFIXES = (".weights.npz", ".weights.h5", ".npz")  # rows of weight files
MODEL_SUFFIXES = tuple(s for s in FORMATS if s not in WEIGHT_SUFFIXES)


def suffix_of(path, suffixes=tuple(FORMATS)):
    """The longest of ``suffixes`` that ``path`` ends with, or None."""
    path = os.fspath(path)
    found = [s for s in suffixes if path.endswith(s)]
    return max(found, key=len) if found else None
