"""Where one cuflow training epoch spends its time: ``python -m benchmarks.pace.profile [mlp|cnn]``.

Two views of the same epoch (after a warm-up epoch):
- wall-clock by backend op: every public method of the CPU backend is wrapped with a timer, so
  GEMMs, im2col/col2im, pooling, the fused bias+activation epilogues, losses... are each summed
  (nested calls are attributed to the outermost op); the optimizer's update is timed as a whole;
  "framework" is the rest of the epoch (layers, autodiff, fit loop, metrics, callbacks);
- cProfile's top functions by own time (``--cprofile N``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections import defaultdict

from . import workloads as wl
from .runners import cuflow_model


class OpTimer:
    """Wraps the backend instance's methods and the optimizer's ``apply`` with wall clocks."""

    def __init__(self):
        self.total = defaultdict(float)
        self.calls = defaultdict(int)
        self._depth = 0

    def wrap(self, owner, name, label=None):
        fn = getattr(owner, name)
        label = label or name

        def timed(*args, **kwargs):
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total[label] += time.perf_counter() - t0
                self.calls[label] += 1
                self._depth -= 1

        setattr(owner, name, timed)

    def install(self, model):
        from cuflow.backend import get_backend

        bk = get_backend()
        for name in dir(type(bk)):
            if name.startswith("_") or name in ("xp", "device"):
                continue
            if callable(getattr(bk, name, None)):
                self.wrap(bk, name)
        kernels = bk._kernels
        for name in dir(kernels):
            if not name.startswith("_") and callable(getattr(kernels, name)) and \
                    getattr(getattr(kernels, name), "__module__", "").startswith("cuflow"):
                self.wrap(kernels, name)
        self.wrap(model.optimizer, "apply", "optimizer.apply (Adam update)")


def breakdown(kind, cprofile_top=0):
    model = cuflow_model(kind)
    x, y = wl.data(kind)
    batch = wl.WORKLOADS[kind]["batch"]
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)  # warm-up
    timer = OpTimer()
    timer.install(model)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    epoch = time.perf_counter() - t0
    steps = len(wl.batches(kind))
    lines = [f"{kind}: one epoch of {steps} steps, {epoch * 1e3:.1f} ms "
             f"({epoch / steps * 1e3:.3f} ms/step)",
             f"  {'what':34s} {'calls/step':>10s} {'ms/step':>9s} {'share':>7s}"]
    rows = sorted(timer.total.items(), key=lambda kv: -kv[1])
    for name, t in rows:
        lines.append(f"  {name:34s} {timer.calls[name] / steps:10.1f} {t / steps * 1e3:9.3f} "
                     f"{t / epoch:7.1%}")
    rest = epoch - sum(timer.total.values())
    lines.append(f"  {'framework (everything else)':34s} {'':10s} {rest / steps * 1e3:9.3f} "
                 f"{rest / epoch:7.1%}")
    if cprofile_top:
        prof = cProfile.Profile()
        prof.enable()
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(cprofile_top)
        lines.append(buf.getvalue())
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.pace.profile", description=__doc__)
    p.add_argument("workloads", nargs="*", default=["mlp", "cnn"])
    p.add_argument("--cprofile", type=int, default=0, metavar="N",
                   help="also print cProfile's top N functions by own time")
    a = p.parse_args(argv)
    for kind in a.workloads:
        print(breakdown(kind, a.cprofile))


if __name__ == "__main__":
    main()
