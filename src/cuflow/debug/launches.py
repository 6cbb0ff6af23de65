"""``model.summary(kernels=True)``: what one training step launches, per layer, and whether the
step is launch-bound (host dispatch dominates) or compute-bound (the device does).

On the GPU the per-layer device figure is the CUDA-event span from an empty stream to the end of
the layer's work, i.e. max(host dispatch, device execution): when the host figure comes close to
it, the GPU was waiting for Python. Our kernels and cuBLAS GEMMs are counted exactly (the backend
methods are wrapped); CuPy's own elementwise/reduction launches cannot be hooked from Python, so
they are estimated from the autodiff ops (marked ≈).
"""

from __future__ import annotations

import numpy as np

from ..trainers import step
from ._instrument import Instrument
from ._state import TrainingState

#: host share of the device span above which a GPU step counts as launch-bound
LAUNCH_BOUND_SHARE = 0.7


class LaunchReport:
    """Per-scope rows and a verdict; ``str(report)`` is the printed table."""

    def __init__(self, instrument, steps=1, note=""):
        ins = instrument
        self.device = ins.bk.device
        self.steps = max(int(steps), 1)
        self.note = note
        self.rows = []
        for s in ins.scopes.values():
            if not (s.n_ops or s.kernels or s.host_fwd or s.host_bwd):
                continue
            dev = ins.device_ms(s)
            self.rows.append({
                "scope": s.name, "ops": s.n_ops / self.steps,
                "op_names": dict(s.ops), "kernels": {k: v / self.steps for k, v in
                                                     s.kernels.items()},
                "ours": s.ours / self.steps, "cublas": s.gemms / self.steps,
                "cupy_estimate": s.array_launch_estimate / self.steps,
                "host_ms": 1e3 * (s.host_fwd + s.host_bwd) / self.steps,
                "fwd_ms": 1e3 * s.host_fwd / self.steps, "bwd_ms": 1e3 * s.host_bwd / self.steps,
                "device_ms": None if dev is None else dev / self.steps})
        self.host_ms = sum(r["host_ms"] for r in self.rows)
        self.device_ms = None if self.device == "cpu" else \
            sum(r["device_ms"] for r in self.rows)
        self.launches = sum(r["ours"] + r["cublas"] + r["cupy_estimate"] for r in self.rows)
        self.ops = sum(r["ops"] for r in self.rows)
        self.verdict, self.advice = self._verdict()

    def _verdict(self):
        if self.device == "cpu":
            top = max(self.rows, key=lambda r: r["host_ms"], default=None)
            where = f"; most time in {top['scope']} ({top['host_ms']:.2f} ms)" if top else ""
            return (f"CPU: compute runs inline on the host, {self.ops:.0f} ops and "
                    f"{self.host_ms:.2f} ms per step{where}",
                    ["on a GPU, run summary(kernels=True) again to see launch counts"])
        share = self.host_ms / self.device_ms if self.device_ms else 1.0
        if share >= LAUNCH_BOUND_SHARE:
            return (f"launch-bound: ~{self.launches:.0f} launches per step, host dispatch "
                    f"{self.host_ms:.2f} ms of a {self.device_ms:.2f} ms device span "
                    f"({100 * share:.0f}%): the GPU waits for Python",
                    ["use a larger batch (same launches, more work each)",
                     "capture the step as one CUDA graph: compile(jit_compile=True)",
                     "fewer, larger layers launch less"])
        return (f"compute-bound: the device span {self.device_ms:.2f} ms exceeds host dispatch "
                f"{self.host_ms:.2f} ms ({100 * share:.0f}%), ~{self.launches:.0f} launches per "
                f"step",
                ["mixed precision (float16 compute) to cut device time",
                 "check that the largest layers' GEMM shapes are multiples of 8"])

    def lines(self):
        out = [f"Kernel launches per training step on {self.device}"
               + (f" (mean of {self.steps} steps)" if self.steps > 1 else "")
               + (f" — {self.note}" if self.note else "")]
        if self.device == "cpu":
            head = f"{'layer':<24}{'ops':>6}{'kernels':>9}{'fwd ms':>10}{'bwd ms':>10}"
            out += [head, "-" * len(head)]
            for r in self.rows:
                out.append(f"{r['scope'][:23]:<24}{r['ops']:>6.0f}{r['ours'] + r['cublas']:>9.0f}"
                           f"{r['fwd_ms']:>10.3f}{r['bwd_ms']:>10.3f}")
        else:
            head = (f"{'layer':<24}{'ops':>5}{'ours':>6}{'cuBLAS':>8}{'CuPy≈':>7}"
                    f"{'host ms':>9}{'device ms':>11}")
            out += [head, "-" * len(head)]
            for r in self.rows:
                out.append(f"{r['scope'][:23]:<24}{r['ops']:>5.0f}{r['ours']:>6.0f}"
                           f"{r['cublas']:>8.0f}{r['cupy_estimate']:>7.0f}{r['host_ms']:>9.3f}"
                           f"{r['device_ms']:>11.3f}")
        for r in self.rows:
            if r["kernels"]:
                names = ", ".join(f"{k}×{v:g}" for k, v in sorted(r["kernels"].items()))
                out.append(f"  {r['scope']}: {names}")
        out.append(f"Verdict: {self.verdict}")
        out += [f"  - {a}" for a in self.advice]
        return out

    def __str__(self):
        return "\n".join(self.lines())


