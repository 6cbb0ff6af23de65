"""Configs for custom layers that do not write ``get_config`` (Keras 3's automatic config).

At construction the arguments given to ``__init__`` (defaults filled in) are kept when every
value is a plain JSON value (str, int, float, bool, None, or lists / tuples / dicts of them);
``get_config`` of a class that does not override it then returns them, so the layer saves and
``from_config`` remakes it. A class given other values (a layer, an array ...) or ``*args`` must
write ``get_config``: its default ``get_config`` raises ``NotImplementedError`` saying so.
"""

from __future__ import annotations

import inspect

from ..tree import flatten as _flatten

_PLAIN = (str, int, float, bool, type(None))

_EXAMPLE = """
    class CustomLayer(keras.layers.Layer):
        def __init__(self, arg1, arg2, **kwargs):
            super().__init__(**kwargs)
            self.arg1 = arg1
            self.arg2 = arg2

        def get_config(self):
            config = super().get_config()
            config.update({"arg1": self.arg1, "arg2": self.arg2})
            return config
"""


def capture(cls, args, kwargs):
    """``(config, reason)``: the plain-valued ``__init__`` arguments, or ``(None, why)``."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None, "values"
    params = list(signature.parameters.values())
    if any(p.kind is p.POSITIONAL_ONLY for p in params[1:]):
        return None, "positional"
    bound.apply_defaults()
    config = dict(bound.arguments)
    config.pop(params[0].name, None)
    for p in params:
        if p.kind is p.VAR_KEYWORD:
            config.update(config.pop(p.name, {}) or {})
        elif p.kind is p.VAR_POSITIONAL and config.pop(p.name, ()):
            return None, "positional"
    config.pop("name", None)
    try:
        leaves = _flatten(config)
    except TypeError:
        return None, "values"
    if not all(isinstance(v, _PLAIN) for v in leaves):
        return None, "values"
    return config, None


def auto_config(layer, base):
    """``base`` (the layer's own keys) over the captured arguments, for a class that does not
    override ``get_config``."""
    captured = getattr(layer, "_auto_config", None)
    if captured is None:
        why = getattr(layer, "_auto_config_reason", "values")
        what = ("positional-only or variadic positional arguments (e.g. `*args`)"
                if why == "positional" else "non-serializable argument values")
        raise NotImplementedError(
            f"Object {type(layer).__name__} was created by passing {what} to `__init__()`, and "
            f"therefore the object must override `get_config()` (and `from_config()` if "
            f"needed) in order to be serializable. Example:\n{_EXAMPLE}")
    config = {"name": base.get("name"), **captured, **base}
    params = inspect.signature(type(layer).__init__).parameters
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if not takes_kwargs:  # keep only what __init__ accepts
        config = {k: v for k, v in config.items() if k in params}
    return config
