"""Nested structures of leaves: the one ``flatten`` / ``map_structure`` / ``pack_sequence_as``.

A structure is a leaf, or a list, tuple (namedtuples included) or dict of structures. Dicts are
walked in insertion order, the order users wrote them in (Keras's tree sorts keys; cuflow keeps
the order models were built with, which is what outputs, losses and metrics are matched by).
``None`` is a leaf unless ``skip_none`` is asked for.
"""

from __future__ import annotations


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def flatten(x, skip_none=False, sort_keys=False) -> list:
    """The leaves of ``x``, depth first; ``sort_keys`` walks dicts in key order, so that two
    dicts built in different orders line up leaf by leaf."""
    out: list = []
    _flatten_into(x, out, skip_none, sort_keys)
    return out


def _flatten_into(x, out, skip_none, sort_keys):
    if isinstance(x, (list, tuple)):
        for item in x:
            _flatten_into(item, out, skip_none, sort_keys)
    elif isinstance(x, dict):
        for key in (sorted(x) if sort_keys else x):
            _flatten_into(x[key], out, skip_none, sort_keys)
    elif not (skip_none and x is None):
        out.append(x)


def _rebuild(template, items):
    if isinstance(template, dict):
        return dict(zip(template.keys(), items))
    if _is_namedtuple(template):
        return type(template)(*items)
    if isinstance(template, tuple):
        return tuple(items)
    return list(items)


def map_structure(fn, *structures):
    """``fn`` applied leaf by leaf; the result has the shape of the first structure."""
    first = structures[0]
    if isinstance(first, dict):
        return {k: map_structure(fn, *(s[k] for s in structures)) for k in first}
    if isinstance(first, (list, tuple)):
        items = [map_structure(fn, *parts) for parts in zip(*structures)]
        return _rebuild(first, items)
    return fn(*structures)


def pack_sequence_as(structure, flat):
    """``flat`` (a sequence of leaves, as ``flatten(structure)`` gives) in the shape of
    ``structure``."""
    flat = list(flat)
    count = len(flatten(structure))
    if count != len(flat):
        raise ValueError(f"pack_sequence_as: the structure holds {count} leaves, received "
                         f"{len(flat)} values")
    it = iter(flat)

    def build(s):
        if isinstance(s, dict):
            return _rebuild(s, [build(v) for v in s.values()])
        if isinstance(s, (list, tuple)):
            return _rebuild(s, [build(v) for v in s])
        return next(it)

    return build(structure)


def unflatten_as(structure):
    """(leaves of ``structure``, a function that packs new leaves in its shape): for ops that
    transform the leaves and hand back the same structure."""
    return flatten(structure), lambda flat: pack_sequence_as(structure, flat)
