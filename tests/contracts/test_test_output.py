"""The suite's own output: skips summarised one line per reason, never one line per test."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_skips_are_summarised_by_reason():
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-p", "no:xdist", "tests/test_tensor.py"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:]
    out = res.stdout
    assert "SKIPPED [" not in out  # no per-location skip lines
    section = out[out.index("skipped, by reason"):]
    counts = re.findall(r"^\s+(\d+)  (.+)$", section, re.M)
    total = int(re.search(r"(\d+) skipped", out.splitlines()[-1]).group(1))
    assert counts and sum(int(n) for n, _ in counts) == total
