"""Snapshot and restore a model's training state, so measuring or profiling a real training
step does not train the model."""

from __future__ import annotations


def _rng_of(bk):
    # the CPU backend keeps a NumPy Generator; restoring it keeps dropout masks reproducible
    rng = getattr(bk, "_rng", None)
    return rng if hasattr(rng, "bit_generator") else None


def counter_state(bk):
    """The backend's counter-based generator state array if it has made one (None otherwise;
    reading ``rng_state`` would create it)."""
    return getattr(bk, "_rng_state", None)


class TrainingState:
    """Weights, optimizer variables (building the optimizer first, as the first step would),
    metric state and the CPU generator; ``restore()`` writes them back in place."""

    def __init__(self, model):
        self.model = model
        opt = getattr(model, "optimizer", None)
        if opt is not None and not opt.built and model.trainable_weights:
            opt.build(model.trainable_weights)  # what train_step's first apply() would do
        variables = list(model.weights) + list(getattr(opt, "variables", []) or [])
        seen, self._saved = set(), []
        for v in variables:
            if id(v) not in seen:
                seen.add(id(v))
                self._saved.append((v, v._backend.to_numpy(v.data).copy()))
        self._rngs, self._counters = [], []
        for bk in {id(v._backend): v._backend for v, _ in self._saved}.values():
            rng = _rng_of(bk)
            if rng is not None:
                self._rngs.append((rng, rng.bit_generator.state))
            counter = counter_state(bk)
            if counter is not None:  # dropout's [seed, counter] array, advanced in place
                self._counters.append((bk, counter, bk.to_numpy(counter).copy()))

    def restore(self):
        for v, value in self._saved:
            # in place when possible: captured CUDA graphs and optimizer scratch keep pointers
            if v.data.shape == value.shape:
                v.data[...] = v._backend.asarray(value)
            else:
                v.data = v._backend.asarray(value)
        for rng, state in self._rngs:
            rng.bit_generator.state = state
        for bk, counter, value in self._counters:
            counter[...] = bk.asarray(value)
        if getattr(self.model, "compiled", False):
            self.model.reset_metrics()
