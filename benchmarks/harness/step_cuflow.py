"""One cuflow variant of a step case: ``cuflow eager`` (the step ``fit`` runs with
jit_compile=False) or ``cuflow captured`` (one CUDA graph replay per step)."""

from __future__ import annotations

import contextlib

from .cases import Skip, step_data
from .clocks import EventClock, PerfClock, time_steps


def cuflow_model(case):
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


@contextlib.contextmanager
def tf32(enabled):
    from cuflow import config

    previous = config.tensor_float_32_enabled()
    config.enable_tensor_float_32(enabled)
    try:
        yield
    finally:
        config.enable_tensor_float_32(previous)


def cuflow_variant(case, variant, device, timing):
    """(steps/s, round rates, note) of one cuflow variant."""
    import cuflow as cf
    from cuflow.trainers import captured_step as graph_step

    gpu = device.startswith("gpu")
    captured = variant == "cuflow captured"
    if captured and not gpu:
        raise Skip(f"CUDA graphs need a GPU (device is {device})")
    if case.precision == "tf32" and not gpu:
        raise Skip("TF32 is a GPU tensor-core mode; on the CPU this repeats the float32 case")
    x, y = step_data(case)
    note = None
    with contextlib.ExitStack() as stack:
        stack.enter_context(cf.device(device))
        stack.enter_context(tf32(case.precision == "tf32"))
        if gpu:
            import cupy

            stack.enter_context(cupy.cuda.Device(int(device.split(":")[1])))
        model = cuflow_model(case)
        model._jit_compile = captured
        xb, yb = cf.Tensor(x), cf.Tensor(y)  # on the device already: time steps, not copies
        step = graph_step.train_function(model, None)
        if captured and not isinstance(step, graph_step.CapturedTrainStep):
            note = "CUDA graphs unavailable: ran eagerly"
        clock = EventClock("cupy") if gpu else PerfClock()
        rate, rates = time_steps(lambda: step(xb, yb, None), clock, *timing)
        if captured and isinstance(step, graph_step.CapturedTrainStep):
            if step.disabled:
                note = f"fell back to eager: {step.disabled}"
            elif not step.replays:
                note = "never replayed a graph"
    return rate, rates, note
