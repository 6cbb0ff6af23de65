"""``cuflow.optimizers``: Keras 3 optimizers over cuflow Variables (mirrors
``tensorflow.keras.optimizers``), plus ``get`` / ``serialize`` / ``deserialize``."""

from __future__ import annotations

from . import schedules
from .adafactor import Adafactor
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .base import Optimizer
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale import LossScaleOptimizer
from .multi_optimizer import MultiOptimizer, OptimizerMap
from .muon import Muon
from .rmsprop import RMSprop
from .schedule_free_adamw import ScheduleFreeAdamW
from .sgd import SGD

# Lower-case name -> class: a closed registry (configs never import anything by name).
_REGISTRY = {c.__name__.lower(): c
             for c in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion,
                       Adafactor, Ftrl, Lamb, Muon, ScheduleFreeAdamW, MultiOptimizer)}


def serialize(optimizer):
    """``{"class_name": ..., "config": ...}`` for an optimizer (Keras's layout)."""
    if not isinstance(optimizer, (Optimizer, LossScaleOptimizer)):
        raise ValueError(f"serialize() expects an Optimizer; received "
                         f"{type(optimizer).__name__}")
    return {"module": "cuflow.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s output (class names are case-insensitive)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize() expects a dict with 'class_name' and 'config'; "
                         f"received {config!r}")
    name = config["class_name"]
    custom = {k.lower(): v for k, v in (custom_objects or {}).items()}
    cls = custom.get(str(name).lower()) or _REGISTRY.get(str(name).lower())
    if str(name) == "LossScaleOptimizer":
        cls = LossScaleOptimizer
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(_REGISTRY)}")
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name ('adam', case-insensitive), a config dict or an instance."""
    if identifier is None or isinstance(identifier, (Optimizer, LossScaleOptimizer)):
        return identifier
    if isinstance(identifier, str):
        cls = _REGISTRY.get(identifier.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {identifier!r}; expected one of "
                             f"{sorted(_REGISTRY)}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"could not interpret optimizer identifier {identifier!r}; expected a "
                     f"name ({sorted(_REGISTRY)}), a config dict or an Optimizer")


__all__ = ["SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb",
           "Lion", "LossScaleOptimizer", "Muon", "MultiOptimizer", "Nadam", "Optimizer",
           "OptimizerMap", "RMSprop", "ScheduleFreeAdamW", "deserialize", "get", "schedules",
           "serialize"]
