"""``RNN``: runs a cell over the time axis (Keras 3 semantics for masks, go_backwards, states).

Fast path for cuflow's own cells (they have ``project_inputs`` / ``step``): the input projection of
all time steps is one GEMM, then each step does one recurrent GEMM and the gate math. Any other
Keras-style cell (``call(inputs, states)`` + ``state_size``) runs through its ``call`` per step.

``_CellRNN`` is the base of the RNN layers that own a fixed cell (SimpleRNN, LSTM, GRU, ConvLSTM).
"""

from __future__ import annotations

import inspect

from ... import autodiff, ops, regularizers
from ...tensor import Variable
from .._checks import incompatible
from ..layer import Layer
from ..serialization import deserialize_layer, serialize, serialize_layer
from .base_cell import filled


def time_slices(x):
    """``[x[:, 0], ..., x[:, T-1]]`` by halving the time axis recursively.

    Slicing each step straight from ``x`` would make every slice's backward allocate and add a
    gradient the size of the whole sequence (O(T^2) work); halving costs O(T log T).
    """
    def split(part):
        n = part.shape[1]
        if n == 1:
            return [part[:, 0]]
        mid = n // 2
        return split(part[:, :mid]) + split(part[:, mid:])

    return split(x) if x.shape[1] else []


def flat_states(states):
    """A state (or state size) structure as one flat list: [[h1, c1], h2] -> [h1, c1, h2]."""
    if isinstance(states, (list, tuple)):
        return [s for item in states for s in flat_states(item)]
    return [states]


def as_mask(mask):
    """A user mask (array, list or Tensor) as a bool Tensor; None stays None."""
    return None if mask is None else ops.cast(mask, "bool")


