"""NaN bundles: when a training step's loss is not finite, save everything needed to replay
it (batch, pre-step weights and optimizer state, random state, model config), and ``replay`` to
name the first layer whose output turns non-finite or whose devices disagree.

A bundle is a plain ``.npz`` read with ``allow_pickle=False``: structured values (names, configs,
generator state) are JSON strings in 0-d unicode arrays.
"""

from __future__ import annotations

import numpy as np

from ._files import json_array, read_json, save_npz_atomic

#: CPU and GPU outputs of a layer disagree when max|a-b| > DEVICE_ATOL + DEVICE_RTOL * max|a|
DEVICE_RTOL, DEVICE_ATOL = 1e-3, 1e-5


def _host(t):
    if t is None:
        return None
    return np.array(t.numpy() if hasattr(t, "numpy") else t, copy=True)


def _pack(prefix, value, arrays):
    """Flatten a batch structure (array, list/tuple, dict) into arrays; returns its layout."""
    if value is None:
        return None
    if isinstance(value, dict):
        keys = list(value)
        for i, k in enumerate(keys):
            arrays[f"{prefix}_{i}"] = _host(value[k])
        return {"dict": [str(k) for k in keys]}
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            arrays[f"{prefix}_{i}"] = _host(v)
        return {"list": len(value)}
    arrays[f"{prefix}_0"] = _host(value)
    return {"single": 1}


def _unpack(prefix, layout, z):
    if layout is None:
        return None
    if "dict" in layout:
        return {k: z[f"{prefix}_{i}"] for i, k in enumerate(layout["dict"])}
    if "list" in layout:
        return [z[f"{prefix}_{i}"] for i in range(layout["list"])]
    return z[f"{prefix}_0"]


def _random_state(model):
    from .. import random as cf_random
    from ._patch import model_backend

    state = {"host": cf_random.host_rng().bit_generator.state, "seed": cf_random._seed}
    rng = getattr(model_backend(model), "_rng", None)
    if hasattr(rng, "bit_generator"):  # the CPU backend's generator
        state["backend"] = rng.bit_generator.state
    from ._state import counter_state

    counter = counter_state(model_backend(model))
    if counter is not None:  # dropout masks: the same numbers on every device for this state
        state["counter"] = [int(v) for v in np.asarray(model_backend(model).to_numpy(counter))]
    return state


def _model_config(model):
    try:
        from ..models.serialization import model_to_config

        return model_to_config(model)
    except Exception as e:  # custom layers without registration: replay needs the model object
        return {"unavailable": f"{e.__class__.__name__}: {e}"}


def save_bundle(path, model, x, y=None, sample_weight=None, loss=None, random_state=None):
    """Write the bundle for one step (pre-step state) atomically to ``path``; returns the path.

    ``random_state`` is the generators' state before the step's forward pass (default: now)."""
    arrays, layout = {}, {}
    layout["x"] = _pack("x", x, arrays)
    layout["y"] = _pack("y", y, arrays)
    layout["sample_weight"] = _pack("sample_weight", sample_weight, arrays)
    weights = model.weights
    for i, w in enumerate(weights):
        arrays[f"weight_{i}"] = _host(w)
    store = {}
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "built", False):
        opt.save_own_variables(store)
    for k, v in store.items():
        arrays[f"optimizer_{k}"] = v
    meta = {"format": "cuflow-nan-bundle/1", "model": model.name, "device": model.device,
            "layout": layout, "weight_names": [w.name for w in weights],
            "optimizer_variables": len(store),
            "loss": None if loss is None else repr(float(np.asarray(_host(loss)).sum())),
            "layers": [layer.name for layer in model.layers]}
    arrays["meta"] = json_array(meta)
    arrays["random_state"] = json_array(random_state or _random_state(model))
    arrays["model_config"] = json_array(_model_config(model))
    return save_npz_atomic(path, arrays)


class NanGuard:
    """``fit(nan_bundle=path)``'s check of each eager step's loss (one host read): when it is
    not finite, save the step to ``path`` and return True (the trainer then skips the update
    and stops). Keeps the random state after each good forward pass, which is the next step's
    pre-forward state (backward, optimizer and metrics draw no random numbers), so a bad step
    replays its dropout masks."""

    def __init__(self, path, model):
        self.path = path
        self.model = model
        self.random_state = None

    def __call__(self, loss, x, y, sample_weight):
        model = self.model
        value = _host(loss)
        if np.all(np.isfinite(value)):
            self.random_state = _random_state(model)
            return False
        pre = self.random_state
        if pre is None:  # the first step of the fit: only the post-forward state is known
            pre = dict(_random_state(model), note="after the step's forward pass")
        save_bundle(self.path, model, x, y, sample_weight, loss=loss, random_state=pre)
        print(f"Non-finite loss {float(np.asarray(value).sum())!r}: saved the step to "
              f"{self.path}; replay it with cuflow.debug.replay({str(self.path)!r})")
        return True


