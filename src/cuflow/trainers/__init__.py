"""Training: ``Trainer`` (compile / fit / evaluate / predict, mixed into ``Model``), the loss
and metrics of a compile, the loops, the eager and the captured (CUDA graph) steps, the data
adapters, and the distribution strategy the loop always calls (a do-nothing default)."""

from .data_adapters import PyDataset, Sequence
from .distribution import DefaultStrategy
from .trainer import NotCompiledError, Trainer

__all__ = ["DefaultStrategy", "NotCompiledError", "PyDataset", "Sequence", "Trainer"]
