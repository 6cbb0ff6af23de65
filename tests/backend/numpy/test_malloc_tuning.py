"""glibc's thresholds are fixed once (with the opt-out honoured), and with them a large array
freed and allocated again every "step" stops costing fresh page faults."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from cuflow.backend.numpy import malloc_tuning


class _FakeLibc:
    def __init__(self, answer=1):
        self.calls, self.answer = [], answer

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return self.answer


def test_sets_both_thresholds_once(monkeypatch):
    monkeypatch.setattr(malloc_tuning, "_done", {})
    monkeypatch.delenv("CUFLOW_MALLOC_TUNING", raising=False)
    lib = _FakeLibc()
    assert malloc_tuning.tune_once(lambda: lib) is True
    assert lib.calls == [(malloc_tuning.M_MMAP_THRESHOLD, malloc_tuning.MMAP_THRESHOLD),
                         (malloc_tuning.M_TRIM_THRESHOLD, malloc_tuning.TRIM_THRESHOLD)]
    assert malloc_tuning.tune_once(lambda: lib) is True
    assert len(lib.calls) == 2  # not again


@pytest.mark.parametrize("value", ["0", "off"])
def test_opt_out_leaves_malloc_alone(monkeypatch, value):
    monkeypatch.setattr(malloc_tuning, "_done", {})
    monkeypatch.setenv("CUFLOW_MALLOC_TUNING", value)
    lib = _FakeLibc()
    assert malloc_tuning.tune_once(lambda: lib) is False
    assert lib.calls == []


def test_no_glibc_or_a_refusal_is_reported(monkeypatch):
    monkeypatch.setattr(malloc_tuning, "_done", {})
    monkeypatch.delenv("CUFLOW_MALLOC_TUNING", raising=False)
    assert malloc_tuning.tune_once(lambda: None) is False
    monkeypatch.setattr(malloc_tuning, "_done", {})
    assert malloc_tuning.tune_once(lambda: _FakeLibc(answer=0)) is False


_CHURN = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from cuflow.backend.numpy import malloc_tuning
    if sys.argv[1] == "tuned":
        assert malloc_tuning.tune_once()
    keep = [np.ones(1 << 16) for _ in range(8)]  # some unrelated heap use
    for _ in range(3):  # warm-up: let the heap reach its size
        a = np.ones(3 << 20, np.float32); b = np.ones(3 << 20, np.float32); del a, b
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):  # a "step": two 12 MB temporaries made, filled and freed
        a = np.ones(3 << 20, np.float32); b = a * 2; del a, b
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 20)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux") or malloc_tuning._libc() is None,
                    reason="glibc's malloc only")
def test_tuned_heap_reuses_large_blocks():
    env = dict(os.environ, CUFLOW_MALLOC_TUNING="1")

    def faults(mode):
        out = subprocess.run([sys.executable, "-c", _CHURN, mode], env=env, check=True,
                             capture_output=True, text=True).stdout
        return float(out.strip())

    tuned = faults("tuned")
    # 24 MB of fresh 4 KiB pages would be about 6,000 faults a step; reused heap blocks, none
    assert tuned < 100, tuned