def _loss_is_sparse(model):
    spec = model.compiled_loss.loss if getattr(model, "compiled", False) else None
    specs = list(spec.values()) if isinstance(spec, dict) else \
        list(spec) if isinstance(spec, (list, tuple)) else [spec]
    text = " ".join(f"{type(s).__name__} {getattr(s, 'name', '')} "
                    f"{getattr(getattr(s, 'fn', None), '__name__', '')}" for s in specs)
    return "sparse" in text.lower()


def synthetic_batch(model, batch_size=8, seed=0):
    """Inputs shaped like the model's, and targets shaped like its outputs (integer labels for
    sparse losses)."""
    from .. import autodiff
    from ..tree import flatten as _flatten

    shapes = getattr(model, "_input_batch_shapes", None)
    if not shapes:
        raise ValueError(f"model {model.name!r} has no known input shape: pass x (and y) or "
                         f"build it first")
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal((batch_size,) + tuple(1 if d is None else d for d in s[1:]))
          .astype("float32") for s in shapes]
    x = xs[0] if len(xs) == 1 else xs
    with autodiff.no_grad():
        preds = [p.numpy() for p in _flatten(model(x, training=False))]
    ys = []
    for p in preds:
        if _loss_is_sparse(model):
            ys.append(rng.integers(0, max(p.shape[-1], 1), size=p.shape[:-1]).astype("int64"))
        else:
            ys.append(rng.uniform(0, 1, size=p.shape).astype("float32"))
    return x, ys[0] if len(ys) == 1 else ys


def _batch_on_device(model, x, y, batch_size):
    from ..trainers.data_adapters import make_data

    data = make_data(model._normalize_x(x), model._normalize_y(y), None, batch_size, False,
                     None, device=model.device)
    return next(iter(data.batches()))


def profile_step(model, x=None, y=None, batch_size=8, warmup=1):
    """Run one instrumented training step (after ``warmup`` plain ones) and restore the model's
    weights and optimizer state afterwards; returns a ``LaunchReport``."""
    if not getattr(model, "compiled", False):
        raise ValueError("summary(kernels=True) profiles a training step, so the model must be "
                         "compiled first (the loss and optimizer are part of the step)")
    note = "synthetic batch" if x is None else ""
    if x is None:
        x, y = synthetic_batch(model, batch_size)
    xb, yb, swb = _batch_on_device(model, x, y, batch_size)
    state = TrainingState(model)
    try:  # the plain eager step: fit's loss check (nan_bundle) stays out of the profile
        for _ in range(warmup):  # first-call work (kernel compilation, metric build) excluded
            step.train_step(model, xb, yb, swb)
        with Instrument(model) as ins:
            step.train_step(model, xb, yb, swb)
        return LaunchReport(ins, note=note)
    finally:
        state.restore()


def kernel_summary(model, print_fn=None, x=None, y=None, batch_size=8):
    report = profile_step(model, x, y, batch_size)
    (print_fn or print)(str(report))
    return report
