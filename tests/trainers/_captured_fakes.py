"""Stand-ins for ``CudaGraphRunner`` on the CPU: a "replay" re-runs the captured step's device
work on the static buffers and nothing of its host side, as a CUDA graph does."""

from __future__ import annotations

from cuflow.backend import get_backend
from cuflow.trainers import captured_step


class FakeRunner:
    """Stands in for CudaGraphRunner on the CPU."""

    def __init__(self, fail=None):
        self.fail = fail
        self.captures = self.launches = 0
        self.private_runs = 0

    def run(self, fn, private=False):
        self.private_runs += bool(private)
        return fn()

    def capture(self, fn):
        if self.fail:
            raise RuntimeError(self.fail)
        self.captures += 1
        # the host side of the step runs once while capturing, but nothing executes on the
        # device: undo the CPU's effects on weights, optimizer slots and the dropout counter
        from cuflow.backend import get_backend

        model, opt = self._model, self._opt
        weights = model.get_weights()
        slots = [v.data.copy() for v in opt.variables]
        rng = get_backend("cpu").rng_state.copy()
        fn()
        model.set_weights(weights)
        for v, old in zip(opt.variables, slots):
            v.data[...] = old
        get_backend("cpu").rng_state[...] = rng
        return fn

    def launch(self, graph, before):
        before()
        self.launches += 1
        opt = self._opt
        it = int(opt.iterations.data)
        graph()  # the device work of the step, on the static buffers
        opt.iterations.data[...] = it  # a replay has no host side effects


class StateFakeRunner:
    """A CudaGraphRunner stand-in that knows its model: a capture runs the host side once and
    then undoes every effect on the device state (weights, optimizer slots, metric
    accumulators, the dropout counter), because a real capture executes nothing."""

    def __init__(self, model):
        self.model = model
        self.captures = self.launches = 0

    def run(self, fn, private=False):
        return fn()

    def _snapshot(self):
        variables, states = captured_step._state_holders(self.model)
        return ([(v, v.data.copy()) for v in variables],
                [(a, a.copy()) for d in states for a in d.values()],
                get_backend("cpu").rng_state.copy())

    def capture(self, fn):
        saved = self._snapshot()
        fn()
        variables, arrays, rng = saved
        for v, old in variables:
            v.data[...] = old
        for a, old in arrays:
            a[...] = old
        get_backend("cpu").rng_state[...] = rng
        self.captures += 1
        return fn

    def launch(self, graph, before):
        before()
        self.launches += 1
        opt = getattr(self.model, "optimizer", None)
        it = None if opt is None else int(opt.iterations.data)
        graph()
        if it is not None:
            opt.iterations.data[...] = it  # a replay has no host side effects
