"""``InputSpec``: what a layer accepts (dtype, rank, sizes of given axes), as Keras 3.

A layer that sets ``self.input_spec`` (one spec, or a list: one per input) has every call's
inputs checked against it before ``build`` / ``call`` run, with Keras's error messages.
"""

from __future__ import annotations

import numpy as np


def _standardize_dtype(dtype):
    if dtype is None:
        return None
    try:
        return str(np.dtype(dtype))
    except TypeError:
        raise ValueError(f"InputSpec: invalid dtype {dtype!r}") from None


def _shape_tuple(shape):
    return tuple(None if d is None else int(d) for d in shape)


class InputSpec:
    """``InputSpec(dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
    allow_last_axis_squeeze=False, name=None, optional=False)``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _standardize_dtype(dtype)
        if shape is not None:
            self.shape = _shape_tuple(shape)
            self.ndim = len(self.shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(f"Argument `axes` must be a dict with integer keys. Received: "
                            f"axes={axes!r}") from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise ValueError(f"Axis {max_axis} is greater than the maximum allowed value: "
                                 f"{max_dim}")

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": None if self.shape is None else list(self.shape),
                "ndim": self.ndim, "max_ndim": self.max_ndim, "min_ndim": self.min_ndim,
                "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flat(item)]
    return [x]


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raise ValueError when ``inputs`` do not satisfy ``input_spec`` (Keras's checks)."""
    if not input_spec:
        return
    specs = _flat(input_spec)
    if isinstance(inputs, dict):
        names = [spec.name if spec is not None else None for spec in specs]
        if all(names):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f'Missing data for input "{missing[0]}". You passed a data '
                                 f"dictionary with keys {list(inputs.keys())}. Expected the "
                                 f"following keys: {names}")
            inputs = [inputs[n] for n in names]
        else:
            inputs = list(inputs.values())
    inputs = _flat(inputs)
    if len(inputs) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(inputs)} input tensors")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f"Inputs to a layer should be tensors. Got '{x!r}' (of type "
                             f"{type(x)}) as input for layer '{layer_name}'.")
        shape = _shape_tuple(x.shape)
        ndim = len(shape)
        where = f'Input {index} of layer "{layer_name}" is incompatible with the layer'
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(f"{where}: expected ndim={spec.ndim}, found ndim={ndim}. Full "
                             f"shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{where}: expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{where}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        if spec.dtype is not None:
            dtype = _standardize_dtype(x.dtype)
            if dtype != spec.dtype:
                raise ValueError(f"{where}: expected dtype={spec.dtype}, found dtype={dtype}")
        for axis, value in spec.axes.items():
            if not -ndim <= axis < ndim:
                raise ValueError(f"{where}: expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
            if value is not None and shape[axis] not in (value, None):
                raise ValueError(f"{where}: expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
        if spec.shape is not None:
            spec_shape, got = spec.shape, shape
            if spec.allow_last_axis_squeeze:
                if got and got[-1] == 1:
                    got = got[:-1]
                if spec_shape and spec_shape[-1] == 1:
                    spec_shape = spec_shape[:-1]
            for spec_dim, dim in zip(spec_shape, got):
                if spec_dim is not None and dim is not None and spec_dim != dim:
                    raise ValueError(f"{where}: expected shape={spec.shape}, found "
                                     f"shape={shape}")