def _accepts(fn, name):
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class RNN(Layer):
    """``RNN(cell, return_sequences=False, return_state=False, go_backwards=False, ...)``."""

    _input_rank = 3  # (batch, time, features); ConvLSTM*D: (batch, time, *spatial, channels)

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            from .stacked_rnn_cells import StackedRNNCells

            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
            raise ValueError(f"RNN: the cell needs a `call(inputs, states)` method and a "
                             f"`state_size` attribute; received {cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.states = None  # stateful: the carried states (Variables, not weights), per batch row
        self.unroll = bool(unroll)  # accepted for compatibility; the loop is always eager
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        # flat: a StackedRNNCells' nested sizes ([[h, c], h]) become one list of states
        self.state_size = flat_states(cell.state_size)

    # ---- shapes ----------------------------------------------------------------------------
    def _check_shape(self, shape):
        if len(shape) != self._input_rank:
            raise incompatible(self, f"ndim={self._input_rank} (batch, timesteps, features), "
                                     f"found ndim={len(shape)}", shape)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_shape(input_shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build((input_shape[0],) + input_shape[2:])
            self.cell.built = True
            # Keras paths: "lstm/lstm_cell/kernel", so two LSTMs' weights keep distinct names
            for var in self.cell.weights:
                if not var.name.startswith(self.name + "/"):
                    var.name = f"{self.name}/{var.name}"
        if self.stateful:
            if self.states is not None:
                self.reset_state()
            elif input_shape[0] is None:
                raise ValueError(f"When using `stateful=True` in a RNN, the batch size must be "
                                 f"static. Found dynamic batch size: sequence.shape="
                                 f"{input_shape}")
        self.built = True  # as Keras: a direct build() call counts, so __call__ won't rebuild

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_shape(input_shape)
        batch = input_shape[0]
        units = getattr(self.cell, "output_size", None) or self.state_size[0]
        out = (batch, input_shape[1], units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [out] + [(batch, s) for s in self.state_size]
        return out

    def compute_mask(self, inputs, mask=None):
        return as_mask(mask) if self.return_sequences else None

    # ---- the loop --------------------------------------------------------------------------
    def reset_state(self):
        """Stateful: zero the carried states (the next call starts afresh)."""
        if self.states is not None:
            for var in self.states:
                var.assign(ops.zeros_like(var))

    reset_states = reset_state  # the Keras 2 name

    def _stateful_initial_state(self, sequences):
        batch = sequences.shape[0]
        if self.states is None:
            with autodiff.no_grad():
                zeros = self.get_initial_state(batch, like=sequences)
            self.states = [Variable(ops.cast(z, self.dtype), trainable=False,
                                    name=f"{self.name}/rnn_state") for z in zeros]
        expected = self.states[0].shape[0]
        if batch != expected:
            raise ValueError(f"If an RNN is stateful, the batch size of the input sequences "
                             f"must be the same as the batch size of the initial state. \n"
                             f"- Expected batch size: {expected}\n- Received batch size: {batch}")
        return [ops.cast(v, sequences.dtype) for v in self.states]

    def get_initial_state(self, batch_size, like=None):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None and _accepts(fn, "like"):
            return flat_states(fn(batch_size=batch_size, like=like))
        # a foreign cell's own initial state could sit on another device; zeros are zeros
        return [filled(like, batch_size, s, 0.0) for s in self.state_size]

    def call(self, sequences, initial_state=None, mask=None, training=None):
        self._check_shape(sequences.shape)
        expected = getattr(self.cell, "input_dim", None)
        if expected is not None and sequences.shape[-1] != expected:
            raise incompatible(self, f"last dimension {expected}", sequences.shape)
        batch, steps = sequences.shape[:2]
        if steps == 0:
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}) needs at least one '
                             f"time step; received input shape {sequences.shape}")
        if initial_state is None and self.stateful:
            states = self._stateful_initial_state(sequences)
        elif initial_state is None:
            states = self.get_initial_state(batch, like=sequences)
        else:
            states = flat_states(initial_state)
            states = [ops.cast(s, sequences.dtype) for s in states]
            if len(states) != len(self.state_size):
                raise ValueError(f'layer "{self.name}" expects {len(self.state_size)} initial '
                                 f"state tensor(s); received {len(states)}")
        fast = hasattr(self.cell, "project_inputs") and hasattr(self.cell, "step")
        if fast:
            inputs = self.cell.project_inputs(sequences, training)
            params = self.cell.step_params()
            rec_mask = self.cell.recurrent_mask(states[0], training)

            def run(x_t, st):
                return self.cell.step(x_t, st, params, rec_mask)
        else:
            inputs = sequences
            # Keras hands a cell its states as a list, even a single one
            cell_fn = self.cell if isinstance(self.cell, Layer) else self.cell.call
            kwargs = {"training": training} if _accepts(self.cell.call, "training") else {}

            def run(x_t, st):
                out, new = cell_fn(x_t, list(st), **kwargs)
                return out, flat_states(new)

        xs = time_slices(inputs)
        ms = None
        if mask is not None:
            mask = as_mask(mask)
            if mask.shape != (batch, steps):
                raise ValueError(f'layer "{self.name}" expects a mask of shape {(batch, steps)}; '
                                 f"received {mask.shape}")
            # (batch, 1, ...) per step: broadcasts against the step's output and states
            ms = time_slices(ops.reshape(mask, (batch, steps) + (1,) * (sequences.ndim - 2)))
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, prev, zeros = [], None, None
        for t in order:
            out, new = run(xs[t], states)
            if ms is not None:
                # masked step: states carried; output = previous output (or zeros, Keras's
                # zero_output_for_mask, which Bidirectional turns on for sequences)
                if zeros is None:
                    zeros = ops.zeros_like(out)
                    prev = zeros
                keep = ms[t]
                new = [ops.where(keep, n, s) for n, s in zip(new, states)]
                out = ops.where(keep, out, zeros if self.zero_output_for_mask else prev)
                prev = out
            states = new
            outputs.append(out)
        if self.stateful:
            if self.states is None:  # initial states given: carry on from these
                self._stateful_initial_state(sequences)
            with autodiff.no_grad():
                for var, s in zip(self.states, states):
                    var.assign(ops.cast(s, var.dtype))
        # sequences come back in processing order (reversed for go_backwards), as in Keras
        output = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        # as Keras: outputs and states in the compute dtype, whatever the cell computed in
        output = self._as_compute_dtype(output)
        states = [self._as_compute_dtype(s) for s in states]
        activity = getattr(self, "activity_regularizer", None)
        if activity is not None:
            self._activity_losses.append(activity(output))
        if not self.return_state:
            return output
        if self.return_sequences and mask is not None:
            output._keras_mask = mask  # Layer.__call__ only attaches masks to single outputs
        return [output] + list(states)

    def _as_compute_dtype(self, t):
        return t if t.dtype.kind != "f" or t.dtype == self.compute_dtype else \
            ops.cast(t, self.compute_dtype)

    # ---- config ----------------------------------------------------------------------------
    def _rnn_config(self):
        return {"return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask}

    def get_config(self):
        return {**super().get_config(), **self._rnn_config(), "cell": serialize_layer(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def activity_config(layer):
    return {"activity_regularizer": serialize(regularizers, layer.activity_regularizer)}


_LAYER_KEYS = ("name", "trainable", "dtype", "batch_input_shape")


class _CellRNN(RNN):
    """An RNN that owns its cell: the cell's arguments are the layer's, so ``get_config`` is flat
    (no nested ``cell``) and ``layer.units`` etc. read through to the cell, as in Keras."""

    _cell_class = None
    _cell_name = None

    def __init__(self, cell_kwargs, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, activity_regularizer=None,
                 use_cudnn="auto", **kwargs):
        if "implementation" in kwargs:  # Keras's legacy argument: the cell keeps it
            cell_kwargs = {**cell_kwargs, "implementation": kwargs.pop("implementation")}
        cell = self._cell_class(name=self._cell_name, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True), **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.use_cudnn = use_cudnn  # accepted for compatibility; the GPU path is cuflow's own

    def __getattr__(self, name):
        # only reached when normal lookup fails: expose the cell's arguments (units, dropout ...)
        cell = self.__dict__.get("cell")
        if cell is not None and name in type(self)._cell_args():
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def _cell_args(cls):
        if "_args" not in cls.__dict__:
            params = inspect.signature(cls._cell_class.__init__).parameters
            cls._args = frozenset(params) - {"self", "kwargs"}
        return cls._args

    def get_config(self):
        cell_config = {k: v for k, v in self.cell.get_config().items() if k not in _LAYER_KEYS}
        return {**Layer.get_config(self), **cell_config, **activity_config(self),
                **self._rnn_config()}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
