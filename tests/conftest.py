"""Shared fixtures: the device a test body runs on, a seeded generator, GPU skips."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend import selection as _selection
from cuflow.testing import device_params, gpu_available
from cuflow.testing.parity import NO_GPU

HAS_GPU = gpu_available()

# fit prints "cuflow: training on <device> (auto: ...)" once per process above its first progress
# bar; which test would get it depends on the order tests run in, so the suite starts with it
# shown (tests/trainers/test_trainer.py checks the line itself)
_selection._device_announced = True
DEVICES = device_params()


@pytest.fixture(params=DEVICES)
def device(request):
    """The device a test body runs on; GPU cases skip with a reason without one. (Prefer
    ``cuflow.testing.on_every_device``, which also compares the result with the CPU's.)"""
    return request.param


@pytest.fixture(autouse=True)
def _restore_process_settings():
    """Each test starts from the settings the previous one found (floatx, image_data_format
    ...): a test that changes them cannot leak into the next one on the same worker."""
    from cuflow.backend import config

    saved = dict(config._state)
    yield
    config._state.clear()
    config._state.update(saved)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("gpu") and not HAS_GPU:
            item.add_marker(pytest.mark.skip(reason=NO_GPU))


def pytest_terminal_summary(terminalreporter):
    """Skips as one line per reason, so a real failure is not lost among a thousand GPU skips
    (pytest's own -rs lists every skipped location)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    counts = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        counts[reason] = counts.get(reason, 0) + 1
    terminalreporter.section("skipped, by reason")
    for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        terminalreporter.write_line(f"{n:6d}  {reason}")
