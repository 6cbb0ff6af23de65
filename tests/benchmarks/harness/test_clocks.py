"""benchmarks.harness.clocks: the CPU clock and the warm-up / rounds / median loop."""

from __future__ import annotations

import pytest

from benchmarks.harness import clocks


class _FakeClock:
    """Each round takes as long as the scripted durations say; counts the syncs."""

    name = "fake"

    def __init__(self, durations):
        self.durations = list(durations)
        self.syncs = 0

    def sync(self):
        self.syncs += 1

    def start(self):
        return None

    def stop(self, t0):
        return self.durations.pop(0)


def test_time_steps_warms_up_then_reports_the_median_round():
    calls = []
    clock = _FakeClock([0.5, 0.25, 1.0])
    rate, rates = clocks.time_steps(lambda: calls.append(1), clock, steps=10, warmup=3,
                                    rounds=3)
    assert len(calls) == 3 + 3 * 10 and clock.syncs == 1  # one sync after the warm-up
    assert rates == [20.0, 40.0, 10.0] and rate == 20.0


def test_a_zero_duration_round_does_not_divide_by_zero():
    rate, _ = clocks.time_steps(lambda: None, _FakeClock([0.0]), steps=1, warmup=0, rounds=1)
    assert rate == pytest.approx(1e12)


def test_perf_clock_syncs_around_the_timed_span():
    syncs = []
    clock = clocks.PerfClock(sync=lambda: syncs.append(1))
    t0 = clock.start()
    elapsed = clock.stop(t0)
    assert elapsed >= 0 and len(syncs) == 2
    assert clocks.PerfClock.name == "time.perf_counter"
    assert clocks.EventClock("cupy").name == "CUDA events"
