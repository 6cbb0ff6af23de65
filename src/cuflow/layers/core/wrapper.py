"""``Wrapper``: the base of layers that wrap one other layer."""

from __future__ import annotations

from ..layer import Layer
from ..serialization import deserialize_layer, serialize_layer


class Wrapper(Layer):
    """Base of layers that wrap one other layer (``self.layer``)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__} needs a cuflow Layer instance to wrap; "
                             f"received {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return cls(**config)
