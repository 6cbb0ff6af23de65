"""Shared by EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: reading a monitored value
and deciding whether bigger or smaller is better."""

from __future__ import annotations

import warnings

# metric names (without "val_") where bigger is better, when the model cannot tell us
_UP_WORDS = ("acc", "auc", "precision", "recall", "fmeasure", "f1", "iou")


def check_mode(mode, owner):
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        return "auto"
    return mode


def bigger_is_better(monitor, mode, model=None):
    """True for mode 'max', False for 'min'; for 'auto' ask the model's metrics, then the name."""
    if mode != "auto":
        return mode == "max"
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return False
    for m in _model_metrics(model):
        if getattr(m, "name", None) == name and getattr(m, "_direction", None) in ("up", "down"):
            return m._direction == "up"
    return any(w in name for w in _UP_WORDS)


def _model_metrics(model):
    try:
        found = list(getattr(model, "metrics", None) or [])
    except Exception:  # a model not built yet may refuse; the name decides then
        return []
    out = []
    for m in found:  # Keras nests compiled metrics in containers exposing .metrics
        inner = getattr(m, "metrics", None)
        out.extend(inner if isinstance(inner, (list, tuple)) else [m])
    return out

