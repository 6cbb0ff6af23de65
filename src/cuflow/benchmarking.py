"""Training-throughput measurements shared by ``cuflow bench`` and ``benchmarks/``.

Every figure is reported beside a reference measured in the same run: a hand-written NumPy
(or CuPy) step of the same MLP, and PyTorch eager when it is importable.
"""

from __future__ import annotations

import contextlib
import gc
import time

import numpy as np

MLP_SIZES = (784, 256, 128, 10)


def synthetic_classification(n=4096, features=784, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = rng.integers(0, classes, size=n).astype(np.int64)
    return x, y


def _rate(fn, samples_per_call, min_time=1.0, warmup=2):
    for _ in range(warmup):
        fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time and calls >= 3:
            return calls * samples_per_call / elapsed


def cuflow_mlp_rate(batch=128, n=4096, min_time=1.0, device=None):
    """Samples per second of ``Model.fit`` on the MLP (one epoch of ``n`` samples per call)."""
    import cuflow
    from cuflow.layers import Dense
    from cuflow.models import Sequential

    x, y = synthetic_classification(n)
    ctx = cuflow.device(device) if device else _nullcontext()
    with ctx:
        model = Sequential([Dense(MLP_SIZES[1], activation="relu", input_shape=(MLP_SIZES[0],)),
                            Dense(MLP_SIZES[2], activation="relu"),
                            Dense(MLP_SIZES[3], activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        xd, yd = cuflow.to_device(x), cuflow.to_device(y)

        def epoch():
            model.fit(xd, yd, batch_size=batch, epochs=1, verbose=0, shuffle=True)
            cuflow.backend.get_backend().synchronize()  # time finished work, not queued work

        return _rate(epoch, n, min_time)


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def numpy_mlp_rate(batch=128, n=4096, min_time=1.0, xp=np):
    """The same MLP, Adam and loss written by hand on raw arrays: the reference step."""
    x, y = synthetic_classification(n)
    x, y = xp.asarray(x), xp.asarray(y)
    rng = np.random.default_rng(1)
    params = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        lim = np.sqrt(6 / (fan_in + fan_out))
        params += [xp.asarray(rng.uniform(-lim, lim, (fan_in, fan_out)).astype(np.float32)),
                   xp.zeros(fan_out, dtype=np.float32)]
    m = [xp.zeros_like(p) for p in params]
    v = [xp.zeros_like(p) for p in params]
    state = {"t": 0}
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7

    def step(xb, yb):
        w1, c1, w2, c2, w3, c3 = params
        h1 = xb @ w1
        h1 += c1
        xp.maximum(h1, 0, out=h1)
        h2 = h1 @ w2
        h2 += c2
        xp.maximum(h2, 0, out=h2)
        z = h2 @ w3
        z += c3
        z -= z.max(axis=1, keepdims=True)
        e = xp.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        p[xp.arange(len(yb)), yb] -= 1
        p /= len(yb)
        g3 = h2.T @ p
        d2 = p @ w3.T
        d2 *= h2 > 0
        g2 = h1.T @ d2
        d1 = d2 @ w2.T
        d1 *= h1 > 0
        g1 = xb.T @ d1
        grads = [g1, d1.sum(0), g2, d2.sum(0), g3, p.sum(0)]
        state["t"] += 1
        t = state["t"]
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for pa, g, mm, vv in zip(params, grads, m, v):
            mm *= b1
            mm += (1 - b1) * g
            vv *= b2
            vv += (1 - b2) * g * g
            pa -= alpha * mm / (xp.sqrt(vv) + eps)

    def epoch():
        perm = np.random.default_rng().permutation(n)
        perm = xp.asarray(perm)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            step(x[idx], y[idx])
        if xp is not np:
            xp.cuda.get_current_stream().synchronize()

    return _rate(epoch, n, min_time)


def torch_mlp_rate(batch=128, n=4096, min_time=1.0, device="cpu"):
    """PyTorch eager on the same MLP, or None when torch is not importable."""
    try:
        import torch
    except Exception:
        return None
    x, y = synthetic_classification(n)
    dev = torch.device("cuda" if device.startswith("gpu") else "cpu")
    xt, yt = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    layers = []
    for i, (a, b) in enumerate(zip(MLP_SIZES[:-1], MLP_SIZES[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(MLP_SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(n, device=dev)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()

    return _rate(epoch, n, min_time)


def mlp_table(device="cpu", batch=128, min_time=1.0):
    """Rows of (name, samples/s, ratio to the hand-written reference)."""
    xp = np
    if device.startswith("gpu"):
        import cupy as xp  # noqa: F811
    ref = numpy_mlp_rate(batch, min_time=min_time, xp=xp)
    ours = cuflow_mlp_rate(batch, min_time=min_time, device=device)
    rows = [("cuflow fit", ours, ours / ref),
            (f"hand-written {'CuPy' if xp is not np else 'NumPy'} step", ref, 1.0)]
    torch_rate = torch_mlp_rate(batch, min_time=min_time, device=device)
    if torch_rate is not None:
        rows.append(("PyTorch eager", torch_rate, torch_rate / ref))
    return rows


def format_table(title, rows):
    lines = [title, f"{'what':34s} {'samples/s':>12s} {'vs reference':>13s}"]
    for name, rate, ratio in rows:
        lines.append(f"{name:34s} {rate:12,.0f} {ratio:12.2f}x")
    return "\n".join(lines)


# ---- training steps per second: cuflow eager / captured beside PyTorch eager / CUDA graph ----
#
# ``step_benchmark`` measures one training step (forward, loss, backward, optimizer update) of a
# few fixed models, every variant in the same run on the same device and data:
#
#   cuflow eager       the model's ``_train_step`` as ``fit`` runs it with jit_compile=False
#   cuflow captured    ``graph_step.train_function`` with jit_compile=True: one CUDA graph replay
#   torch eager        the same architecture in PyTorch (NCHW for the CNN), Adam
#   torch cuda graph   the PyTorch whole-step CUDA-graph recipe (capturable Adam, warm-up on a
#                      side stream, ``torch.cuda.graph``)
#
# On the GPU each figure is timed with CUDA events after a warm-up and a synchronize; on the CPU
# with ``time.perf_counter``, and the CUDA-graph variants are reported as skipped with a reason.
# A variant that raises is reported as an error row; the others still run.

VARIANTS = ("cuflow eager", "cuflow captured", "torch eager", "torch cuda graph")
_MLP_LARGE = (1024, 4096, 4096, 4096, 1000)
_CNN_DESC = "CNN conv3x3(32)-pool-conv3x3(64)-pool-dense128-dense10, 32x32x3"


class StepCase:
    """One model / batch / precision combination measured by :func:`step_benchmark`."""

    def __init__(self, name, kind, dims, batch, precision="float32", baseline=None):
        self.name, self.kind, self.dims, self.batch = name, kind, dims, batch
        self.precision = precision  # "float32", "tf32" or "mixed_float16"
        self.baseline = baseline  # the float32 case this one is compared with

    @property
    def description(self):
        what = ("MLP " + "-".join(map(str, self.dims)) if self.kind == "mlp" else _CNN_DESC)
        return f"{what}, Adam, batch {self.batch}, {self.precision}"

    def as_dict(self):
        return {"name": self.name, "kind": self.kind,
                "dims": list(self.dims) if self.dims else None, "batch": self.batch,
                "precision": self.precision, "baseline": self.baseline,
                "description": self.description}


STEP_CASES = {c.name: c for c in (
    StepCase("mlp_small", "mlp", MLP_SIZES, 128),
    StepCase("mlp_large_f32", "mlp", _MLP_LARGE, 4096),
    StepCase("mlp_large_tf32", "mlp", _MLP_LARGE, 4096, "tf32", baseline="mlp_large_f32"),
    StepCase("mlp_large_mixed16", "mlp", _MLP_LARGE, 4096, "mixed_float16",
             baseline="mlp_large_f32"),
    StepCase("cnn_b64", "cnn", None, 64),
    StepCase("cnn_b256", "cnn", None, 256),
)}
STEP_GROUPS = {
    "mlp_large": ("mlp_large_f32", "mlp_large_tf32", "mlp_large_mixed16"),
    "cnn": ("cnn_b64", "cnn_b256"),
    "all": tuple(STEP_CASES),
}
DEFAULT_GPU_MODELS = STEP_GROUPS["all"]
DEFAULT_CPU_MODELS = ("mlp_small", "cnn_b64")  # a few seconds on a 2-core machine
# (steps per round, warm-up steps, rounds); the median round is reported
DEFAULT_GPU_TIMING = (50, 5, 3)
DEFAULT_CPU_TIMING = (10, 2, 1)


def resolve_models(models=None, device="cpu"):
    """Case names for ``models``: None (the device's default), "a,b" or a list of case or group
    names. Raises ValueError naming the unknown value and the valid ones."""
    if models is None:
        return list(DEFAULT_GPU_MODELS if str(device).startswith("gpu") else DEFAULT_CPU_MODELS)
    names = models.split(",") if isinstance(models, str) else list(models)
    names = [str(n).strip() for n in names if str(n).strip()]
    if not names:
        raise ValueError(f"no benchmark models given (received {models!r}); expected a comma-"
                         f"separated list of {valid_model_names()}")
    out = []
    for name in names:
        if name in STEP_GROUPS:
            picked = STEP_GROUPS[name]
        elif name in STEP_CASES:
            picked = (name,)
        else:
            raise ValueError(f"unknown benchmark model {name!r}; expected one of "
                             f"{valid_model_names()}")
        out += [p for p in picked if p not in out]
    return out


def valid_model_names():
    return ", ".join(list(STEP_CASES) + [g for g in STEP_GROUPS if g not in STEP_CASES])


def _step_data(case, seed=0):
    rng = np.random.default_rng(seed)
    if case.kind == "mlp":
        x = rng.normal(size=(case.batch, case.dims[0])).astype(np.float32)
        classes = case.dims[-1]
    else:
        x = rng.normal(size=(case.batch, 32, 32, 3)).astype(np.float32)
        classes = 10
    return x, rng.integers(0, classes, size=case.batch).astype(np.int64)


# ---- clocks: CUDA events on the GPU, perf_counter on the CPU --------------------------------

class _PerfClock:
    name = "time.perf_counter"

    def __init__(self, sync=None):
        self._sync = sync or (lambda: None)

    def sync(self):
        self._sync()

    def start(self):
        self._sync()
        return time.perf_counter()

    def stop(self, t0):
        self._sync()
        return time.perf_counter() - t0


class _EventClock:
    """CUDA events recorded on the current stream (CuPy's or PyTorch's)."""

    name = "CUDA events"

    def __init__(self, lib):
        self.lib = lib

    def sync(self):
        if self.lib == "torch":
            import torch

            torch.cuda.synchronize()
        else:
            import cupy

            cupy.cuda.Device().synchronize()

    def start(self):
        if self.lib == "torch":
            import torch

            ev = torch.cuda.Event(enable_timing=True)
        else:
            import cupy

            ev = cupy.cuda.Event()
        ev.record()
        return ev

    def stop(self, start):
        if self.lib == "torch":
            import torch

            end = torch.cuda.Event(enable_timing=True)
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1e3
        import cupy

        end = cupy.cuda.Event()
        end.record()
        end.synchronize()
        return cupy.cuda.get_elapsed_time(start, end) / 1e3


def _time_steps(step, clock, steps, warmup, rounds):
    """(steps per second of the median round, all round rates) for ``step()``."""
    for _ in range(warmup):
        step()
    clock.sync()
    rates = []
    for _ in range(rounds):
        t0 = clock.start()
        for _ in range(steps):
            step()
        rates.append(steps / max(clock.stop(t0), 1e-12))
    return float(np.median(rates)), rates


# ---- the models ---------------------------------------------------------------------------

def _cuflow_model(case):
    import cuflow as cf
    from cuflow import layers as L
    from cuflow import mixed_precision

    previous = mixed_precision.global_policy()
    if case.precision == "mixed_float16":
        mixed_precision.set_global_policy("mixed_float16")
    try:
        if case.kind == "mlp":
            ls = [L.Input(shape=(case.dims[0],))]
            ls += [L.Dense(d, activation="relu") for d in case.dims[1:-1]]
            ls.append(L.Dense(case.dims[-1]))
        else:
            ls = [L.Input(shape=(32, 32, 3)), L.Conv2D(32, 3, activation="relu"),
                  L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
                  L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10)]
        model = cf.models.Sequential(ls)
        model.compile(optimizer=cf.optimizers.Adam(1e-3),
                      loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    finally:
        mixed_precision.set_global_policy(previous)
    return model


def _torch_model(torch, case, dev):
    nn = torch.nn
    if case.kind == "mlp":
        mods = []
        for a, b in zip(case.dims[:-2], case.dims[1:-1]):
            mods += [nn.Linear(a, b), nn.ReLU()]
        mods.append(nn.Linear(case.dims[-2], case.dims[-1]))
    else:  # the same CNN in NCHW: 32 -> conv 30 -> pool 15 -> conv 13 -> pool 6
        mods = [nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 6 * 6, 128), nn.ReLU(),
                nn.Linear(128, 10)]
    return nn.Sequential(*mods).to(dev)


class _Skip(Exception):
    """A variant that does not apply here; the message is the reason."""


@contextlib.contextmanager
def _tf32(enabled):
    from cuflow import config

    previous = config.tensor_float_32_enabled()
    config.enable_tensor_float_32(enabled)
    try:
        yield
    finally:
        config.enable_tensor_float_32(previous)


@contextlib.contextmanager
def _torch_tf32(torch, enabled):
    """float32 cases run PyTorch without TF32 (its cuDNN default is on), tf32 cases with it."""
    old = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def _free_gpu_memory(torch=None):
    gc.collect()
    try:
        import cupy

        cupy.get_default_memory_pool().free_all_blocks()
    except Exception:
        pass
    if torch is not None:
        try:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:
            pass


def _cuflow_variant(case, variant, device, timing):
    """(steps/s, round rates, note) of one cuflow variant."""
    import cuflow as cf
    from cuflow.trainers import captured_step as graph_step

    gpu = device.startswith("gpu")
    captured = variant == "cuflow captured"
    if captured and not gpu:
        raise _Skip(f"CUDA graphs need a GPU (device is {device})")
    if case.precision == "tf32" and not gpu:
        raise _Skip("TF32 is a GPU tensor-core mode; on the CPU this repeats the float32 case")
    x, y = _step_data(case)
    note = None
    with contextlib.ExitStack() as stack:
        stack.enter_context(cf.device(device))
        stack.enter_context(_tf32(case.precision == "tf32"))
        if gpu:
            import cupy

            stack.enter_context(cupy.cuda.Device(int(device.split(":")[1])))
        model = _cuflow_model(case)
        model._jit_compile = captured
        xb, yb = cf.Tensor(x), cf.Tensor(y)  # on the device already: time steps, not copies
        step = graph_step.train_function(model, None)
        if captured and not isinstance(step, graph_step.CapturedTrainStep):
            note = "CUDA graphs unavailable: ran eagerly"
        clock = _EventClock("cupy") if gpu else _PerfClock()
        rate, rates = _time_steps(lambda: step(xb, yb, None), clock, *timing)
        if captured and isinstance(step, graph_step.CapturedTrainStep):
            if step.disabled:
                note = f"fell back to eager: {step.disabled}"
            elif not step.replays:
                note = "never replayed a graph"
    return rate, rates, note


def _torch_variant(torch, case, variant, device, timing):
    """(steps/s, round rates, note) of one PyTorch variant."""
    gpu = device.startswith("gpu")
    graph = variant == "torch cuda graph"
    if gpu and not torch.cuda.is_available():
        raise _Skip("PyTorch sees no CUDA device (a CPU-only torch build?)")
    if graph and not gpu:
        raise _Skip(f"CUDA graphs need a GPU (device is {device})")
    if case.precision == "tf32" and not gpu:
        raise _Skip("TF32 is a GPU tensor-core mode; on the CPU this repeats the float32 case")
    mixed = case.precision == "mixed_float16"
    if mixed and not gpu:
        raise _Skip("the PyTorch float16 autocast reference runs on CUDA only")
    if mixed and graph:
        raise _Skip("torch.cuda.amp.GradScaler reads its Inf check on the host every step, "
                    "so PyTorch's mixed-precision step with loss scaling cannot be captured")
    dev = torch.device(f"cuda:{device.split(':')[1]}" if gpu else "cpu")
    x, y = _step_data(case)
    xt = torch.from_numpy(x)
    if case.kind == "cnn":
        xt = xt.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    note = None
    with contextlib.ExitStack() as stack:
        if gpu:
            stack.enter_context(torch.cuda.device(dev))
            stack.enter_context(_torch_tf32(torch, case.precision == "tf32"))
        xt, yt = xt.to(dev), torch.from_numpy(y).to(dev)
        model = _torch_model(torch, case, dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=graph)
        loss_fn = torch.nn.CrossEntropyLoss()
        clock = _EventClock("torch") if gpu else _PerfClock()
        if mixed:
            if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
                scaler = torch.amp.GradScaler("cuda")
            else:  # torch < 2.3
                scaler = torch.cuda.amp.GradScaler()
            note = "autocast float16 + GradScaler"

            def step():
                opt.zero_grad(set_to_none=False)
                with torch.autocast("cuda", dtype=torch.float16):
                    loss = loss_fn(model(xt), yt)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
        else:
            def step():
                opt.zero_grad(set_to_none=False)
                loss = loss_fn(model(xt), yt)
                loss.backward()
                opt.step()

        if not graph:
            rate, rates = _time_steps(step, clock, *timing)
        else:
            # PyTorch's whole-step recipe: warm up on a side stream, capture, replay
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    step()
            torch.cuda.current_stream().wait_stream(side)
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                step()
            rate, rates = _time_steps(g.replay, clock, *timing)
    return rate, rates, note


def _import_torch():
    """(torch module or None, why not)."""
    try:
        import torch
    except Exception as exc:  # ImportError, or a broken install raising something else
        return None, f"{type(exc).__name__}: {exc}"
    return torch, None


# ---- the run ------------------------------------------------------------------------------

def _device_name(device):
    if device.startswith("gpu"):
        try:
            import cupy

            props = cupy.cuda.runtime.getDeviceProperties(int(device.split(":")[1]))
            name = props["name"]
            return name.decode() if isinstance(name, bytes) else str(name)
        except Exception as exc:
            return f"unknown GPU ({type(exc).__name__})"
    import os
    import platform

    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} logical CPUs"


def _versions(torch):
    import platform

    import cuflow

    v = {"python": platform.python_version(), "cuflow": cuflow.__version__,
         "numpy": np.__version__, "cupy": None, "torch": None}
    try:
        import cupy

        v["cupy"] = cupy.__version__
        try:
            v["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
            v["cuda_driver"] = cupy.cuda.runtime.driverGetVersion()
        except Exception:
            pass
    except Exception:
        pass
    if torch is not None:
        v["torch"] = torch.__version__
        v["torch_cuda"] = getattr(torch.version, "cuda", None)
    return v


def step_benchmark(models=None, device=None, steps=None, warmup=None, rounds=None,
                   torch=True, on_row=None):
    """Training steps per second of each case in ``models`` for every variant.

    ``device``: "cpu", "gpu", "gpu:N" (default: cuflow's current device). ``steps`` per round,
    ``warmup`` steps before timing and ``rounds`` (median reported) default per device.
    ``torch=False`` leaves the PyTorch variants out. ``on_row(row, result)`` is called after
    each measured row (to print progress or save partial results).

    Returns a JSON-ready dict: ``device``, ``versions``, ``date``, ``settings``, ``notes``,
    ``cases`` and ``rows`` (one per case and variant, with ``status`` "ok" / "skipped" /
    "error", ``steps_per_s``, ``us_per_step``, ``vs_torch_eager``, ``vs_torch_cuda_graph``,
    ``reason`` / ``error`` / ``note``) and ``comparisons`` (each tf32 / mixed case over its
    float32 baseline, per variant).
    """
    import datetime

    import cuflow
    from cuflow.backend import parse_device

    device = cuflow.get_device() if device is None else parse_device(device)
    cases = [STEP_CASES[n] for n in resolve_models(models, device)]
    gpu = device.startswith("gpu")
    d_steps, d_warmup, d_rounds = DEFAULT_GPU_TIMING if gpu else DEFAULT_CPU_TIMING
    timing = (d_steps if steps is None else int(steps), d_warmup if warmup is None
              else int(warmup), d_rounds if rounds is None else int(rounds))
    if timing[0] < 1 or timing[1] < 0 or timing[2] < 1:
        raise ValueError(f"steps and rounds must be >= 1 and warmup >= 0, received steps="
                         f"{timing[0]}, warmup={timing[1]}, rounds={timing[2]}")
    notes = []
    torch_mod = None
    if torch:
        torch_mod, why = _import_torch()
        if torch_mod is None:
            notes.append(f"PyTorch is not importable ({why}): torch variants left out")
    else:
        notes.append("PyTorch variants not requested")
    variants = [v for v in VARIANTS if torch_mod is not None or not v.startswith("torch")]
    result = {
        "benchmark": "training steps per second",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "device": {"name": _device_name(device), "cuflow": device},
        "versions": _versions(torch_mod),
        "settings": {"steps": timing[0], "warmup": timing[1], "rounds": timing[2],
                     "timer": _EventClock.name if gpu else _PerfClock.name,
                     "statistic": "median round"},
        "notes": notes,
        "cases": [c.as_dict() for c in cases],
        "rows": [],
        "comparisons": [],
    }
    for case in cases:
        for variant in variants:
            row = {"case": case.name, "variant": variant, "status": "ok", "steps_per_s": None,
                   "us_per_step": None}
            try:
                if variant.startswith("cuflow"):
                    rate, rates, note = _cuflow_variant(case, variant, device, timing)
                else:
                    rate, rates, note = _torch_variant(torch_mod, case, variant, device, timing)
            except _Skip as skip:
                row.update(status="skipped", reason=str(skip))
            except Exception as exc:  # report it; keep measuring the others
                row.update(status="error", error=f"{type(exc).__name__}: {exc}")
            else:
                row.update(steps_per_s=rate, us_per_step=1e6 / rate,
                           round_steps_per_s=rates)
                if note:
                    row["note"] = note
            if gpu:  # the variant's model, optimizer state and graph are garbage now
                _free_gpu_memory(torch_mod)
            result["rows"].append(row)
            _add_ratios(result)
            if on_row is not None:
                on_row(row, result)
    _add_ratios(result)
    result["comparisons"] = _comparisons(result, cases)
    return result


def _rate_of(result, case, variant):
    for row in result["rows"]:
        if row["case"] == case and row["variant"] == variant and row["status"] == "ok":
            return row["steps_per_s"]
    return None


def _add_ratios(result):
    for row in result["rows"]:
        for key, ref_variant in (("vs_torch_eager", "torch eager"),
                                 ("vs_torch_cuda_graph", "torch cuda graph")):
            ref = _rate_of(result, row["case"], ref_variant)
            ok = row["status"] == "ok" and ref
            row[key] = row["steps_per_s"] / ref if ok else None


def _comparisons(result, cases):
    out = []
    for case in cases:
        if not case.baseline:
            continue
        for variant in VARIANTS:
            rate, base = _rate_of(result, case.name, variant), _rate_of(
                result, case.baseline, variant)
            if rate and base:
                out.append({"case": case.name, "baseline": case.baseline, "variant": variant,
                            "ratio": rate / base})
    return out


def format_step_table(result):
    """The result of :func:`step_benchmark` as a text table: one row per (case, variant)."""
    s = result["settings"]
    head = (f"Training steps per second on {result['device']['cuflow']} "
            f"({result['device']['name']}); {s['steps']} steps x {s['rounds']} round(s) after "
            f"{s['warmup']} warm-up, {s['timer']}, {s['statistic']}")
    lines = [head]
    for c in result["cases"]:
        lines.append(f"  {c['name']}: {c['description']}")
    cols = (f"{'case':<18} {'variant':<17} {'steps/s':>10} {'µs/step':>11} "
            f"{'vs torch eager':>15} {'vs torch graph':>15}  note")
    lines += ["", cols, "-" * len(cols)]

    def ratio(v):
        return f"{v:.2f}x" if v is not None else "-"

    for row in result["rows"]:
        lead = f"{row['case']:<18} {row['variant']:<17} "
        if row["status"] == "skipped":
            lines.append(lead + f"skipped: {row['reason']}")
        elif row["status"] == "error":
            lines.append(lead + f"ERROR: {row['error']}")
        else:
            lines.append(lead + f"{row['steps_per_s']:>10,.1f} {row['us_per_step']:>11,.1f} "
                                f"{ratio(row['vs_torch_eager']):>15} "
                                f"{ratio(row['vs_torch_cuda_graph']):>15}"
                                + (f"  {row['note']}" if row.get("note") else ""))
    if result["comparisons"]:
        lines.append("")
        for c in result["comparisons"]:
            lines.append(f"{c['case']} over {c['baseline']}, {c['variant']}: {c['ratio']:.2f}x")
    for note in result["notes"]:
        lines.append(f"note: {note}")
    status = [row["status"] for row in result["rows"]]
    lines.append(f"rows: {status.count('ok')} measured, {status.count('skipped')} skipped, "
                 f"{status.count('error')} errors")
    return "\n".join(lines)


def write_json(result, path):
    """Write ``result`` as JSON to ``path`` atomically (temp file, fsync, rename)."""
    import json

    from cuflow.saving.archive import atomic_write

    data = json.dumps(result, indent=2, default=str).encode()
    atomic_write(path, lambda f: f.write(data))
