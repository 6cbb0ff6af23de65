"""``StackedRNNCells``: several RNN cells behaving as one (Keras 3), so ``RNN([cell1, cell2])``
runs a stacked RNN in a single time loop: each step feeds cell ``k``'s output to cell ``k + 1``.
"""

from __future__ import annotations

from ..layer import Layer
from ..serialization import deserialize_layer, serialize_layer
from .base_cell import filled


def _sizes(state_size):
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


class StackedRNNCells(Layer):
    """``state_size`` is the list of the cells' state sizes (nested as Keras); the ``RNN`` layer
    carries the states flat, so ``call`` accepts the states flat or grouped per cell."""

    def __init__(self, cells, **kwargs):
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells expects a non-empty list of RNN cells; received "
                             f"{cells!r}")
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(f"All cells must have a `call` method. Received cell without a "
                                 f"`call` method: {cell!r}")
            if getattr(cell, "state_size", None) is None:
                raise ValueError(f"All cells must have a `state_size` attribute. Received cell "
                                 f"without a `state_size`: {cell!r}")
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return _sizes(last.state_size)[0]

    def _group(self, states):
        """States grouped per cell (each a list), from flat or already grouped states."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if any(isinstance(s, (list, tuple)) for s in states):
            return [list(s) if isinstance(s, (list, tuple)) else [s] for s in states]
        counts = [len(_sizes(c.state_size)) for c in self.cells]
        if len(states) != sum(counts):
            raise ValueError(f'layer "{self.name}" (StackedRNNCells) expects {sum(counts)} state '
                             f"tensors ({counts} per cell); received {len(states)}")
        out, i = [], 0
        for n in counts:
            out.append(states[i:i + n])
            i += n
        return out

    def get_initial_state(self, batch_size=None, like=None):
        """Zero states grouped per cell (the ``RNN`` layer flattens them)."""
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                try:
                    states = fn(batch_size=batch_size, like=like)
                except TypeError:
                    states = fn(batch_size=batch_size)
                out.append(list(states) if isinstance(states, (list, tuple)) else [states])
            else:
                if like is None:
                    from .. import ops

                    out.append([ops.zeros((batch_size, s), dtype=self.compute_dtype)
                                for s in _sizes(cell.state_size)])
                else:
                    out.append([filled(like, batch_size, s, 0.0)
                                for s in _sizes(cell.state_size)])
        return out

    def call(self, inputs, states, training=False):
        grouped = self._group(states)
        if len(grouped) != len(self.cells):
            raise ValueError(f'layer "{self.name}" (StackedRNNCells) has {len(self.cells)} '
                             f"cells; received states for {len(grouped)}")
        new_states = []
        for cell, cell_states in zip(self.cells, grouped):
            fn = cell if isinstance(cell, Layer) else cell.call
            kwargs = {"training": training} if isinstance(cell, Layer) else {}
            inputs, new = fn(inputs, list(cell_states), **kwargs)
            new_states.append(list(new) if isinstance(new, (list, tuple)) else [new])
        return inputs, new_states

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(input_shape)
                cell.built = True
            out_dim = getattr(cell, "output_size", None)
            if out_dim is None:
                out_dim = _sizes(cell.state_size)[0]
            input_shape = (input_shape[0], out_dim)

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells", [])]
        return cls(cells, **config)
