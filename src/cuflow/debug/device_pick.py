"""``set_device("auto", measure=True)``: the next ``fit`` times a few training steps of the actual
model on each device, moves the model to the faster and prints the figures.

The measurement restores weights, optimizer state and the CPU generator after each device, so it
does not train the model.
"""

from __future__ import annotations

import logging
import time

from ..trainers import step

log = logging.getLogger("cuflow")


def _step_time(model, xb, yb, swb, steps, min_time):
    bk = None
    for w in model.weights:
        bk = w._backend
        break
    sync = bk.synchronize if bk is not None else (lambda: None)
    # the plain eager step (no fit loss check): warm-up compiles kernels, makes scratch buffers
    step.train_step(model, xb, yb, swb)
    sync()
    n, start = 0, time.perf_counter()
    while n < steps or time.perf_counter() - start < min_time:
        step.train_step(model, xb, yb, swb)
        n += 1
        if n >= 100 * steps:
            break
    sync()
    return (time.perf_counter() - start) / n


def measure_devices(model, x, y, batch_size=None, devices=None, steps=3, min_time=0.05,
                    sample_weight=None):
    """{device: seconds per training step} for ``model`` on one batch of ``x``/``y``; the model
    is returned to its device and state afterwards."""
    from .. import autodiff
    from ..backend import devices as all_devices
    from ..trainers.data_adapters import ArrayData, make_data
    from ._state import TrainingState

    devs = list(devices or all_devices())
    x, y = model._normalize_x(x), model._normalize_y(y)
    bs = batch_size or 32
    home = model.device
    probe = make_data(x, y, sample_weight, bs, False, None, device=home)
    if not isinstance(probe, ArrayData):
        raise ValueError("measuring devices needs in-memory arrays (generators cannot be "
                         "rewound)")
    if not model.built:
        with autodiff.no_grad():
            model(next(iter(probe.batches()))[0])
    state = TrainingState(model)
    figures = {}
    try:
        for dev in devs:
            model.to(dev)
            data = make_data(x, y, sample_weight, bs, False, None, device=dev)
            xb, yb, swb = next(iter(data.batches()))
            try:
                figures[dev] = _step_time(model, xb, yb, swb, steps, min_time)
            finally:
                state.restore()
    finally:
        model.to(home)
        state.restore()
    return figures


def format_figures(figures, best):
    parts = ", ".join(f"{d}: {1e3 * t:.2f} ms/step" for d, t in figures.items())
    return f"{parts} → {best}"


def pick_device(model, x, y, batch_size, print_fn=print):
    """The trainer hook's work: consume the pending request, measure, move, report."""
    from ..backend import selection

    selection._measure_pending = False  # one fit measures; later fits keep the choice
    try:
        figures = measure_devices(model, x, y, batch_size)
    except ValueError as e:
        log.warning("cuflow: device measurement skipped: %s", e)
        return None
    best = min(figures, key=figures.get)
    model.to(best)
    selection.set_device(best)  # new tensors follow the model
    line = format_figures(figures, best)
    log.info("cuflow: %s", line)
    if print_fn is not None:
        print_fn(line)
    return best
