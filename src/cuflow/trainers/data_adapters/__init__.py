"""Feeding ``fit`` / ``evaluate`` / ``predict``: arrays (moved to the device once), Keras
``PyDataset`` / ``Sequence``-like objects (``__len__`` + ``__getitem__``) and plain generators,
each turned into an object with ``batches()`` yielding ``(x, y, sample_weight)`` on the device."""

from .array_data_adapter import ArrayData
from .data_adapter_utils import (
    is_array_like,
    is_host_text,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from .py_dataset_adapter import PyDataset, Sequence, SequenceData


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
              class_weight=None, device=None):
    """Batches on ``device`` (the model's), copying arrays there once, not per step."""
    if x is None:
        raise ValueError("no input data: x is None")
    if is_array_like(x):
        return ArrayData(x, y, sample_weight, batch_size or 32, shuffle, steps, class_weight,
                         device)
    if not (hasattr(x, "__iter__") or hasattr(x, "__getitem__") or hasattr(x, "__next__")):
        raise ValueError(f"unrecognized data type: x={x!r} (of type {type(x).__name__}); "
                         f"expected arrays, a list / dict of arrays, a PyDataset or a generator")
    if y is not None:
        raise ValueError("y must not be given when x is a generator or Sequence (it yields "
                         "(x, y) batches itself)")
    return SequenceData(x, steps, device, shuffle=shuffle, class_weight=class_weight)


__all__ = ["ArrayData", "PyDataset", "Sequence", "SequenceData", "is_array_like", "is_host_text",
           "make_data", "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]
