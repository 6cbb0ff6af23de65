"""Tools to understand and trust what runs: gradient checks, kernel verification, NaN replay,
launch profiles, device choice by measurement.

- ``launch_summary(model)`` (also ``model.summary(kernels=True)``) and
  ``cuflow.callbacks.LaunchProfiler``: per-layer ops, kernel launches and time of a step;
- ``verify_kernels(rate)`` / ``fit(verify_kernels=rate)``, ``last_kernel_report()``,
  ``KernelMismatchError``: our kernels re-checked against their NumPy twins;
- ``check_gradients(model, x, y)`` (also ``model.check_gradients``): float64 central
  differences per layer;
- ``save_bundle`` / ``fit(nan_bundle=path)`` and ``replay(path)``: reproduce a NaN step;
- ``measure_devices(model, x, y)`` and ``set_device("auto", measure=True)``.
"""

from .device_pick import measure_devices
from .gradcheck import check_model_gradients as check_gradients
from .launches import LaunchReport, profile_step
from .nan_bundle import Bundle, ReplayReport, replay, save_bundle
from .verify import (
    KernelMismatchError,
    KernelReport,
    KernelVerifier,
    last_kernel_report,
    load_repro,
    verify_kernels,
)


def launch_summary(model, x=None, y=None, batch_size=8, print_fn=print):
    """Profile one training step (on ``x``/``y`` or a synthetic batch) and print the report;
    the model's weights and optimizer state are restored afterwards. Returns the report."""
    report = profile_step(model, x, y, batch_size)
    if print_fn is not None:
        print_fn(str(report))
    return report


__all__ = ["Bundle", "KernelMismatchError", "KernelReport", "KernelVerifier", "LaunchReport",
           "ReplayReport", "check_gradients", "last_kernel_report", "launch_summary",
           "load_repro", "measure_devices", "profile_step", "replay", "save_bundle",
           "verify_kernels"]
