"""``plot_model`` / ``model_to_dot`` (``keras.utils``): a model's layers and the calls between
them as a Graphviz graph, drawn by the optional packages pydot and Graphviz.

Neither is a dependency of cuflow (``pip install cuflow[plot]`` or ``pip install pydot``, and
Graphviz's ``dot`` program from your system's packages). Without them both functions raise an
``ImportError`` saying what to install; nothing is downloaded.
"""

from __future__ import annotations

import importlib
import os
import sys

from ..tree import map_structure

_INSTALL_PYDOT = ("You must install pydot (`pip install pydot`, or cuflow's extra "
                  "`pip install cuflow[plot]`) for `{what}` to work.")
_INSTALL_GRAPHVIZ = ("You must install graphviz (its `dot` program, from your system's "
                     "packages; see https://graphviz.org/download/) for `plot_model` to work.")


def _pydot():
    """pydot, or one of its older forks, or None."""
    for name in ("pydot", "pydot_ng", "pydotplus"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def check_pydot():
    """True when pydot is importable."""
    return _pydot() is not None


def check_graphviz():
    """True when pydot can run Graphviz (renders an empty graph)."""
    pydot = _pydot()
    if pydot is None:
        return False
    failure = getattr(pydot, "PydotException", OSError)
    try:
        pydot.Dot.create(pydot.Dot())
        return True
    except (OSError, failure):
        return False


def _activation_name(layer):
    act = layer.activation
    return getattr(act, "name", None) or getattr(act, "__name__", None) or str(act)


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return ", ".join(f"{k}: {v}" for k, v in shape.items())
    return str(shape)


def layer_label(layer, show_layer_names=True, show_layer_activations=False, show_dtype=False,
                show_shapes=False, show_trainable=False):
    """The node label of one layer: an HTML-like Graphviz table (name / class, then the
    activation, shapes, dtype and trainability asked for)."""
    cls = type(layer).__name__
    cells = []
    if show_shapes:
        try:
            ins = map_structure(lambda t: t.shape, layer.input)
            outs = map_structure(lambda t: t.shape, layer.output)
        except (ValueError, AttributeError):
            ins = outs = None
        if cls != "InputLayer":
            cells.append(("white", f"Input shape: <b>{_shape_text(ins)}</b>"))
        cells.append(("white", f"Output shape: <b>{_shape_text(outs)}</b>"))
    if show_dtype:
        try:
            dtype = map_structure(lambda t: t.dtype, layer.output)
        except (ValueError, AttributeError):
            dtype = None
        cells.append(("white", f"Output dtype: <b>{dtype or '?'}</b>"))
    if show_trainable and layer.weights:
        cells.append(("forestgreen", "<b>Trainable</b>") if layer.trainable else
                     ("firebrick", "<b>Non-trainable</b>"))
    span = max(1, len(cells))
    title = f"<b>{layer.name}</b> ({cls})" if show_layer_names else f"<b>{cls}</b>"
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">'
            f"{title}</font></td></tr>"]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        rows.append(f'<tr><td bgcolor="white" colspan="{span}"><font point-size="14">'
                    f"Activation: <b>{_activation_name(layer)}</b></font></td></tr>")
    if cells:
        tds = []
        for bg, text in cells:
            color = "" if bg == "white" else ' color="white"'
            tds.append(f'<td bgcolor="{bg}"><font point-size="14"{color}>{text}</font></td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">' +
            "".join(rows) + "</table>>")


def _kind(model):
    """"sequential", "functional" or None (a subclassed model: one box), without importing
    the model classes' module at import time."""
    from ..models import Functional, Sequential

    if isinstance(model, Sequential):
        return "sequential"
    if isinstance(model, Functional):
        return "functional"
    return None


def _add_edge(pydot, dot, src, dst):
    a, b = str(id(src)), str(id(dst))
    if not dot.get_edge(a, b):
        edge = pydot.Edge(a, b)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def _outer_to_inner(layer, index, entry):
    """A nested model as an edge's end: the layer inside it the edge really reaches."""
    while _kind(layer) is not None:
        if _kind(layer) == "sequential":
            layer = layer.layers[0] if entry else layer.layers[-1]
        else:
            tensors = layer.inputs if entry else layer.outputs
            layer, _, index = tensors[min(index, len(tensors) - 1)]._keras_history
    return layer


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """The model as a ``pydot.Dot`` (a ``pydot.Cluster`` when ``subgraph``)."""
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    pydot = _pydot()
    if pydot is None:
        raise ImportError(_INSTALL_PYDOT.format(what="model_to_dot"))
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        for key, value in (("rankdir", rankdir), ("concentrate", True), ("dpi", dpi),
                           ("splines", splines)):
            dot.set(key, value)
        dot.set_node_defaults(shape="record")
    label = {"show_layer_names": show_layer_names, "show_shapes": show_shapes,
             "show_layer_activations": show_layer_activations, "show_dtype": show_dtype,
             "show_trainable": show_trainable}

    def node(layer):
        n = pydot.Node(str(id(layer)), label=layer_label(layer, **label))
        for key, value in (("fontname", "Helvetica"), ("border", "0"), ("margin", "0")):
            n.set(key, value)
        dot.add_node(n)

    kind = _kind(model)
    if kind is None:
        node(model)
        return dot
    for layer in model.layers:
        if expand_nested and _kind(layer) is not None:
            dot.add_subgraph(model_to_dot(
                layer, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                dpi, subgraph=True, show_layer_activations=show_layer_activations,
                show_trainable=show_trainable, splines=splines))
        else:
            node(layer)
    if kind == "sequential":
        for a, b in zip(model.layers, model.layers[1:]):
            if expand_nested:
                a, b = _outer_to_inner(a, 0, False), _outer_to_inner(b, 0, True)
            _add_edge(pydot, dot, a, b)
        return dot
    in_model = {id(n) for n in model._nodes}
    for layer in model.layers:
        for call in layer._inbound_nodes:
            if id(call) not in in_model:
                continue
            for i, kt in enumerate(call.symbolic_inputs()):
                source, _, out_index = kt._keras_history
                dest = layer
                if expand_nested:
                    source = _outer_to_inner(source, out_index, False)
                    dest = _outer_to_inner(dest, i, True)
                _add_edge(pydot, dot, source, dest)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draw the model into ``to_file`` (its suffix is the format: png, svg, pdf, dot ...).
    Returns an IPython image when IPython is installed (inline plots in notebooks)."""
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    notebook = "IPython.core.magics.namespace" in sys.modules
    for ok, message in ((check_pydot, _INSTALL_PYDOT.format(what="plot_model")),
                        (check_graphviz, _INSTALL_GRAPHVIZ)):
        if not ok():
            if notebook:  # as Keras: a notebook cell prints instead of failing
                print(message)
                return None
            raise ImportError(message)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines, **kwargs)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None


__all__ = ["check_graphviz", "check_pydot", "layer_label", "model_to_dot", "plot_model"]
