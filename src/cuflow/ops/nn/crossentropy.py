"""The cross-entropies of ``keras.ops.nn``: per-element binary, per-sample categorical and
sparse categorical crossentropy over the backend's fused loss kernels (``ops.losses.loss``).

They line up ``target`` with ``output`` as the Keras losses do (``ops.losses``), so
``cuflow.losses`` and these ops give the same values and errors.
"""

from __future__ import annotations

from .._core import to_tensor
from ..losses import loss, pair, softmax_logits, sparse_crossentropy
from ..numpy.shape import expand_dims


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (same shape as ``output``), as ``keras.ops``."""
    out = to_tensor(output)
    y_true, y_pred = pair("binary_crossentropy", expand_dims(to_tensor(target, out), -1),
                          expand_dims(out, -1))
    return loss("binary_crossentropy", y_true, y_pred, from_logits=bool(from_logits))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample crossentropy over ``axis`` (one-hot / soft targets)."""
    out = to_tensor(output)
    target = to_tensor(target, out)
    if target.shape != out.shape:
        raise ValueError(f"categorical_crossentropy: target and output need the same shape; "
                         f"received {target.shape} and {out.shape}")
    out, from_logits = softmax_logits(out, from_logits, axis)
    y_true, y_pred = pair("categorical_crossentropy", target, out, axis)
    return loss("categorical_crossentropy", y_true, y_pred, from_logits=bool(from_logits))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample crossentropy with integer class ``target``."""
    return sparse_crossentropy(target, output, from_logits, None, axis)[0]


__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]
