"""Name lookup shared by initializers, regularizers and constraints: ``serialize``,
``deserialize`` and ``get`` over a closed table of names (nothing is imported by name)."""

from __future__ import annotations


class Configurable:
    """``get_config`` / ``from_config`` / ``repr`` for objects fully described by their config
    (initializers, regularizers, constraints)."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Lookup:
    def __init__(self, kind, names, base):
        self.kind = kind  # "initializer", "regularizer", ...
        self.names = names  # name -> class, a closed table
        self.base = base
        self.article = "an" if kind[0] in "aeiou" else "a"
        self.base_article = "an" if base.__name__[0] in "AEIOU" else "a"

    def unknown(self, name):
        return ValueError(f"Unknown {self.kind} {name!r}; valid names: "
                          f"{', '.join(sorted(self.names))}")

    def serialize(self, obj):
        """An object -> {"class_name", "config"}; a plain function -> its name; None -> None."""
        if obj is None:
            return None
        if hasattr(obj, "get_config"):
            return {"class_name": type(obj).__name__, "config": obj.get_config()}
        if callable(obj) and hasattr(obj, "__name__"):
            return obj.__name__  # restored through deserialize(..., custom_objects)
        raise ValueError(f"cannot serialize {obj!r} as {self.article} {self.kind}")

    def deserialize(self, config, custom_objects=None):
        """A name or ``{"class_name", "config"}`` -> an object (closed table lookup)."""
        if config is None:
            return None
        if isinstance(config, str):
            name, kwargs = config, {}
        elif isinstance(config, dict) and "class_name" in config:
            name, kwargs = config["class_name"], config.get("config") or {}
        else:
            raise ValueError(f"cannot deserialize {self.article} {self.kind} from {config!r}")
        cls = (custom_objects or {}).get(name) or self.names.get(name)
        if cls is None:
            raise self.unknown(name)
        if not isinstance(cls, type):  # a plain function from custom_objects
            return cls
        return cls.from_config(kwargs) if hasattr(cls, "from_config") else cls(**kwargs)

    def get(self, identifier):
        """From a name, config dict, class, instance or callable (None stays None)."""
        if identifier is None:
            return None
        if isinstance(identifier, (str, dict)):
            return self.deserialize(identifier)
        if isinstance(identifier, type) and issubclass(identifier, self.base):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} identifier {identifier!r}: expected a "
                         f"name (one of {', '.join(sorted(self.names))}), {self.base_article} "
                         f"{self.base.__name__} or a callable")