class Bundle:
    """A loaded bundle: ``x``, ``y``, ``sample_weight``, ``weights``, ``optimizer_store``,
    ``meta``, ``random_state``, ``model_config``."""

    def __init__(self, path):
        with np.load(path, allow_pickle=False) as z:
            self.meta = read_json(z, "meta", {})
            if self.meta.get("format") != "cuflow-nan-bundle/1":
                raise ValueError(f"{path!r} is not a cuflow NaN bundle (format "
                                 f"{self.meta.get('format')!r})")
            layout = self.meta["layout"]
            self.x = _unpack("x", layout["x"], z)
            self.y = _unpack("y", layout["y"], z)
            self.sample_weight = _unpack("sample_weight", layout["sample_weight"], z)
            self.weights = [z[f"weight_{i}"] for i in range(len(self.meta["weight_names"]))]
            self.optimizer_store = {str(i): z[f"optimizer_{i}"]
                                    for i in range(self.meta["optimizer_variables"])}
            self.random_state = read_json(z, "random_state", {})
            self.model_config = read_json(z, "model_config", {})
        self.path = path


class ReplayReport:
    """``layer_name`` (None when every layer stayed finite and the devices agreed), ``reason``,
    ``table`` (a list of dict rows) and ``str(report)``."""

    def __init__(self, layer_name, reason, table, devices):
        self.layer_name = layer_name
        self.reason = reason
        self.table = table
        self.devices = devices

    def __str__(self):
        head = f"{'layer':<24}{'device':<8}{'output shape':<18}{'non-finite':>11}{'max |x|':>12}" \
               f"{'vs cpu':>10}"
        lines = [f"NaN replay on {', '.join(self.devices)}", head, "-" * len(head)]
        for r in self.table:
            diff = "" if r.get("vs_cpu") is None else f"{r['vs_cpu']:.2e}"
            lines.append(f"{r['layer'][:23]:<24}{r['device']:<8}{str(r['shape'])[:17]:<18}"
                         f"{r['nonfinite']:>11}{r['max_abs']:>12.4g}{diff:>10}")
        lines.append(f"First problem: {self.layer_name} — {self.reason}" if self.layer_name
                     else f"No problem found: {self.reason}")
        return "\n".join(lines)

    def __repr__(self):  # short: replay() has printed the table already, a REPL echoes this
        where = f"first problem: {self.layer_name}" if self.layer_name else "no problem found"
        return f"<ReplayReport {where}>"


def _rebuild(bundle):
    from ..models.serialization import model_from_config

    cfg = bundle.model_config
    if not cfg or "unavailable" in cfg:
        raise ValueError(f"the bundle has no usable model config "
                         f"({(cfg or {}).get('unavailable', 'none saved')}); pass model=")
    try:
        return model_from_config(cfg)
    except ValueError as e:  # a custom class the registry cannot find by name
        raise ValueError(f"{e}; or pass model= (the model that was trained)") from None


def _set_weights(model, bundle):
    weights = model.weights
    if len(weights) != len(bundle.weights):
        raise ValueError(f"the bundle holds {len(bundle.weights)} weights but model "
                         f"{model.name!r} has {len(weights)}: pass the model that was trained")
    for var, value in zip(weights, bundle.weights):
        if tuple(value.shape) != var.shape:
            raise ValueError(f"bundle weight for {var.name!r} has shape {value.shape}; the model's "
                             f"is {var.shape}")
        var.data[...] = var._backend.asarray(value.astype(var.dtype, copy=False))


def _forward_capture(model, bundle, training):
    """Run the forward pass layer by layer; [(layer name, host output)] in call order, plus the
    loss (host) when the model is compiled."""
    from .. import autodiff
    from ..tree import flatten as _flatten
    from ._patch import Patches

    captured = []
    patches = Patches()

    def wrap(layer):
        inner = layer.call

        def call(*args, **kwargs):
            out = inner(*args, **kwargs)
            captured.append((layer.name, [_host(t) for t in _flatten(out) if hasattr(t, "numpy")]))
            return out

        return call

    for layer in model.layers:
        if type(layer).__name__ != "InputLayer":
            patches.set(layer, "call", wrap(layer))
    from ._patch import model_backend
    from ._state import counter_state

    bk = model_backend(model)
    rng = getattr(bk, "_rng", None)
    rng = rng if hasattr(rng, "bit_generator") else None
    saved_rng = rng.bit_generator.state if rng is not None else None
    saved_counter = counter_state(bk)
    saved_counter = None if saved_counter is None else saved_counter.copy()
    rs = bundle.random_state.get("backend")
    if rs is not None and rng is not None:
        rng.bit_generator.state = rs  # the same random draws as the failing step
    counter = bundle.random_state.get("counter")
    if counter is not None and hasattr(bk, "rng_state"):
        bk.rng_state[...] = bk.asarray(np.asarray(counter, dtype=np.int64))
    loss = None
    try:
        # NumPy warns on the very values being hunted: they are reported in the table instead
        with autodiff.no_grad(), np.errstate(all="ignore"):
            model._clear_call_losses()
            pred = model(model._normalize_x(bundle.x), training=training)
            if getattr(model, "compiled", False) and bundle.y is not None:
                ys, preds = model._prepare_step(model._normalize_y(bundle.y), pred)
                sw = bundle.sample_weight
                total, _ = model._compute_loss(ys, preds, None if sw is None else
                                               model._normalize_y(sw))
                loss = _host(total)
    finally:
        patches.undo()
        if rng is not None:  # replay must not move the user's generators
            rng.bit_generator.state = saved_rng
        if saved_counter is not None:
            bk.rng_state[...] = saved_counter
    return captured, loss


