"""``Bidirectional``: an RNN run both ways over the sequence (Keras 3 names, configs and weight
order)."""

from __future__ import annotations

from ... import ops
from ..layer import Layer
from ..serialization import deserialize_layer, serialize_layer
from .rnn import RNN, as_mask

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _removeprefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def _clone(layer, **overrides):
    """A fresh, unbuilt copy of ``layer`` from its config (Keras rebuilds wrapped layers so the
    wrapper never shares weights or state with the layer the user passed in)."""
    config = {**layer.get_config(), **overrides}
    if isinstance(layer, RNN) and "cell" in config:
        cell = layer.cell
        return type(layer).from_config(config, custom_objects={type(cell).__name__: type(cell)})
    return type(layer).from_config(config)


class Bidirectional(Layer):
    """Runs ``layer`` forwards and a copy of it backwards, then merges the two outputs.

    Weights: the forward layer's, then the backward layer's (layers named ``forward_<name>`` and
    ``backward_<name>``, as Keras). ``merge_mode``: 'concat' (default), 'sum', 'mul', 'ave' or
    None (a list of both outputs).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional needs a cuflow Layer instance; received {layer!r}")
        if not hasattr(layer, "go_backwards") or not hasattr(layer, "return_sequences"):
            raise ValueError(f"Bidirectional wraps a recurrent layer (with go_backwards and "
                             f"return_sequences); received {type(layer).__name__}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: backward_layer must be a cuflow Layer instance; "
                             f"received {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of 'concat', 'sum', 'mul', "
                             f"'ave' or None; received {merge_mode!r}")
        if weights is not None:
            kwargs["weights"] = weights
        super().__init__(**kwargs)
        self.forward_layer = _clone(layer, name="forward_" + _removeprefix(layer.name,
                                                                          "forward_"))
        if backward_layer is None:
            backward_layer = _clone(layer, go_backwards=not layer.go_backwards,
                                    name="backward_" + _removeprefix(layer.name, "backward_"))
        self.backward_layer = backward_layer
        self._verify()
        for sub in (self.forward_layer, self.backward_layer):
            # Keras: masked steps of returned sequences are zeros, so both directions line up
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = getattr(layer, "stateful", False)
        self.supports_masking = True

    def _verify(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if not isinstance(bwd, RNN):  # checked here: the attribute reads below assume an RNN
            raise ValueError(f"Bidirectional: backward_layer must be a recurrent layer; "
                             f"received {type(bwd).__name__}")
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(f"Bidirectional: the forward and backward layers need different "
                             f"go_backwards values; received {fwd.go_backwards} for both")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(f"Bidirectional: forward and backward layers must have the same "
                                 f"{attr}; received {getattr(fwd, attr)} and "
                                 f"{getattr(bwd, attr)}")

    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._maybe_build(tuple(input_shape))
                sub.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        out = self.forward_layer.compute_output_shape(tuple(input_shape))
        states = []
        if self.return_state:
            out, states = tuple(out[0]), [tuple(s) for s in out[1:]]
        out = tuple(out)
        if self.merge_mode == "concat":
            out = out[:-1] + (None if out[-1] is None else out[-1] * 2,)
        if self.merge_mode is None:
            outs = [out, out]
        else:
            outs = [out]
        if self.return_state:
            return outs + states + states
        return outs if self.merge_mode is None else out

    def compute_mask(self, inputs, mask=None):
        if mask is None or not self.return_sequences or self.merge_mode is None:
            return None  # list outputs carry no mask through Layer.__call__
        return as_mask(mask)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask = as_mask(mask)
        fwd_kwargs, bwd_kwargs = dict(kwargs), dict(kwargs)
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_kwargs["initial_state"] = list(initial_state[:half])
            bwd_kwargs["initial_state"] = list(initial_state[half:])
        y = self.forward_layer(sequences, **fwd_kwargs)
        y_rev = self.backward_layer(sequences, **bwd_kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            # the backward layer returns its sequence in reverse time order: flip it back
            steps = y_rev.shape[1]
            y_rev = y_rev[:, ::-1] if steps else y_rev
        if self.merge_mode == "concat":
            out = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) * 0.5
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            out = [y, y_rev]
        if self.return_state:
            if self.return_sequences and mask is not None and self.merge_mode is not None:
                out._keras_mask = mask
            return (out if isinstance(out, list) else [out]) + states
        return out

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], custom_objects)
        return cls(**config)
