"""``ConvLSTM1D`` / ``ConvLSTM2D`` / ``ConvLSTM3D``: an LSTM whose input and recurrent
transformations are convolutions (Shi et al. 2015), Keras 3's arguments, weights and configs.

Weights as Keras: ``kernel`` (*kernel_size, in_channels, 4 filters), ``recurrent_kernel``
(*kernel_size, filters, 4 filters), ``bias`` (4 filters,), gates i, f, c, o along the last axis.
Convolutions are linear, so the four per-gate convolutions Keras writes are one convolution
with the whole kernel, split along the channel axis. As for the other cells, the input
convolution of every time step runs at once (time folded into the batch); each step then does
one recurrent convolution (stride 1, 'same' padding) and the gate arithmetic.
"""

from __future__ import annotations

from ... import activations, initializers, ops
from ...ops._im2col import as_tuple, check_format, check_padding, output_length
from ...tensor import Tensor
from .._checks import positive_int
from ..convolutional.base_conv import DataFormatShapes
from .base_cell import _Cell
from .rnn import _CellRNN


class ConvLSTMCell(DataFormatShapes, _Cell):
    """One ConvLSTM step; states ``[h, c]`` of shape (batch, *out_spatial, filters) (or
    channels first)."""

    _gates = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        owner = f"ConvLSTM{rank}D" if rank in (1, 2, 3) else "ConvLSTMCell"
        if rank not in (1, 2, 3):
            raise ValueError(f"ConvLSTMCell: rank must be 1, 2 or 3; received {rank!r}")
        positive_int(owner, "filters", filters)
        super().__init__(filters, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
                         **kwargs)
        self.rank = rank
        self.filters = self.units
        self.kernel_size = as_tuple(owner, "kernel_size", kernel_size, rank)
        self.strides = as_tuple(owner, "strides", strides, rank)
        self.dilation_rate = as_tuple(owner, "dilation_rate", dilation_rate, rank)
        self.padding = check_padding(owner, padding)
        self.data_format = check_format(owner, data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.filters, self.filters]  # channels of h and c
        self._owner = owner

    # ---- shapes ------------------------------------------------------------------------------
    def state_shape(self, step_shape):
        """(batch, *out_spatial, filters) for one step's input shape."""
        out = tuple(output_length(n, k, s, d, self.padding) for n, k, s, d in
                    zip(self._spatial(step_shape), self.kernel_size, self.strides,
                        self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{self._owner}: kernel_size {self.kernel_size} with dilation_rate "
                             f"{self.dilation_rate} is larger than the input's spatial size "
                             f"{self._spatial(step_shape)} with padding={self.padding!r}")
        return self._with_channels(step_shape[0], out, self.filters)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self._owner} expects each time step of rank {self.rank + 2}; "
                             f"received step shape {input_shape}")
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"{self._owner} needs a known channel dimension; received input "
                             f"shape {input_shape}")
        self.state_shape(input_shape)
        width = 4 * self.filters
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels, width),
                                      self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", self.kernel_size + (self.filters, width),
            self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", (width,), self._bias_init(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.in_channels = int(channels)
        self._spatial_in = self._spatial(input_shape)
        self.built = True

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.filters

        def forget_bias_one(shape, dtype=None):
            return ops.concatenate([base((u,), dtype=dtype),
                                    initializers.get("ones")((u,), dtype=dtype),
                                    base((2 * u,), dtype=dtype)])

        return forget_bias_one

    # ---- the two-phase step ------------------------------------------------------------------
    def _conv(self, x, kernel, bias=None, recurrent=False):
        if recurrent:
            return ops.conv(x, kernel, strides=1, padding="same", data_format=self.data_format)
        return ops.conv(x, kernel, strides=self.strides, padding=self.padding,
                        dilation_rate=self.dilation_rate, data_format=self.data_format,
                        bias=bias)

    def project_inputs(self, inputs, training=None):
        """The input convolution (+ bias) of one step (rank + 2) or of a whole sequence
        (rank + 3, time folded into the batch); the input dropout mask is shared by every
        time step, as Keras."""
        seq = inputs.ndim == self.rank + 3
        step_shape = tuple(inputs.shape[1:]) if not seq else \
            (inputs.shape[0],) + tuple(inputs.shape[2:])
        if step_shape[self._channel_axis()] != self.in_channels:
            raise ValueError(f"{self._owner} expected inputs with {self.in_channels} channels; "
                             f"received shape {tuple(inputs.shape)}")
        if training and 0.0 < self.dropout < 1.0:
            noise = None
            if seq:
                noise = (None, 1) + (None,) * (inputs.ndim - 2)
            inputs = ops.dropout(inputs, self.dropout, training=True, noise_shape=noise)
        if not seq:
            return self._conv(inputs, self.kernel, self.bias)
        b, t = inputs.shape[:2]
        folded = ops.reshape(inputs, (b * t,) + tuple(inputs.shape[2:]))
        out = self._conv(folded, self.kernel, self.bias)
        return ops.reshape(out, (b, t) + tuple(out.shape[1:]))

    def recurrent_mask(self, h, training=None):
        if not (training and 0.0 < self.recurrent_dropout < 1.0):
            return None
        return ops.dropout(ops.ones_like(h), self.recurrent_dropout, training=True)

    def step_params(self):
        return (self.recurrent_kernel,)

    def step(self, xw, states, params, rec_mask=None):
        h, c = states
        h_rec = h if rec_mask is None else h * rec_mask
        z = xw + self._conv(h_rec, params[0], recurrent=True)
        f = self.filters
        axis = self.rank + 1 if self.data_format == "channels_last" else 1

        def gate(k):
            index = [slice(None)] * z.ndim
            index[axis] = slice(k * f, (k + 1) * f)
            return z[tuple(index)]

        i = self.recurrent_activation(gate(0))
        fg = self.recurrent_activation(gate(1))
        c = fg * c + i * self.activation(gate(2))
        o = self.recurrent_activation(gate(3))
        h = o * self.activation(c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None, like=None):
        """Zero ``[h, c]`` of shape (batch, *out_spatial, filters), on ``like``'s device."""
        shape = self.state_shape(self._with_channels(batch_size, self._spatial_in,
                                                     self.in_channels))
        like = like if like is not None else Tensor(0, dtype=self.dtype)
        zero = ops.reshape(Tensor(0.0, dtype=like.dtype, device=like.device), (1,) * len(shape))
        return [ops.tile(zero, shape), ops.tile(zero, shape)]

    def get_config(self):
        config = super().get_config()
        config.pop("units")
        return {**config, "rank": self.rank, "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class ConvLSTM(_CellRNN):
    """Base of ConvLSTM1D/2D/3D: input (batch, time, *spatial, channels) (or channels first)."""

    _cell_class = ConvLSTMCell
    _cell_name = "conv_lstm_cell"
    rank = 2
    _input_rank = 5

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        cell_kwargs = dict(
            rank=self.rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, **kwargs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_shape(input_shape)
        state = self.cell.state_shape((input_shape[0],) + input_shape[2:])
        out = (state[0], input_shape[1]) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [out, state, state]
        return out

    def get_config(self):
        config = super().get_config()
        config.pop("rank", None)
        config["kernel_size"] = list(config["kernel_size"])
        config["strides"] = list(config["strides"])
        config["dilation_rate"] = list(config["dilation_rate"])
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM: input (batch, time, steps, channels)."""

    rank = 1
    _input_rank = 4


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: input (batch, time, rows, cols, channels)."""

    rank = 2
    _input_rank = 5


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM: input (batch, time, dim1, dim2, dim3, channels)."""

    rank = 3
    _input_rank = 6


__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
