"""HDF5 weights (optional, ``pip install "cuflow[h5]"``).

Writes the Keras 3 ``.weights.h5`` layout (paths by class and position, ``keras_layout``)::

    vars/                      the model's own variables (usually empty)
    layers/dense/vars/0, 1     each layer's own variables, in Keras order
    layers/dense_1/vars/...    the second Dense, whatever its name
    layers/lstm/cell/vars/...  sub-layers under the attribute holding them
    optimizer/vars/0, 1, ...   optional optimizer state

Reads that layout (matched by path, as Keras 3 does) and the legacy Keras layout that the Keras
applications publish: root attribute ``layer_names``, each layer group's attribute
``weight_names`` listing datasets such as ``dense/kernel:0`` (matched by order or by name).
An untrusted file may not use external links, external storage or virtual datasets (they read
other files), and every dataset must be a bounded numeric array.
"""

from __future__ import annotations

import io

import numpy as np

from ..errors import UnsafeModelError
from . import archive, keras_layout


def require_h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError('HDF5 weight files need h5py: pip install "cuflow[h5]"') from None
    return h5py


# ---- writing ------------------------------------------------------------------------------------
def write_weights(path, model, optimizer=None):
    """Every variable at its Keras 3 path (``keras_layout``): ``<path>/vars/<i>``, each group
    carrying its layer's name as Keras does; then the optimizer state when given."""
    h5py = require_h5py()
    with h5py.File(path, "w") as f:
        write_weights_to(f, model, optimizer)


def write_weights_to(f, model, optimizer=None):
    """``write_weights`` into an open, writable h5py File."""
    for where, layer in keras_layout.walk(model):
        group = f.create_group(keras_layout.vars_path(where))
        group.attrs["name"] = layer.name
        for i, v in enumerate(layer._all_own()):
            group.create_dataset(str(i), data=np.asarray(v.numpy()))
    if optimizer is not None:
        store = {}
        optimizer.save_own_variables(store)
        ov = f.create_group("optimizer").create_group("vars")
        for k, arr in store.items():
            ov.create_dataset(k, data=np.asarray(arr))


# ---- reading ------------------------------------------------------------------------------------
def open_file(source, what):
    """An h5py File for a path or bytes, read-only; bytes stay in memory (nothing written)."""
    h5py = require_h5py()
    try:
        if isinstance(source, (bytes, bytearray)):
            return h5py.File(io.BytesIO(bytes(source)), "r")
        return h5py.File(source, "r")
    except OSError as e:
        raise ValueError(f"{what} is not a readable HDF5 file ({e})") from None


def check_file(f, what):
    """Refuse links and storage that reach outside the file, and non-numeric data. Walks every
    link itself (``visit`` skips soft and external links) and each object once."""
    h5py = require_h5py()
    seen = set()
    stack = [f]
    while stack:
        group = stack.pop()
        for key in group.keys():
            link = group.get(key, getlink=True)
            where = f"{group.name.rstrip('/')}/{key}"
            if not isinstance(link, h5py.HardLink):
                raise UnsafeModelError(f"{what}: {where!r} is a {type(link).__name__}; links "
                                       f"could reach other files and are refused")
            obj = group[key]
            if hash(obj.id) in seen:
                continue
            seen.add(hash(obj.id))
            if isinstance(obj, h5py.Group):
                stack.append(obj)
            elif isinstance(obj, h5py.Dataset):
                _check_dataset(obj, where, what)
            else:
                raise UnsafeModelError(f"{what}: {where!r} is a {type(obj).__name__}")


def _check_dataset(ds, where, what):
    if ds.external or ds.is_virtual:
        raise UnsafeModelError(f"{what}: {where!r} stores its data in another file")
    dt = ds.dtype
    if dt.hasobject or dt.kind not in "biuf" or dt.fields is not None:
        raise UnsafeModelError(f"{what}: {where!r} has dtype {dt}; only numeric arrays are read")
    count = 1
    for d in ds.shape or ():
        count *= int(d)
    if len(ds.shape or ()) > archive.MAX_NDIM or count * dt.itemsize > archive.MAX_ARRAY_BYTES:
        raise UnsafeModelError(f"{what}: {where!r} declares shape {ds.shape}, too large to "
                               f"allocate")


def _read_dataset(ds, what):
    try:
        return np.asarray(ds[()])
    except (OSError, ValueError, TypeError) as e:
        raise ValueError(f"{what}: cannot read dataset {ds.name!r} ({e})") from None


def _vars(group, what):
    """Datasets ``0, 1, ...`` of a ``vars`` group, in numeric order."""
    if group is None:
        return []
    keys = list(group.keys())
    if sorted(keys, key=lambda k: (len(k), k)) != [str(i) for i in range(len(keys))]:
        raise ValueError(f"{what}: {group.name!r} holds {keys}, expected 0..{len(keys) - 1}")
    return [_read_dataset(group[str(i)], what) for i in range(len(keys))]


def is_legacy(f):
    root = f["model_weights"] if "model_weights" in f and \
        "layer_names" in f["model_weights"].attrs else f
    return "layer_names" in root.attrs, root


def _strs(values):
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


def legacy_groups(root, what):
    """``{"layers/<name>": [arrays]}`` in the file's layer order (layers with weights only)."""
    out = {}
    for name in _strs(root.attrs["layer_names"]):
        if name not in root:
            raise ValueError(f"{what}: layer {name!r} is listed in layer_names but missing")
        group = root[name]
        names = _strs(group.attrs.get("weight_names", []))
        arrays = []
        for wn in names:
            if wn not in group:
                raise ValueError(f"{what}: weight {wn!r} of layer {name!r} is missing")
            arrays.append(_read_dataset(group[wn], what))
        if arrays:
            out[f"layers/{name}"] = arrays
    return out


def keras3_groups(f, model, what, by_name=False):
    """``[(path, variables, arrays)]`` for the model's variables, read at their Keras 3 paths
    (``keras_layout``). A path missing from the file is an error, or skipped with ``by_name``."""
    out = []
    for where, layer, variables in keras_layout.groups(model):
        key = keras_layout.vars_path(where)
        if key not in f:
            if by_name:
                continue
            raise ValueError(f"{what} holds no weights for layer {layer.name!r} (expected at "
                             f"{key!r}: Keras 3 files name weights by class and position)")
        out.append((where, variables, _vars(f[key], what)))
    return out


def optimizer_store(f, what):
    group = f.get("optimizer")
    if group is None or group.get("vars") is None:
        return None
    return {str(i): a for i, a in enumerate(_vars(group["vars"], what))}
