"""What the merging layers share: ``_Merge`` (a list of inputs folded pairwise, shapes broadcast
after the batch axis, masks OR-ed as Keras) and the functional forms (``add([a, b])``)."""

from __future__ import annotations

from ... import ops
from ..layer import Layer


def _elementwise_shape(layer, shape1, shape2):
    """Broadcast two shapes without their batch axis, aligned on the right (None: unknown)."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return tuple(shape1)
    out = list(shape1[:len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ValueError(f'layer "{layer.name}" ({type(layer).__name__}): inputs have '
                             f"incompatible shapes. Received shapes {tuple(shape1)} and "
                             f"{tuple(shape2)}")
        else:
            out.append(i)
    return tuple(out)


def _is_shape(s):
    return isinstance(s, (list, tuple)) and all(d is None or isinstance(d, int) for d in s)


def _merged_shape(layer, input_shape):
    """The output shape of an elementwise merge of ``input_shape`` (a list of shapes)."""
    if not isinstance(input_shape, (list, tuple)) or not input_shape or \
            not all(_is_shape(s) for s in input_shape):
        raise ValueError(f'layer "{layer.name}" ({type(layer).__name__}): a merge layer should '
                         f"be called on a list of inputs. Received: input_shape={input_shape} "
                         f"(not a list of shapes)")
    batch_sizes = {s[0] for s in input_shape if s} - {None}
    if len(batch_sizes) > 1:
        raise ValueError(f'layer "{layer.name}" ({type(layer).__name__}): cannot merge tensors '
                         f"with different batch sizes. Received tensors with shapes "
                         f"{[tuple(s) for s in input_shape]}")
    out = tuple(input_shape[0][1:])
    for s in input_shape[1:]:
        out = _elementwise_shape(layer, out, tuple(s[1:]))
    return (batch_sizes.pop() if batch_sizes else None,) + out


def _expanded_mask(mask, x):
    """A (batch, steps) mask broadcast to the shape of ``x`` (batch, steps, features)."""
    mask = ops.cast(mask, "bool")
    if mask.ndim < x.ndim:
        mask = ops.expand_dims(mask, -1)
    return ops.broadcast_to(mask, tuple(x.shape))


def _check_masks(inputs, mask):
    """Keras's checks of a ``compute_mask`` call on a merge layer."""
    if not isinstance(mask, (tuple, list)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (tuple, list)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(f"The lists `inputs` and `mask` should have the same length. Received: "
                         f"inputs of length {len(inputs)}, and mask of length {len(mask)}")


class _Merge(Layer):
    _min_inputs = 1
    _multi_input = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            received = f"{len(inputs)} inputs" if isinstance(inputs, (list, tuple)) else \
                "a single input (not a list)"
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}): a merge layer should '
                             f"be called on a list of at least {self._min_inputs} input(s). "
                             f"Received: {received}")

    def build(self, input_shape):
        self._check(input_shape)
        _merged_shape(self, input_shape)

    def call(self, inputs, mask=None):
        self._check(inputs)
        inputs = list(inputs)
        rank = max(t.ndim for t in inputs)
        for i, t in enumerate(inputs):  # lower ranks: new axes after the batch axis, as Keras
            while t.ndim < rank:
                t = ops.expand_dims(t, 1)
            inputs[i] = t
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        return self._merge_function(inputs, masks)

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for t in inputs[1:]:
            out = self._merge(out, t)
        return self._finish(out, len(inputs))

    def _merge_or_masks(self, op, inputs, masks):
        """Fold with ``op`` where a masked-out step takes the other operand's value, the output
        masked where every input is (Keras's Maximum / Minimum)."""
        out = out_mask = None
        for x, m in zip(inputs, masks):
            m = None if m is None else _expanded_mask(m, x)
            if out is None:
                out, out_mask = x, m
                continue
            if m is not None:
                x = ops.where(m, x, out)
            if out_mask is not None:
                out = ops.where(out_mask, out, x)
            out_mask = ops.logical_or(out_mask, m) if m is not None and out_mask is not None \
                else None
            out = op(out, x)
        if out_mask is not None:
            out._keras_mask = ops.any(out_mask, axis=-1)
        return out

    def _finish(self, out, n):
        return out

    def compute_output_shape(self, input_shape):
        return _merged_shape(self, input_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        _check_masks(inputs, mask)
        if any(m is None for m in mask):
            return None
        out = ops.cast(mask[0], "bool")
        for m in mask[1:]:
            out = ops.logical_or(out, m)
        return out


def _functional(cls):
    def fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = f"Functional form of ``{cls.__name__}``: ``{fn.__name__}([a, b])``."
    return fn
