"""``Model.summary()``: the Keras 3 table (layer and type, output shape, parameters, and for
functional models what each layer is connected to), then the totals."""

from __future__ import annotations

import math
import shutil

from ..tree import flatten as _flatten


def readable_size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def _fmt_shape(shape):
    if isinstance(shape, list):
        return "[" + ", ".join(_fmt_shape(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_fmt_shape(v)}" for k, v in shape.items()) + "}"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _rows(model):
    """(name (type), output shape, params, connected-to) for each layer of ``model``."""
    from ..layers import InputLayer
    from .functional import Functional
    from .sequential import Sequential

    rows = []
    if isinstance(model, Functional):
        for layer in model.layers:
            nodes = [n for n in model._nodes if n.layer is layer]
            if isinstance(layer, InputLayer):
                shape, conn = _fmt_shape(layer.batch_shape), "-"
            else:
                shape = _fmt_shape(_out_shape(nodes[0].outputs)) if nodes else "?"
                srcs = []
                for n in nodes:
                    for kt in _flatten(n.inputs):
                        src, idx, ti = kt._keras_history
                        srcs.append(f"{src.name}[{idx}][{ti}]")
                conn = ", ".join(srcs) or "-"
            rows.append((layer, shape, conn))
    elif isinstance(model, Sequential) and model.built:
        for layer, node in model._build_nodes:
            rows.append((layer, _fmt_shape(_out_shape(node.outputs)), None))
    else:
        for layer in model.layers:
            rows.append((layer, "?", None))
    return rows


def _out_shape(outputs):
    flat = _flatten(outputs)
    return flat[0].shape if len(flat) == 1 else [t.shape for t in flat]


def _params(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _weights_size(weights):
    count = sum(int(math.prod(w.shape)) for w in weights)
    size = sum(int(math.prod(w.shape)) * w.dtype.itemsize for w in weights)
    return count, size


def print_summary(model, line_length=None, print_fn=None, show_trainable=False):
    from .functional import Functional

    emit = print_fn or print
    functional = isinstance(model, Functional)
    rows = _rows(model)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional
                                                             else [])
    width = line_length or (min(shutil.get_terminal_size((98, 20)).columns, 120)
                            if functional else 79)
    fractions = [0.3, 0.25, 0.13, 0.32] if functional else [0.42, 0.38, 0.20]
    cols = [max(int(width * f) - 3, 10) for f in fractions]
    table = []
    for layer, shape, conn in rows:
        cells = [f"{layer.name} ({type(layer).__name__})", shape, _params(layer)]
        if functional:
            cells.append(conn)
        table.append(cells)

    def line(left, mid, right, fill):
        return left + mid.join(fill * (c + 2) for c in cols) + right

    def row(cells, edge="│"):
        out = []
        for i, (cell, c) in enumerate(zip(cells, cols)):
            cell = cell if len(cell) <= c else cell[:c - 1] + "…"
            out.append(" " + (cell.rjust(c) if i == 2 else cell.ljust(c)) + " ")
        return edge + edge.join(out) + edge

    emit(f'Model: "{model.name}"')
    emit(line("┏", "┳", "┓", "━"))
    emit(row(headers, "┃"))
    emit(line("┡", "╇", "┩", "━"))
    for i, cells in enumerate(table):
        emit(row(cells))
        if i != len(table) - 1:
            emit(line("├", "┼", "┤", "─"))
    emit(line("└", "┴", "┘", "─"))
    trainable_n, trainable_b = _weights_size(model.trainable_weights)
    frozen_n, frozen_b = _weights_size(model.non_trainable_weights)
    opt_vars = []
    if model.compiled and model.optimizer is not None and getattr(model.optimizer, "built",
                                                                   False):
        opt_vars = [v for v in getattr(model.optimizer, "variables", []) if v is not None]
    opt_n, opt_b = _weights_size(opt_vars)
    emit(f" Total params: {trainable_n + frozen_n + opt_n:,} "
         f"({readable_size(trainable_b + frozen_b + opt_b)})")
    emit(f" Trainable params: {trainable_n:,} ({readable_size(trainable_b)})")
    emit(f" Non-trainable params: {frozen_n:,} ({readable_size(frozen_b)})")
    if opt_n:
        emit(f" Optimizer params: {opt_n:,} ({readable_size(opt_b)})")
