"""Symbolic tensors for the functional API: ``KerasTensor`` and the graph ``Node``.

Calling a layer on a ``KerasTensor`` builds the layer for that shape and records a ``Node``; no
math runs. A functional ``Model`` later replays the nodes on real tensors.
"""

from __future__ import annotations

import numpy as np

from ... import autodiff
from ...tensor import Tensor
from ...tree import flatten as _flatten
from ...tree import map_structure


class KerasTensor:
    """A placeholder with a shape (None for unknown sizes) and a dtype, made by ``Input``."""

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if s is None else int(s) for s in shape)
        self.dtype = "string" if _is_string_dtype(dtype) else str(np.dtype(dtype))
        self.name = name
        self._keras_history = history  # (layer, node index, tensor index)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError("a symbolic KerasTensor has no truth value; it only describes a shape "
                        "while building a functional model")

    # arithmetic while building a functional model: each operator becomes a SymbolicOp call
    def _op(name, reverse=False):
        def method(self, other):
            from .symbolic_op import apply

            return apply(name, self, other, reverse=reverse)

        method.__name__ = f"__{'r' if reverse else ''}{name}__"
        return method

    __add__, __radd__ = _op("add"), _op("add", True)
    __sub__, __rsub__ = _op("subtract"), _op("subtract", True)
    __mul__, __rmul__ = _op("multiply"), _op("multiply", True)
    __truediv__, __rtruediv__ = _op("divide"), _op("divide", True)
    __floordiv__, __rfloordiv__ = _op("floor_divide"), _op("floor_divide", True)
    __mod__, __rmod__ = _op("mod"), _op("mod", True)
    __pow__, __rpow__ = _op("power"), _op("power", True)
    __matmul__, __rmatmul__ = _op("matmul"), _op("matmul", True)
    __lt__, __le__ = _op("less"), _op("less_equal")
    __gt__, __ge__ = _op("greater"), _op("greater_equal")
    del _op

    def __neg__(self):
        from .symbolic_op import apply

        return apply("negative", self)

    def __abs__(self):
        from .symbolic_op import apply

        return apply("absolute", self)

    def __getitem__(self, key):
        from .symbolic_op import apply

        return apply("getitem", self, key=key)


def _is_string_dtype(dtype):
    """``Input(dtype="string")`` as Keras: text inputs, fed as host NumPy arrays of str."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "USO"
    if isinstance(dtype, str):
        return dtype in ("string", "str", "object")
    return dtype is str or dtype is object


class Node:
    """One call of ``layer`` on symbolic ``inputs`` producing symbolic ``outputs``."""

    def __init__(self, layer, inputs, args, kwargs, outputs):
        self.layer = layer
        self.inputs = inputs
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    def symbolic_inputs(self):
        """Every KerasTensor this call consumed: the inputs and any in extra args / kwargs."""
        flat = _flatten([self.inputs, list(self.args), dict(self.kwargs)])
        return [kt for kt in flat if isinstance(kt, KerasTensor)]

    @property
    def parent_nodes(self):
        out = []
        for kt in self.symbolic_inputs():
            layer, idx, _ = kt._keras_history
            out.append(layer._inbound_nodes[idx])
        return out


def _shapes_with_batch(x, fill):
    return map_structure_shapes(lambda s: tuple(fill if d is None else d for d in s), x)


def probe_output_shape(layer, input_shape):
    """Output shape found by running ``call`` on zeros (unknown sizes taken as 1)."""
    is_shape = isinstance(input_shape, tuple) and all(d is None or isinstance(d, int)
                                                     for d in input_shape)
    shapes = [input_shape] if is_shape else list(input_shape)
    concrete = _shapes_with_batch(shapes, 1)
    dtype = "float32"
    zeros = [Tensor(np.zeros(s, dtype=dtype)) for s in concrete]
    with autodiff.no_grad():
        out = layer.call(zeros[0] if is_shape else zeros)

    def shape_back(t):
        s = tuple(t.shape)
        return (None,) + s[1:] if (shapes[0] and shapes[0][0] is None and s) else s

    return map_structure(shape_back, out)


def call_symbolic(layer, inputs, args, kwargs):
    shapes = map_structure(lambda kt: kt.shape, inputs)
    layer._maybe_build(shapes)
    out_shapes = layer.compute_output_shape(shapes)
    out_dtype = getattr(layer, "_symbolic_dtype", None) or \
        getattr(layer, "compute_dtype", None) or layer.dtype  # (SymbolicOp: the op's dtype)
    node_index = len(layer._inbound_nodes)
    counter = iter(range(1 << 30))

    def make(shape):
        i = next(counter)
        return KerasTensor(shape, out_dtype, name=f"{layer.name}_{i}" if i else layer.name,
                           history=(layer, node_index, i))

    is_single = isinstance(out_shapes, tuple) and all(d is None or isinstance(d, (int,
                                                       np.integer)) for d in out_shapes)
    outputs = make(out_shapes) if is_single else map_structure_shapes(make, out_shapes)
    layer._inbound_nodes.append(Node(layer, inputs, args, kwargs, outputs))
    return outputs


def map_structure_shapes(fn, shapes):
    """Like map_structure, but leaves are shape tuples (tuples of ints/None)."""
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, (int, np.integer))
                                         for d in shapes):
        return fn(shapes)
    if isinstance(shapes, dict):
        return {k: map_structure_shapes(fn, v) for k, v in shapes.items()}
    return [map_structure_shapes(fn, s) for s in shapes]
