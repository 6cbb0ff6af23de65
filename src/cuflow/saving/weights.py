"""Which array goes to which variable: stable paths, matching by path, by order or by name,
and an all-or-nothing assignment (every shape is checked before any variable changes)."""

from __future__ import annotations

import re
import warnings

import numpy as np

_KEY = re.compile(r"^(layers/[^/]+|vars)/(\d+)$")


def named_children(owner):
    """``[(name, layer)]`` for ``owner``'s tracked layers. Sequential / functional children go by
    layer name (restored from the config); a subclassed model's by the attribute holding them,
    as Keras 3 does, since its layers get fresh auto-names (``dense_7``) when rebuilt. Repeats
    get ``__<k>`` suffixes."""
    from ..models import Functional, Sequential

    attrs = {}
    if not isinstance(owner, (Sequential, Functional)):
        for key, value in vars(owner).items():
            if key.startswith("_"):
                continue
            if isinstance(value, (list, tuple)):
                for i, v in enumerate(value):
                    attrs.setdefault(id(v), f"{key}_{i}")
            else:
                attrs.setdefault(id(value), key)
    seen, out = {}, []
    for layer in owner._layers:
        if layer is owner:
            continue
        name = attrs.get(id(layer), layer.name)
        k = seen.get(name, 0)
        seen[name] = k + 1
        out.append((name if k == 0 else f"{name}__{k}", layer))
    return out


def weight_groups(model):
    """``[(path, owner, [variables])]``: the model's own variables under ``vars``, then each
    top-level layer's (nested ones included, in ``layer.weights`` order) under
    ``layers/<name>`` (see ``named_children``)."""
    groups = []
    own = model._all_own()
    if own:
        groups.append(("vars", model, own))
    for name, layer in named_children(model):
        groups.append((f"layers/{name}", layer, list(layer.weights)))
    return groups


def collect(model):
    """``{path/i: host array}`` for every variable, in model order."""
    return {f"{path}/{i}": np.array(v.numpy(), copy=True)
            for path, _, variables in weight_groups(model) for i, v in enumerate(variables)}


def group_arrays(arrays, what):
    """``{path: [arrays by index]}`` from flat ``path/i`` keys, in first-seen order."""
    groups = {}
    for key, arr in arrays.items():
        m = _KEY.match(key)
        if m is None:
            raise ValueError(f"{what}: unexpected weight key {key!r} (expected "
                             f"'layers/<layer name>/<index>')")
        groups.setdefault(m.group(1), {})[int(m.group(2))] = arr
    out = {}
    for path, by_index in groups.items():
        if sorted(by_index) != list(range(len(by_index))):
            raise ValueError(f"{what}: weights of {path!r} are numbered {sorted(by_index)}, "
                             f"not 0..{len(by_index) - 1}")
        out[path] = [by_index[i] for i in range(len(by_index))]
    return out


def _owner_name(path):
    return path.split("/", 1)[1] if path.startswith("layers/") else "(model)"


def assign_groups(pairs, what, skip_mismatch=False):
    """``pairs``: ``[(path, variables, arrays)]``. Checks every count and shape, then assigns.

    With ``skip_mismatch`` a mismatching layer is skipped with a warning instead of failing.
    """
    todo = []
    for path, variables, arrays in pairs:
        problem = None
        if len(arrays) != len(variables):
            problem = (f"layer {_owner_name(path)!r} expects {len(variables)} weight(s); "
                       f"{what} holds {len(arrays)}")
        else:
            for i, (v, a) in enumerate(zip(variables, arrays)):
                if tuple(a.shape) != tuple(v.shape):
                    problem = (f"layer {_owner_name(path)!r} weight {i} ({v.name!r}): expected "
                               f"shape {tuple(v.shape)}, received {tuple(a.shape)} from {what}")
                    break
                if a.dtype.kind not in "biuf":
                    problem = f"layer {_owner_name(path)!r} weight {i}: dtype {a.dtype} refused"
                    break
        if problem is None:
            todo.append((variables, arrays))
        elif skip_mismatch:
            warnings.warn(f"skipping: {problem}", UserWarning, stacklevel=3)
        else:
            raise ValueError(problem)
    for variables, arrays in todo:
        for v, a in zip(variables, arrays):
            # host array in, onto whatever device the variable lives on
            v.assign(np.asarray(a, dtype=v.dtype))  # ascontiguousarray would make 0-d 1-d


def load_by_path(model, groups, what, skip_mismatch=False):
    """Every model path must be in the file and vice versa (a full-model load)."""
    mine = {path: variables for path, _, variables in weight_groups(model) if variables}
    missing = [p for p in mine if p not in groups]
    extra = [p for p in groups if p not in mine]
    if (missing or extra) and not skip_mismatch:
        raise ValueError(f"{what} does not match the model: missing weights for "
                         f"{[_owner_name(p) for p in missing]}, unexpected weights for "
                         f"{[_owner_name(p) for p in extra]}")
    assign_groups([(p, mine[p], groups[p]) for p in mine if p in groups], what, skip_mismatch)


def load_by_order(model, groups, what, skip_mismatch=False):
    """Layers with weights, in order, take the file's weight groups in order (names ignored)."""
    mine = [(path, variables) for path, _, variables in weight_groups(model) if variables]
    theirs = [(path, arrays) for path, arrays in groups.items() if arrays]
    if len(mine) != len(theirs):
        raise ValueError(f"{what} holds weights for {len(theirs)} layer(s) "
                         f"{[_owner_name(p) for p, _ in theirs]}, but the model has "
                         f"{len(mine)} layer(s) with weights "
                         f"{[_owner_name(p) for p, _ in mine]}; pass by_name=True to match by "
                         f"layer name")
    assign_groups([(p, v, a) for (p, v), (_, a) in zip(mine, theirs)], what, skip_mismatch)


def load_by_name(model, groups, what, skip_mismatch=False):
    """Layers take the file group with their name; layers absent from the file are left as they
    are (as Keras ``by_name=True``)."""
    mine = [(path, variables) for path, _, variables in weight_groups(model) if variables]
    assign_groups([(p, v, groups[p]) for p, v in mine if p in groups], what, skip_mismatch)


def restore_optimizer(model, store, what, strict):
    """``{index: array}`` into the optimizer's variables (built first if its slots do not exist
    yet). ``strict``: a count mismatch is an error; else the optimizer starts fresh, as Keras."""
    opt = model.optimizer
    if len(store) != len(opt.variables) and not opt.built:
        opt.build(model.trainable_weights)  # the slots exist only once built
    if len(store) != len(opt.variables):
        if not strict:
            return  # a Keras optimizer with other state: start it fresh, as Keras warns
        raise ValueError(f"{what}: the optimizer state holds {len(store)} values but "
                         f"{type(opt).__name__} has {len(opt.variables)} for this model")
    opt.load_own_variables(store)
