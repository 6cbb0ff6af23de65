"""Hypothesis fuzzing of the public API with malformed inputs (dtypes, ranks 0-6, zero-size and
enormous dimensions, bad axes and sizes, NaN/Inf, lists, None).

Allowed outcomes: a result, or ValueError / TypeError / IndexError / cuflow.OutOfMemoryError
with a message. Anything else, a crash or a hang is a bug, reported with its case. Each target
runs in a watchdog child process (see watchdog.py). CI size: FUZZ_EXAMPLES per target;
``-m slow`` or CUFLOW_FUZZ_EXAMPLES=N for a longer search.
"""

from __future__ import annotations

import os

import pytest

from .conftest import RESULTS
from .watchdog import run_target

TARGETS = ("ops", "layers", "losses", "metrics", "fit")
CI_EXAMPLES = {"ops": 600, "layers": 500, "losses": 300, "metrics": 300, "fit": 200}
SLOW_EXAMPLES = 5000


def _examples(target, slow):
    env = os.environ.get("CUFLOW_FUZZ_EXAMPLES")
    if env:
        return int(env)
    return SLOW_EXAMPLES if slow else CI_EXAMPLES[target]


def _run(target, slow):
    n = _examples(target, slow)
    stats = run_target(target, n, timeout=max(120, n))
    RESULTS.append(stats)
    assert stats["bug"] is None, f"fuzz target {target!r} found a bug:\n{stats['bug']}"
    assert stats["cases"] > 0


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz(target):
    _run(target, slow=False)


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_long(target):
    _run(target, slow=True)
