"""Clocks for the step benchmark: CUDA events on the GPU, ``time.perf_counter`` on the CPU."""

from __future__ import annotations

import time

import numpy as np


class PerfClock:
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


class EventClock:
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


def time_steps(step, clock, steps, warmup, rounds):
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