def _stats(arrays):
    nonfinite = sum(int(np.count_nonzero(~np.isfinite(a))) for a in arrays if a.dtype.kind == "f")
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays if a.dtype.kind == "f"]
    max_abs = max((float(f.max()) for f in finite if f.size), default=0.0)
    return nonfinite, max_abs


def replay(path, model=None, devices=None, training=True, print_fn=print):
    """Re-run a NaN bundle's forward pass layer by layer on the CPU (and the GPU when available)
    and name the first layer whose output turns non-finite or whose devices disagree.

    ``model`` is the model that was trained (else it is rebuilt from the bundle's config); its
    weights and device are restored afterwards. Returns a ``ReplayReport``.
    """
    from ..backend import devices as all_devices
    from ._state import TrainingState

    bundle = Bundle(path)
    report = _check_data(bundle)  # NaN that came in with the batch is no layer's fault
    if report is not None:
        if print_fn is not None:
            print_fn(str(report))
        return report
    if model is None:
        model = _rebuild(bundle)
    devs = devices or [d for d in all_devices() if d in ("cpu", "gpu:0")]
    home = model.device
    state = TrainingState(model)
    runs = {}
    try:
        for dev in devs:
            model.to(dev)
            _set_weights(model, bundle)
            runs[dev] = _forward_capture(model, bundle, training)
    finally:
        model.to(home)
        state.restore()
    report = _analyse(runs, devs)
    if print_fn is not None:
        print_fn(str(report))
    return report


def _check_data(bundle):
    """A report naming the batch itself when its x, y or sample_weight hold NaN or inf."""
    from ..tree import flatten

    table, first = [], None
    for what in ("x", "y", "sample_weight"):
        arrays = [np.asarray(a) for a in flatten(getattr(bundle, what), skip_none=True)]
        if not arrays:
            continue
        nonfinite, max_abs = _stats(arrays)
        table.append({"layer": f"({what})", "device": "data", "shape": tuple(arrays[0].shape),
                      "nonfinite": nonfinite, "max_abs": max_abs, "vs_cpu": None})
        if nonfinite and first is None:
            first = (f"({what})", f"the batch's {what} holds {nonfinite} non-finite value(s): "
                                  f"the NaN came in with the data, before any layer ran")
    if first is None:
        return None
    return ReplayReport(first[0], first[1], table, ["data"])


def _max_diff(outs, ref_outs):
    """Largest |a - b| over the finite entries both devices produced (inf on a shape change)."""
    worst = 0.0
    for a, b in zip(outs, ref_outs):
        if a.shape != b.shape:
            return np.inf
        if a.dtype.kind != "f" or not a.size:
            continue
        both = np.isfinite(a) & np.isfinite(b)
        if both.any():
            worst = max(worst, float(np.max(np.abs(a[both].astype(np.float64)
                                                   - b[both].astype(np.float64)))))
    return worst


def _analyse(runs, devs):
    """Table rows per device and layer; the first layer in call order that turns non-finite on
    any device or whose output differs from the first device's."""
    table, problems = [], {}  # problems: call index -> reason
    ref, _ = runs[devs[0]]
    for dev in devs:
        captured, loss = runs[dev]
        for i, (name, outs) in enumerate(captured):
            nonfinite, max_abs = _stats(outs)
            diff = None
            if dev != devs[0] and i < len(ref):
                diff = _max_diff(outs, ref[i][1])
                scale = max(_stats(ref[i][1])[1], 1.0)
                if diff > DEVICE_ATOL + DEVICE_RTOL * scale and i not in problems:
                    problems[i] = (name, f"its outputs on {dev} and {devs[0]} disagree (max "
                                         f"|diff| {diff:.3g})")
            if nonfinite and (i not in problems or "disagree" in problems[i][1]):
                problems[i] = (name, f"its output holds {nonfinite} non-finite value(s) on {dev} "
                                     f"while every earlier layer's output was finite")
            table.append({"layer": name, "device": dev,
                          "shape": tuple(outs[0].shape) if outs else (),
                          "nonfinite": nonfinite, "max_abs": max_abs, "vs_cpu": diff})
        if loss is not None:
            nonfinite, max_abs = _stats([np.asarray(loss)])
            table.append({"layer": "(loss)", "device": dev, "shape": np.shape(loss),
                          "nonfinite": nonfinite, "max_abs": max_abs, "vs_cpu": None})
            if nonfinite and len(ref) not in problems:
                problems[len(ref)] = ("(loss)", f"every layer output is finite on {dev} but "
                                                f"the loss is not")
    if not problems:
        return ReplayReport(None, "every layer output and the loss are finite on "
                                  + ", ".join(devs), table, devs)
    name, reason = problems[min(problems)]
    return ReplayReport(name, reason, table, devs)
