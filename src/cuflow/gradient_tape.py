"""``GradientTape``: TensorFlow's way to ask for gradients, over the define-by-run graph that
``autodiff`` records and walks."""

from __future__ import annotations

from .autodiff import enable_grad, no_grad, run_backward
from .tensor import Tensor
from .tree import flatten as _flatten
from .tree import pack_sequence_as


class GradientTape:
    """TensorFlow-style tape: ``with GradientTape() as tape: ...; tape.gradient(y, [w, b])``.

    Trainable Variables are watched automatically; ``watch`` adds constant tensors. The graph is
    recorded by the ops themselves, so the tape only enables recording and computes gradients.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._used = False
        self._recording = None

    def __enter__(self):
        self._recording = enable_grad()
        self._recording.__enter__()
        return self

    def __exit__(self, *exc):
        self._recording.__exit__(*exc)
        self._recording = None
        return False

    def watch(self, tensor):
        for t in _flatten(tensor):
            if not t.dtype.kind == "f":
                raise TypeError(f"GradientTape.watch needs floating tensors; received dtype "
                                f"{t.dtype}")
            t.requires_grad = True

    def stop_recording(self):
        return no_grad()

    def reset(self):
        self._used = False

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero'; received "
                             f"{unconnected_gradients!r}")
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can compute gradients only once; "
                               "use GradientTape(persistent=True) to call gradient() repeatedly")
        self._used = True
        targets = _flatten(target)
        flat_sources = _flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise TypeError(f"gradient sources must be Tensors or Variables; received "
                                f"{type(s).__name__}")
        if output_gradients is None:
            root_grads = [t._backend.xp.ones(t.shape, dtype=t.dtype) for t in targets]
        else:
            root_grads = [Tensor(g, dtype=t.dtype).data for t, g in
                          zip(targets, _flatten(output_gradients))]
        live = [(t, g) for t, g in zip(targets, root_grads) if t.requires_grad]
        raw = run_backward([t for t, _ in live], [g for _, g in live], flat_sources) if live \
            else [None] * len(flat_sources)
        out = []
        for s, g in zip(flat_sources, raw):
            if g is None and unconnected_gradients == "zero":
                g = s._backend.xp.zeros(s.shape, dtype=s.dtype)
            out.append(None if g is None else Tensor._wrap(g))
        return pack_sequence_as(sources, out)
